"""structlog set-up: JSON when not on a terminal, readable on one; every line names its service.

Consumers bind ``message_id``, ``correlation_id`` and business ids with
``structlog.contextvars``; each delivery runs in its own task, so bindings never leak between
messages.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO, cast

import structlog

from shared.settings import LogFormat
from shared.tracing import add_trace_ids


def configure_logging(
    service: str, *, fmt: LogFormat = LogFormat.AUTO, level: str = "INFO"
) -> None:
    use_json = fmt is LogFormat.JSON or (fmt is LogFormat.AUTO and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    shared_processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        hide_addresses,
    ]
    structlog.configure(
        processors=[*shared_processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _Stderr())),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries that log through the standard library (FastStream, uvicorn, aio-pika) go
    # through the same renderer so that one process writes one format.
    handler = logging.StreamHandler(_Stderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
            foreign_pre_chain=[
                *shared_processors,
                structlog.stdlib.add_logger_name,
                _bind_service(service),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for noisy in ("aio_pika", "aiormq", "pymongo"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # It logs each failed connection attempt as an error with a stack trace; the runtime says
    # what it waits for ("waiting_for_dependency") and aio-pika says when it reconnects.
    logging.getLogger("aiormq.connection").setLevel(logging.CRITICAL)


ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""An e-mail address, wherever it appears in a log line (an SMTP error, an invalid field)."""


def hide_addresses(
    _logger: object, _name: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Logs carry ids, not e-mail addresses: any address in a field is replaced."""
    for key, value in event.items():
        event[key] = _hidden(value)
    return event


def _hidden(value: Any) -> Any:
    if isinstance(value, str):
        return ADDRESS.sub("<e-mail address>", value) if "@" in value else value
    if isinstance(value, dict):
        return {key: _hidden(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_hidden(item) for item in value]
    return value


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (it may be replaced after set-up)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _bind_service(service: str) -> structlog.typing.Processor:
    def processor(
        _logger: object, _name: str, event: structlog.typing.EventDict
    ) -> structlog.typing.EventDict:
        event.setdefault("service", service)
        return event

    return processor


_AWAY: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)


def dependency_away(error: BaseException) -> bool:
    """Whether ``error`` says the broker or the database is away (expected, and retried): such a
    failure is logged as a line with the error, not a stack trace."""
    from aio_pika.exceptions import AMQPError
    from pymongo.errors import PyMongoError

    return isinstance(error, (*_AWAY, AMQPError, PyMongoError)) or (
        error.__cause__ is not None and dependency_away(error.__cause__)
    )


def log_failure(log: Any, event: str, error: BaseException, **fields: Any) -> None:
    """A warning for work that will be retried: the error alone when a dependency is away,
    the stack trace when it is something else (a bug)."""
    if dependency_away(error):
        log.warning(event, error=repr(error), **fields)
    else:
        log.warning(event, exc_info=error, **fields)
