"""Query credentials for tests: the development keys every test service trusts (the README's
"Reading the queries"), or keys a test makes itself."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from shared.access.keys import development_private_jwk
from shared.access.tokens import Signer

DEFAULT_CALLER = "operator"
"""Tests read as an operator, who may read every query of every service."""


def signer(caller: str = DEFAULT_CALLER) -> Signer:
    return Signer(development_private_jwk(caller))


def headers(
    service: str, caller: str = DEFAULT_CALLER, person: str | None = None
) -> dict[str, str]:
    """``Authorization: Bearer ...`` for reading ``service``'s queries as ``caller``."""
    return signer(caller).header(service, person=person)


def new_private_jwk(kid: str) -> dict[str, Any]:
    """A fresh Ed25519 key (for rotation and forgery tests)."""
    found: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(Ed25519PrivateKey.generate()))
    return {**found, "kid": kid, "alg": "EdDSA"}
