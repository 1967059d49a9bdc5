"""What every omsctl command shares: where to connect, as whom, and how to print the result."""

from __future__ import annotations

import asyncio
import getpass
import json
from dataclasses import dataclass
from typing import Any, NoReturn

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from omsctl.catalog import ENVELOPE, commands, event_keys
from omsctl.outcome import INVALID_REASONS, Exit, Outcome, Unreachable
from omsctl.queries import get, signer
from shared.contracts.base import PEOPLE_GATEWAYS, Command, CommandRejected
from shared.messaging.client import Answer, calling, login

CLIENT_NAME = "omsctl"
"""omsctl's connections, as the broker's management lists them."""

DEFAULT_AMQP_URL = "amqp://backoffice:backoffice-dev@127.0.0.1:5672/oms"


@dataclass
class Ctl:
    amqp_url: str
    person: str | None
    json_output: bool
    timeout: float

    @property
    def login(self) -> str:
        return login(self.amqp_url)

    def command(
        self,
        routing_key: str,
        fields: dict[str, Any],
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Outcome:
        """Check ``fields`` against the command's contract, send it, and wait for its answer."""
        spec = commands()[routing_key]
        acting = spec.acting_person
        person = self.person or (fields.get(acting) if acting else None) or getpass.getuser()
        if acting and not fields.get(acting):
            fields = {**fields, acting: person}
        if message_id:
            fields = {**fields, "message_id": message_id}
        try:
            command = spec.contract.model_validate_json(json.dumps(fields))
        except ValidationError as error:
            return invalid(routing_key, error)
        sent_id = str(command.message_id)
        acting_for = person if self.login in PEOPLE_GATEWAYS else None
        try:
            answer = asyncio.run(self.send(command, acting_for, correlation_id))
        except Unreachable as error:
            return unreachable(str(error))
        if answer is None:
            return unreachable(
                f"no answer to {routing_key} (message {sent_id}) within {self.timeout:g} s: "
                f"is the {spec.service} service running? The command may still be applied; "
                "sending it again with --message-id is safe."
            )
        return answered(routing_key, sent_id, answer)

    async def send(
        self, command: Command, person: str | None, correlation_id: str | None
    ) -> Answer | None:
        """Send ``command`` and wait for its answer: None when none came in time."""
        async with calling(self.amqp_url, CLIENT_NAME, self.timeout) as caller:
            return await caller.send(
                command, person=person, timeout=self.timeout, correlation_id=correlation_id
            )

    def query(self, service: str, path: str, **params: Any) -> tuple[Outcome | None, Any]:
        """The query's JSON body, or the outcome to end with (unreachable, not found, bad)."""
        try:
            credential = signer(self.login).header(service, person=self.person)
            status, body = get(service, path, params, self.timeout, credential)
        except Unreachable as error:
            return unreachable(str(error)), None
        if status in {401, 403}:
            return Outcome(Exit.REFUSED, body, _error_text(body)), None
        if status == 404:
            return Outcome(Exit.NOT_FOUND, body, _error_text(body)), None
        if status != 200:
            return Outcome(Exit.INVALID, body, _error_text(body)), None
        return None, body

    def emit(self, outcome: Outcome, columns: list[str] | None = None) -> NoReturn:
        """Print ``outcome`` (JSON with ``--json``, else words and a table) and exit with its
        code."""
        if self.json_output:
            click.echo(json.dumps(outcome.data, indent=2, default=str))
        else:
            stream = console(stderr=outcome.exit is not Exit.DONE)
            if outcome.text:
                stream.print(outcome.text, markup=False, highlight=False)
            if outcome.rows or columns:
                stream.print(table(outcome.rows, columns))
            for title, rows in outcome.more:
                stream.print(table(rows, title=title))
        raise SystemExit(int(outcome.exit))


def console(*, stderr: bool) -> Console:
    """A terminal's own width; 200 columns into a pipe or file, so that nothing is cut."""
    stream = Console(stderr=stderr)
    return stream if stream.is_terminal else Console(stderr=stderr, width=200)


def invalid(routing_key: str, error: ValidationError) -> Outcome:
    problems = [
        {"field": ".".join(str(part) for part in e["loc"]) or "(body)", "problem": e["msg"]}
        for e in error.errors()
    ]
    return Outcome(
        Exit.INVALID,
        {"outcome": "invalid", "routing_key": routing_key, "errors": problems},
        f"invalid {routing_key}, not sent:",
        rows=problems,
    )


def unreachable(text: str) -> Outcome:
    return Outcome(Exit.UNREACHABLE, {"outcome": "unreachable", "detail": text}, text)


def answered(routing_key: str, message_id: str, answer: Answer) -> Outcome:
    body = answer.body
    if answer.type == CommandRejected.type_name() or ("reason" in body and "detail" in body):
        reason = str(body.get("reason"))
        code = Exit.INVALID if reason in INVALID_REASONS else Exit.REFUSED
        word = "invalid" if code is Exit.INVALID else "refused"
        data = {
            "outcome": word,
            "routing_key": routing_key,
            "message_id": message_id,
            "reason": reason,
            "detail": body.get("detail"),
            "answer": body,
        }
        return Outcome(code, data, f"{word}: {routing_key} ({reason}): {body.get('detail')}")
    event = event_keys().get(answer.type or "", answer.type or "answer")
    data = {
        "outcome": "done",
        "routing_key": routing_key,
        "message_id": message_id,
        "event": event,
        "answer": body,
    }
    rows = [
        {"field": key, "value": brief(value)}
        for key, value in body.items()
        if value is not None and key not in ENVELOPE
    ]
    return Outcome(Exit.DONE, data, f"done: {routing_key} answered by {event}", rows=rows)


def brief(value: Any) -> Any:
    """A value short enough for a table cell (``--json`` prints it whole)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return f"{len(value)} item(s), see --json"
    if isinstance(value, dict) and len(json.dumps(value, default=str)) > 80:
        return "see --json"
    return value


def _error_text(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("error", body))
    return str(body)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def table(
    rows: list[dict[str, Any]], columns: list[str] | None = None, title: str | None = None
) -> Table:
    """Rows as a readable table; ``columns`` picks and orders them (all keys otherwise)."""
    names = columns or list(dict.fromkeys(key for row in rows for key in row))
    view = Table(header_style="bold", title=title, title_justify="left")
    for name in names:
        view.add_column(name, overflow="fold")
    for row in rows:
        view.add_row(*(cell(row.get(name)) for name in names))
    return view
