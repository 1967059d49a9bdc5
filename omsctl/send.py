"""``omsctl send <routing key> --field value ...``: every public command, made from its
contract (one option per body field), so commands added to a service need nothing here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from omsctl.catalog import CommandSpec, commands
from omsctl.context import Ctl
from omsctl.outcome import Exit, Outcome


class SendGroup(click.Group):
    """A subcommand per routing key in the services' handler tables."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(commands())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = commands().get(cmd_name)
        return None if spec is None else command_for(spec)


def command_for(spec: CommandSpec) -> click.Command:
    fields = spec.fields()
    params: list[click.Parameter] = [
        click.Option(
            [field.option, field.name],
            help=_help(field.type_text, field.description, field.required, field.structured),
        )
        for field in fields
    ]
    params += [
        click.Option(
            ["--body", "_body"],
            help="The whole body as JSON, or @file.json; options given beside it win.",
        ),
        click.Option(
            ["--message-id", "_message_id"],
            help="Send with this message id (a UUID): sending it again is applied once.",
        ),
        click.Option(["--correlation-id", "_correlation_id"], help="The business flow."),
    ]
    structured = {field.name for field in fields if field.structured}

    @click.pass_obj
    def run(ctl: Ctl, /, **given: Any) -> None:
        body_text = given.pop("_body")
        message_id, correlation_id = given.pop("_message_id"), given.pop("_correlation_id")
        try:
            values = body(body_text)
            for name, value in given.items():
                if value is not None:
                    values[name] = json.loads(value) if name in structured else value
        except (ValueError, OSError) as error:
            ctl.emit(
                Outcome(
                    Exit.INVALID,
                    {"outcome": "invalid", "detail": str(error)},
                    f"invalid input: {error}",
                )
            )
        ctl.emit(
            ctl.command(
                spec.routing_key, values, message_id=message_id, correlation_id=correlation_id
            )
        )

    acting = (
        f" The person acting ({spec.acting_person}) defaults to --as." if spec.acting_person else ""
    )
    return click.Command(
        spec.routing_key,
        callback=run,
        params=params,
        help=f"{spec.summary}\n\nAnswered by {' or '.join(spec.answered_by)}; sent by "
        f"{', '.join(spec.senders)}.{acting}",
        short_help=spec.summary,
    )


def body(text: str | None) -> dict[str, Any]:
    """The ``--body`` option: JSON text, or ``@path`` to a JSON file."""
    if not text:
        return {}
    raw = Path(text[1:]).read_text() if text.startswith("@") else text
    value = json.loads(raw)
    if not isinstance(value, dict):
        msg = "--body must be a JSON object"
        raise ValueError(msg)
    return value


def _help(type_text: str, description: str, required: bool, structured: bool) -> str:
    parts = [f"[{type_text}{', JSON' if structured else ''}{', required' if required else ''}]"]
    if description:
        parts.append(description)
    return " ".join(parts)
