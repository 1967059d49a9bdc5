"""Query credentials: short-lived JWTs a caller signs with its own key, checked with PyJWT.

Claims: ``iss`` and ``sub`` the caller (the owner of the signing key), ``aud`` the service
read (``order``, ``approval``, ...), ``iat`` and ``exp`` (at most ``MAX_LIFETIME`` apart),
``jti``, and for a gateway acting for people the person it authenticated (``oms_person``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from shared.access.keys import KeyProblem, Keys, read_json

LIFETIME = 60
"""Seconds a credential minted here is valid: one is minted per request."""
MAX_LIFETIME = 300
"""A credential that claims to last longer is refused, whoever signed it."""
LEEWAY = 30
"""Clock difference tolerated between a caller and a service."""
PERSON_CLAIM = "oms_person"


@dataclass(frozen=True)
class Claims:
    caller: str
    kid: str
    person: str | None


class Refused(Exception):
    """The credential does not prove who calls; ``reason`` is a code, the message a sentence."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Signer:
    """A caller's signing key (a private JWK whose ``kid`` is ``<caller>:<label>``)."""

    def __init__(self, private_jwk: dict[str, Any]) -> None:
        if "d" not in private_jwk:
            raise KeyProblem("a signing key is a private JWK (it has a 'd' member)")
        self.jwk = jwt.PyJWK(private_jwk)
        if not self.jwk.key_id:
            raise KeyProblem("a signing key needs a kid: <caller>:<label>")
        self.kid: str = self.jwk.key_id
        self.caller = self.kid.partition(":")[0]

    @classmethod
    def from_setting(cls, value: str, setting: str) -> Signer:
        found = read_json(value, setting)
        if not isinstance(found, dict):
            msg = f"{setting} must be one private JWK (a JSON object)"
            raise KeyProblem(msg)
        return cls(found)

    def mint(self, audience: str, *, person: str | None = None, lifetime: int = LIFETIME) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.caller,
            "sub": self.caller,
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        if person:
            claims[PERSON_CLAIM] = person
        return jwt.encode(
            claims, self.jwk.key, algorithm=self.jwk.algorithm_name, headers={"kid": self.kid}
        )

    def header(self, audience: str, *, person: str | None = None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.mint(audience, person=person)}"}


def verify(token: str, keys: Keys, audience: str) -> Claims:
    """Who signed ``token`` for ``audience``; :class:`Refused` when it proves nothing."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Refused("malformed_credential", "The credential is not a JWT.") from None
    kid = str(header.get("kid"))
    trusted = keys.get(kid)
    if trusted is None:
        raise Refused("unknown_key", f"The credential's key id {kid!r} is not trusted here.")
    if header.get("alg") != trusted.key.algorithm_name:
        raise Refused("wrong_algorithm", f"Key {kid} signs with {trusted.key.algorithm_name}.")
    try:
        claims = jwt.decode(
            token,
            trusted.key.key,
            algorithms=[trusted.key.algorithm_name],
            audience=audience,
            issuer=trusted.caller,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "aud", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Refused("expired_credential", "The credential has expired: mint a new one.") from None
    except jwt.InvalidAudienceError:
        msg = f"The credential is not for the {audience} service (its aud must be {audience!r})."
        raise Refused("wrong_audience", msg) from None
    except jwt.InvalidSignatureError:
        msg = f"The credential's signature does not match key {kid}."
        raise Refused("bad_signature", msg) from None
    except jwt.PyJWTError as error:
        raise Refused("invalid_credential", f"The credential is not valid: {error}.") from None
    return _checked(claims, trusted.caller, kid)


def _checked(claims: dict[str, Any], caller: str, kid: str) -> Claims:
    if claims["sub"] != caller:
        msg = f"The credential's sub must be {caller!r}, the owner of key {kid}."
        raise Refused("invalid_credential", msg)
    if int(claims["exp"]) - int(claims["iat"]) > MAX_LIFETIME:
        msg = f"The credential lasts longer than {MAX_LIFETIME} s: mint short-lived ones."
        raise Refused("lifetime_too_long", msg)
    person = claims.get(PERSON_CLAIM)
    return Claims(caller, kid, person if isinstance(person, str) else None)
