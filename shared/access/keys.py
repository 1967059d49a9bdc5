"""The keys that sign and check query credentials: a JSON Web Key Set per process.

Each caller (``backoffice``, ``operator``, ``storefront-<id>``) holds its own private key and
signs short-lived JWTs (EdDSA/Ed25519, or ES256) with it; every service holds the callers'
public keys (``OMS_QUERY_KEYS``, a JWKS). A key's ``kid`` is ``<caller>:<label>``: the caller it
belongs to, so a key signs for one caller only. Several keys of one caller may be trusted at
once, which is how a key is rotated without restarting every service at once.

Development keys are derived from the caller's name (anyone can compute them, like the
``<user>-dev`` RabbitMQ passwords): trusted by default outside production and refused in it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shared.registry import CALLERS, SERVICES, STOREFRONTS

ALGORITHMS = frozenset({"EdDSA", "ES256"})
"""Asymmetric algorithms only: a service never holds what signs."""
DEV_LABEL = "dev"
RELOAD_SECONDS = 10.0
"""How often a key set read from a file (``OMS_QUERY_KEYS=@path``) looks for a change."""
log = structlog.get_logger(__name__)


class KeyProblem(ValueError):
    """A key or key set in the settings cannot be used; the message says which and why."""


def owner(kid: str) -> str:
    """The caller a key belongs to: ``backoffice`` for ``backoffice:2026-12``."""
    caller, sep, label = kid.partition(":")
    if not (caller and sep and label):
        msg = f"key id {kid!r} must be <caller>:<label>, e.g. backoffice:2026-12"
        raise KeyProblem(msg)
    return caller


def development_private_jwk(caller: str) -> dict[str, Any]:
    """The development key of ``caller``: derived from its name, so never a secret."""
    seed = hashlib.sha256(f"oms-development-query-key:{caller}".encode()).digest()
    private = Ed25519PrivateKey.from_private_bytes(seed)
    jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(private))
    return {**jwk, "kid": f"{caller}:{DEV_LABEL}", "alg": "EdDSA", "use": "sig"}


def public_jwk(private: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in private.items() if name != "d"}


DEVELOPMENT_CALLERS: tuple[str, ...] = (
    *(caller.name for caller in CALLERS),
    *(front.rabbitmq_user for front in STOREFRONTS),
    *(service.name for service in SERVICES),
)
"""Whose development keys a development service trusts: every caller and storefront, and the
services (so that a service's credential is refused as a service's, 403, rather than unknown)."""


def development_key_set() -> dict[str, Any]:
    return {"keys": [public_jwk(development_private_jwk(c)) for c in DEVELOPMENT_CALLERS]}


def is_development_key(jwk: dict[str, Any]) -> bool:
    kid = str(jwk.get("kid", ""))
    try:
        caller = owner(kid)
    except KeyProblem:
        return False
    return bool(jwk.get("x") == development_private_jwk(caller)["x"])


def read_json(value: str, setting: str) -> Any:
    """A setting that holds JSON, or ``@path`` to a file holding it (a mounted Secret)."""
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    try:
        return json.loads(text)
    except ValueError as error:
        msg = f"{setting} is not JSON (or @file with JSON): {error}"
        raise KeyProblem(msg) from None


@dataclass(frozen=True)
class TrustedKey:
    kid: str
    caller: str
    key: jwt.PyJWK


class KeySet:
    """The public keys a service checks credentials with, by ``kid``."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        entries = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(entries, list) or not entries:
            raise KeyProblem('a key set is {"keys": [...]} with at least one key')
        self.keys: dict[str, TrustedKey] = {}
        for entry in entries:
            self._add(entry)

    def _add(self, entry: dict[str, Any]) -> None:
        kid = str(entry.get("kid") or "")
        if "d" in entry:
            msg = f"key {kid!r} is a private key: services hold public keys only"
            raise KeyProblem(msg)
        try:
            key = jwt.PyJWK(entry)
        except jwt.PyJWTError as error:
            msg = f"key {kid!r} cannot be used: {error}"
            raise KeyProblem(msg) from None
        if key.algorithm_name not in ALGORITHMS:
            msg = f"key {kid!r} uses {key.algorithm_name}; use EdDSA (Ed25519) or ES256"
            raise KeyProblem(msg)
        if kid in self.keys:
            msg = f"key id {kid!r} appears twice"
            raise KeyProblem(msg)
        self.keys[kid] = TrustedKey(kid, owner(kid), key)

    @classmethod
    def from_setting(cls, value: str | None, *, production: bool) -> KeySet | KeyFile:
        """``OMS_QUERY_KEYS``; without it, the development keys (refused in production); from
        ``@path``, a set that follows the file (a mounted Secret) without a restart."""
        if not value:
            if production:
                raise KeyProblem("set OMS_QUERY_KEYS (the callers' public keys) in production")
            return cls(development_key_set())
        if value.startswith("@"):
            return KeyFile(Path(value[1:]), production=production)
        return cls.checked(value, production=production)

    @classmethod
    def checked(cls, value: str, *, production: bool) -> KeySet:
        jwks = read_json(value, "OMS_QUERY_KEYS")
        found = cls(jwks)
        if production and (dev := [k for k in jwks["keys"] if is_development_key(k)]):
            kids = ", ".join(str(k.get("kid")) for k in dev)
            msg = f"OMS_QUERY_KEYS holds development keys ({kids}); production refuses them"
            raise KeyProblem(msg)
        return found

    def get(self, kid: str) -> TrustedKey | None:
        return self.keys.get(kid)

    def callers(self) -> Iterable[str]:
        return sorted({key.caller for key in self.keys.values()})


class Keys(Protocol):
    """What checks a credential: the trusted key of a ``kid``."""

    def get(self, kid: str) -> TrustedKey | None: ...

    def callers(self) -> Iterable[str]: ...


class KeyFile:
    """A key set kept in a file (a Kubernetes Secret mounted as a volume): read again when the
    file changes, looked at every ``RELOAD_SECONDS``, so a key is added or withdrawn without
    restarting the service. A changed file that cannot be used is logged and the keys in use
    are kept."""

    def __init__(self, path: Path, *, production: bool) -> None:
        self.path, self.production = path, production
        self.stamp = self._stamp()
        self.keys = KeySet.checked(f"@{path}", production=production)
        self.looked = time.monotonic()

    def _stamp(self) -> tuple[float, int]:
        found = self.path.stat()
        return found.st_mtime, found.st_size

    def _fresh(self) -> KeySet:
        now = time.monotonic()
        if now - self.looked < RELOAD_SECONDS:
            return self.keys
        self.looked = now
        try:
            stamp = self._stamp()
            if stamp != self.stamp:
                self.keys = KeySet.checked(f"@{self.path}", production=self.production)
                self.stamp = stamp
                log.info("query_keys_reloaded", callers=list(self.keys.callers()))
        except (OSError, KeyProblem) as error:
            log.error("query_keys_not_reloaded", path=str(self.path), error=str(error))
        return self.keys

    def get(self, kid: str) -> TrustedKey | None:
        return self._fresh().get(kid)

    def callers(self) -> Iterable[str]:
        return self._fresh().callers()
