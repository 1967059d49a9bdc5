"""Reading the services' HTTP queries (``GET :8081/orders?...``): where each service answers,
and the credential omsctl sends (a JWT signed with the caller's key, README: Reading the
queries)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from omsctl.outcome import Unreachable
from shared.access.keys import KeyProblem, development_private_jwk
from shared.access.tokens import Signer
from shared.registry import entry

KEY_VARIABLE = "OMSCTL_QUERY_KEY"


def signer(login: str) -> Signer:
    """``OMSCTL_QUERY_KEY`` (a private JWK whose kid is ``<caller>:<label>``, or ``@file``);
    without it, the development key of the AMQP login, which development services trust."""
    if value := os.environ.get(KEY_VARIABLE):
        try:
            return Signer.from_setting(value, KEY_VARIABLE)
        except (KeyProblem, OSError) as error:
            raise Unreachable(f"{KEY_VARIABLE} cannot sign: {error}") from error
    return Signer(development_private_jwk(login))


def base_url(service: str) -> str:
    """``OMSCTL_<SERVICE>_URL`` if set, else the service's registry port on ``OMSCTL_HOST``
    (127.0.0.1 by default, as under ``make run``)."""
    if url := os.environ.get(f"OMSCTL_{service.upper()}_URL"):
        return url.rstrip("/")
    host = os.environ.get("OMSCTL_HOST", "127.0.0.1")
    return f"http://{host}:{entry(service).port}"


def get(
    service: str,
    path: str,
    params: dict[str, Any],
    timeout: float,
    credential: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """(HTTP status, JSON body) of one query; parameters that are ``None`` are left out. A
    query answering CSV (``/journal.csv``) gives its text."""
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    url = f"{base_url(service)}{path}" + (f"?{query}" if query else "")
    request = urllib.request.Request(url, headers=credential or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
            if response.headers.get_content_type() == "text/csv":
                return int(response.status), body.decode()
            return int(response.status), json.loads(body)
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return int(error.code), json.loads(body)
        except ValueError:
            return int(error.code), {"error": body.decode(errors="replace")}
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise Unreachable(f"the {service} service does not answer at {url}: {reason}") from error
