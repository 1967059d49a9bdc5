"""The ``omsctl`` command: global options, the generated ``send`` group and the catalogue."""

from __future__ import annotations

import click

from omsctl import approvals, books, curated, lookup, parties, products, receivables
from omsctl.catalog import commands
from omsctl.context import DEFAULT_AMQP_URL, Ctl
from omsctl.dlq import dlq
from omsctl.mail import mail
from omsctl.outcome import Exit, Outcome
from omsctl.send import SendGroup


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--amqp-url",
    envvar="OMSCTL_AMQP_URL",
    default=DEFAULT_AMQP_URL,
    show_default=True,
    help="RabbitMQ to send commands to, logged in as a caller (backoffice, storefront or "
    "operator; dead letters need operator).",
)
@click.option(
    "--as",
    "person",
    envvar="OMSCTL_PERSON",
    help="The person acting (x-oms-user, and the command's person field when not given). "
    "Default: the command's person field, else your login name.",
)
@click.option("--json", "json_output", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--timeout",
    envvar="OMSCTL_TIMEOUT",
    default=10.0,
    show_default=True,
    help="Seconds to wait for an answer.",
)
@click.pass_context
def main(
    ctx: click.Context, amqp_url: str, person: str | None, json_output: bool, timeout: float
) -> None:
    """Operate OMS: send any command and get its answer, read orders, approvals, stock and
    e-mails, and look after dead letters.

    \b
    Exit codes: 0 done, 2 wrong command line, 3 refused by a service (the reason is printed),
    4 invalid input, 5 broker or service unreachable (or no answer in time), 6 not found,
    1 anything else.
    \b
    Services' HTTP queries are read on 127.0.0.1 at their registry ports (OMSCTL_HOST, or
    OMSCTL_<SERVICE>_URL such as OMSCTL_ORDER_URL=http://orders.internal:8081).
    """
    ctx.obj = Ctl(amqp_url=amqp_url, person=person, json_output=json_output, timeout=timeout)


main.add_command(
    SendGroup(
        "send",
        help="Send any command by its routing key, with one option per body field "
        "(omsctl send order.submit --help).",
    )
)


@main.group("commands")
def commands_group() -> None:
    """The commands OMS takes: routing keys, fields, who may send them."""


@commands_group.command("list")
@click.option("--service", help="Only this service's commands.")
@click.pass_obj
def list_commands(ctl: Ctl, service: str | None) -> None:
    """Every command, with what answers it and the person field it names."""
    rows = [
        {
            "routing_key": spec.routing_key,
            "answered_by": " | ".join(spec.answered_by),
            "person_field": spec.acting_person or "",
            "senders": ", ".join(spec.senders),
            "summary": spec.summary,
        }
        for spec in commands().values()
        if service in (None, spec.service)
    ]
    ctl.emit(Outcome(Exit.DONE, rows, rows=rows))


@commands_group.command("show")
@click.argument("routing_key")
@click.pass_obj
def show_command(ctl: Ctl, routing_key: str) -> None:
    """One command's fields (its options under ``omsctl send``)."""
    spec = commands().get(routing_key)
    if spec is None:
        ctl.emit(
            Outcome(
                Exit.NOT_FOUND,
                {"error": f"no command {routing_key}"},
                f"no command {routing_key}: see omsctl commands list",
            )
        )
    rows = [
        {
            "option": f.option,
            "type": f.type_text,
            "required": f.required,
            "description": f.description,
        }
        for f in spec.fields()
    ]
    data = {
        "routing_key": routing_key,
        "summary": spec.summary,
        "answered_by": spec.answered_by,
        "senders": spec.senders,
        "acting_person": spec.acting_person,
        "fields": rows,
    }
    ctl.emit(Outcome(Exit.DONE, data, f"{routing_key}: {spec.summary}", rows=rows))


for group in (
    *curated.GROUPS,
    *receivables.GROUPS,
    *books.GROUPS,
    *products.GROUPS,
    *parties.GROUPS,
    approvals.approvals,
    approvals.cycles,
    lookup.users,
    lookup.query,
    mail,
    dlq,
):
    main.add_command(group)
