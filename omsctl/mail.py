"""``omsctl mail list|show``: the e-mails caught by ``make run``'s SMTP catcher or Mailpit.

Both answer Mailpit's API (``/api/v1/messages``, ``/api/v1/message/<id>``) at
``OMSCTL_MAIL_URL`` (http://127.0.0.1:8025 by default).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

import click

from omsctl.context import Ctl, unreachable
from omsctl.outcome import Exit, Outcome


def mail_url() -> str:
    return os.environ.get("OMSCTL_MAIL_URL", "http://127.0.0.1:8025").rstrip("/")


def _get(ctl: Ctl, path: str) -> Any:
    url = f"{mail_url()}{path}"
    try:
        with urllib.request.urlopen(url, timeout=ctl.timeout) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        ctl.emit(Outcome(Exit.NOT_FOUND, {"error": f"{url}: {error.code}"}, f"not found: {url}"))
    except (urllib.error.URLError, OSError) as error:
        ctl.emit(unreachable(f"no e-mail catcher answers at {url}: {error}"))


@click.group("mail")
def mail() -> None:
    """E-mails caught locally (make run's SMTP catcher, or Mailpit under Compose)."""


@mail.command("list")
@click.option("--to", help="Only those sent to this address.")
@click.pass_obj
def list_mail(ctl: Ctl, to: str | None) -> None:
    """Caught e-mails, newest first."""
    found = _get(ctl, "/api/v1/messages").get("messages", [])
    rows = [
        {
            "id": message["ID"],
            "at": message.get("Created"),
            "to": ", ".join(t.get("Address", "") for t in message.get("To") or []),
            "subject": message.get("Subject"),
        }
        for message in found
    ]
    rows = [row for row in rows if to is None or to in row["to"]]
    ctl.emit(Outcome(Exit.DONE, rows, rows=rows), columns=["id", "at", "to", "subject"])


@mail.command("show")
@click.argument("message_id")
@click.pass_obj
def show_mail(ctl: Ctl, message_id: str) -> None:
    """One e-mail with its text."""
    message = _get(ctl, f"/api/v1/message/{message_id}")
    to = ", ".join(t.get("Address", "") for t in message.get("To") or [])
    text = f"To: {to}\nSubject: {message.get('Subject')}\n\n{message.get('Text', '')}"
    ctl.emit(Outcome(Exit.DONE, message, text))
