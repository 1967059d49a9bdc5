"""``omsctl dlq list|show|replay|purge``: dead letters, for operators."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any, TypeVar

import click

from omsctl.context import CLIENT_NAME, Ctl, unreachable
from omsctl.outcome import Exit, Outcome, Unreachable
from omsctl.send import body as read_body
from shared import names
from shared.messaging.deadletters import DeadLetters, NoSuchQueue
from shared.registry import SERVICES

T = TypeVar("T")


def queues() -> list[str]:
    """Every queue the services consume (their dead letters go to ``<queue>.dlq``)."""
    from shared.asyncapi import load

    found = {route.queue for entry in SERVICES for route in load(entry.name).routes()}
    return sorted(found | {names.UNROUTED_COMMANDS})


def dead_letters(ctl: Ctl) -> DeadLetters:
    return DeadLetters(ctl.amqp_url, name=CLIENT_NAME, timeout=ctl.timeout)


def _run(ctl: Ctl, work: Coroutine[Any, Any, T]) -> T:
    if ctl.login != "operator":
        work.close()
        ctl.emit(
            Outcome(
                Exit.REFUSED,
                {"outcome": "refused", "reason": "not_allowed", "detail": "operators only"},
                f"refused: dead letters are for operators; log in as operator "
                f"(--amqp-url amqp://operator:...@host/oms), not {ctl.login}",
            )
        )
    try:
        return asyncio.run(work)
    except Unreachable as error:
        ctl.emit(unreachable(str(error)))
    except NoSuchQueue as error:
        ctl.emit(
            Outcome(
                Exit.NOT_FOUND,
                {"error": f"no dead-letter queue {error}.dlq"},
                f"no dead-letter queue {error}.dlq: see omsctl dlq list",
            )
        )


@click.group("dlq")
def dlq() -> None:
    """Dead letters (operators only): list per queue, show, replay, purge."""


@dlq.command("list")
@click.argument("queue", required=False)
@click.option("--all", "show_all", is_flag=True, help="Also queues without dead letters.")
@click.option("--limit", default=100, show_default=True)
@click.pass_obj
def list_dead_letters(ctl: Ctl, queue: str | None, show_all: bool, limit: int) -> None:
    """Without QUEUE: how many dead letters each queue holds. With QUEUE (e.g.
    approval.order-submitted): its dead letters, oldest first, with reason, original routing
    key, first and last failure and how often it failed."""
    if queue is None:
        found = _run(ctl, dead_letters(ctl).counts(queues()))
        rows = [row for row in found if show_all or row["dead_letters"]]
        text = "" if rows else "no dead letters"
        ctl.emit(Outcome(Exit.DONE, rows, text, rows=rows))
    letters = _run(ctl, dead_letters(ctl).peek(queue, limit))
    rows = [letter.summary() for letter in letters]
    columns = [
        "message_id",
        "routing_key",
        "reason",
        "failures",
        "first_failed_at",
        "last_failed_at",
        "detail",
    ]
    ctl.emit(Outcome(Exit.DONE, rows, f"{queue}.dlq: {len(rows)}", rows=rows), columns=columns)


@dlq.command("show")
@click.argument("queue")
@click.argument("message_id")
@click.option("--body-only", is_flag=True, help="Print only the body (to fix it and replay).")
@click.pass_obj
def show_dead_letter(ctl: Ctl, queue: str, message_id: str, body_only: bool) -> None:
    """One dead letter: its reason, history, headers and body."""
    letters = _run(ctl, dead_letters(ctl).peek(queue, 10_000))
    found = [letter for letter in letters if letter.message_id == message_id]
    if not found:
        ctl.emit(
            Outcome(
                Exit.NOT_FOUND,
                {"error": f"no dead letter {message_id} in {queue}.dlq"},
                f"no dead letter {message_id} in {queue}.dlq",
            )
        )
    letter = found[0]
    if body_only:
        click.echo(letter.body)
        raise SystemExit(0)
    data = {
        **letter.summary(),
        "history": letter.history,
        "headers": letter.headers,
        "body": letter.body,
        "type": letter.type,
        "correlation_id": letter.correlation_id,
    }
    text = (
        f"{letter.message_id}: {letter.routing_key} failed {letter.failures} time(s), "
        f"{letter.reason}: {letter.detail}\nbody: {letter.body}"
    )
    ctl.emit(Outcome(Exit.DONE, data, text, more=[("earlier failures", letter.history)]))


def _chosen(message_ids: tuple[str, ...], every: bool) -> set[str] | None:
    if bool(message_ids) == every:
        raise click.UsageError("name the dead letters' message ids, or give --all")
    return None if every else set(message_ids)


@dlq.command("replay")
@click.argument("queue")
@click.argument("message_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every dead letter of the queue.")
@click.option("--body", help="A fixed body (JSON, or @file.json) for the one message named.")
@click.pass_obj
def replay(
    ctl: Ctl, queue: str, message_ids: tuple[str, ...], every: bool, body: str | None
) -> None:
    """Publish dead letters again to their original routing key, with a new message id that
    links to the old one (x-oms-replay-of); each leaves the dead-letter queue once replayed."""
    chosen = _chosen(message_ids, every)
    if body is not None and (chosen is None or len(chosen) != 1):
        raise click.UsageError("--body replaces the body of one named message")
    fixed = None
    if body is not None:
        try:
            fixed = read_body(body)
        except (ValueError, OSError) as error:
            ctl.emit(
                Outcome(
                    Exit.INVALID,
                    {"outcome": "invalid", "detail": str(error)},
                    f"invalid --body: {error}",
                )
            )
    text_body = None if fixed is None else json.dumps(fixed)
    done = _run(ctl, dead_letters(ctl).replay(queue, chosen, text_body))
    if chosen is not None and len(done) < len(chosen):
        missing = chosen - {row["replay_of"] for row in done}
        ctl.emit(
            Outcome(
                Exit.NOT_FOUND,
                {"replayed": done, "not_found": sorted(missing)},
                f"not in {queue}.dlq: {', '.join(sorted(missing))}",
                rows=done,
            )
        )
    ctl.emit(Outcome(Exit.DONE, done, f"replayed {len(done)}", rows=done))


@dlq.command("purge")
@click.argument("queue")
@click.argument("message_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every dead letter of the queue.")
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.pass_obj
def purge(ctl: Ctl, queue: str, message_ids: tuple[str, ...], every: bool, yes: bool) -> None:
    """Remove dead letters for good."""
    chosen = _chosen(message_ids, every)
    if not yes:
        what = "every dead letter" if chosen is None else f"{len(chosen)} dead letter(s)"
        click.confirm(f"Remove {what} of {queue}.dlq for good?", abort=True)
    removed = _run(ctl, dead_letters(ctl).purge(queue, chosen))
    ctl.emit(
        Outcome(Exit.DONE, removed, f"removed {len(removed)}", rows=removed),
        columns=["message_id", "routing_key", "reason", "failures"],
    )
