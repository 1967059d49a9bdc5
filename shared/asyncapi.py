"""Each service's AsyncAPI 3 document, generated from its handler table, in ``docs/asyncapi/``.

    python -m shared.asyncapi            # write the documents
    python -m shared.asyncapi --check    # exit 1 if a committed document is stale

A document lists every command the service takes, each with its own routing key on
``oms.commands``, what answers it (its success events, or ``<service>.command_rejected`` with the
reason codes), the events it consumes (and from which queue), the events it publishes, and its
read-only HTTP queries (the ``queries`` server; under ``x-oms-queries`` each query's answer and
error, JSON Schemas in ``components/schemas`` beside the messages'); a service serves the same
document at ``/docs/asyncapi``.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema

from shared import names
from shared.contracts.base import Command, CommandRejected, Message
from shared.contracts.common import DECIMAL_PATTERN
from shared.domain import DomainError
from shared.http import ERROR, QueryHandler
from shared.http import Route as HttpRoute
from shared.messaging.callers import USER_HEADER
from shared.registry import SERVICES
from shared.service import Route, Service
from shared.storage.writes import ANSWER_WINDOW, APPLIED_WINDOW

DOCS = Path(__file__).resolve().parents[1] / "docs" / "asyncapi"
VERSION = "0.1.0"
AMQP = "0.3.0"
SCHEMAS = "#/components/schemas/{model}"

TRANSPORT_REASONS = {
    "unauthenticated": "The command does not say who sends it: set the AMQP `user_id` property "
    "to your RabbitMQ login, and from a gateway acting for people the `x-oms-user` header.",
    "not_allowed": "This caller may not send this command.",
    "not_the_acting_user": "The body names another person than the one the caller authenticated.",
    "invalid_message": "The body is not JSON or does not match the contract; the detail names "
    "each wrong field. The message is also kept in the queue's dead-letter queue.",
    "unknown_message_type": "No handler takes this routing key; check the command's name.",
    "already_applied": "The command was sent again with the `message_id` of one applied "
    f"before, and its first answer is no longer kept (it is for the last {ANSWER_WINDOW} "
    "commands applied to the same document). It was not applied again; read the document's "
    "state through its query.",
    "handler_failed": "The service failed on this command (a bug); it is kept in the "
    "dead-letter queue for operators.",
    "unknown_command": "No service's queue is bound to the routing key (a typo such as "
    "`ordr.submit`, or more than one word after the service's name): `oms.commands` passed it "
    "to its alternate exchange `oms.unrouted`. The detail names the routing key; the answer "
    "is `<service>.command_rejected` when the key's first word names a service, otherwise "
    "`oms.command_rejected`; the command is kept in `oms.unrouted-commands.dlq`.",
}

AT_LEAST_ONCE = (
    "**Delivery is at least once.** Every event and every answer carries the AMQP property "
    "`message_id` (the same as the body's `message_id`). The services publish each event once; "
    "a consumer may still receive one twice, after a service crashed between the broker's "
    "confirm and its own record of it, or when the broker redelivers what a consumer had not "
    "acknowledged: a repeat always has the same `message_id`. To drop repeats, record the "
    "`message_id`s you applied, in the same write as their effect, and ignore one you have "
    "seen (keep them at least a day). A command sent again with the same `message_id` is "
    "applied once: while it is among the last "
    f"{ANSWER_WINDOW} commands applied to the same document (order, quotation, stock record, "
    "...) it is answered again with its first answer (the same `message_id`, on `reply_to` "
    "only); after that, while its id is among the last "
    f"{APPLIED_WINDOW} messages applied to that document, it is refused as `already_applied`."
)

ANSWERS = (
    "Every command gets exactly one answer, published on `oms.events` and, when the command "
    "set the AMQP `reply_to` property, sent to that queue too: on success the first event it "
    "caused (named with each command), whose `causation_id` is the command's `message_id`; on "
    "refusal `{service}.command_rejected`, whose `command_message_id` is the command's "
    "`message_id` and whose `reason` is one of the codes listed with it. The AMQP `type` "
    "property of an answer names its contract (`CommandRejected` for a refusal), so answers "
    "are told apart without reading the body; `correlation_id` is the one the command carried. "
    "A command whose routing key matches no binding is not dropped: it is answered with reason "
    "`unknown_command`. Do not declare `oms.commands` yourself (or declare it exactly as the "
    "services do, with the argument `alternate-exchange: oms.unrouted`).\n\n" + AT_LEAST_ONCE
)


class ContractSchema(GenerateJsonSchema):
    """JSON schemas as callers must write the messages: decimals are strings."""

    def decimal_schema(self, schema: CoreSchema) -> JsonSchemaValue:
        limits = {
            word: schema[key]
            for key, word in (
                ("gt", "above"),
                ("ge", "at least"),
                ("lt", "below"),
                ("le", "at most"),
            )
            if key in schema
        }
        bounds = ", ".join(f"{word} {value}" for word, value in limits.items())
        places = schema.get("decimal_places")
        return {
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "examples": ["19.99"],
            "description": "A decimal number written as a string, never a JSON number"
            + (f"; {bounds}" if bounds else "")
            + (f"; at most {places} decimal places" if places is not None else "")
            + ".",
        }


def load(name: str) -> Service[Any, Any]:
    service: Service[Any, Any] = importlib.import_module(f"services.{name}.app").SERVICE
    return service


def document(service: Service[Any, Any]) -> dict[str, Any]:
    doc = _Document(service)
    for route in service.routes():
        doc.receive(route)
    for event in service.publishes:
        doc.send(event, inspect.cleandoc(event.__doc__ or "") or event.__name__)
    if service.commands:
        doc.send(CommandRejected, _rejections(service))
    return doc.render()


class _Document:
    def __init__(self, service: Service[Any, Any]) -> None:
        self.service = service
        self.channels: dict[str, Any] = {}
        self.operations: dict[str, Any] = {}
        self.messages: dict[str, Any] = {}
        self.schemas: dict[str, Any] = {}

    def receive(self, route: Route) -> None:
        contract = route.contract
        channel = self._channel(contract, route.exchange, route.contract.routing_key)
        operation: dict[str, Any] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": route.summary.splitlines()[0],
            "description": self._receive_text(route),
            "messages": [{"$ref": f"#/channels/{channel}/messages/{contract.__name__}"}],
            "bindings": {
                "amqp": {"ack": True, "bindingVersion": AMQP},
            },
        }
        if issubclass(contract, Command):
            operation["reply"] = self._reply(contract)
            operation["x-oms-senders"] = sorted(contract.senders)
        self.operations[f"{contract.routing_key}:receive"] = operation

    def send(self, event: type[Message], description: str) -> None:
        key = (
            names.command_rejected(self.service.name)
            if event is CommandRejected
            else event.routing_key
        )
        channel = self._channel(event, names.EVENTS, key)
        self.operations[f"{key}:send"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": description.splitlines()[0],
            "description": description,
            "messages": [{"$ref": f"#/channels/{channel}/messages/{event.__name__}"}],
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP}},
        }

    def _receive_text(self, route: Route) -> str:
        contract = route.contract
        lines = [
            inspect.cleandoc(contract.__doc__ or contract.__name__),
            "",
            f"Publish to exchange `{route.exchange}` with routing key `{contract.routing_key}`"
            if route.is_command
            else f"Consumed from queue `{route.queue}` (bound to `{route.exchange}` with "
            f"`{route.binding_key}`)",
        ]
        if issubclass(contract, Command):
            lines[-1] += (
                f"; it is consumed from queue `{route.queue}`. Set the AMQP properties "
                "`message_id` (the body's `message_id`), `correlation_id`, `content_type` "
                "`application/json`, persistent delivery, and `reply_to` to get the answer on "
                "your own queue."
            )
            answered = ", ".join(f"`{key}`" for key in contract.answered_by)
            lines += ["", f"Answered on success by: {answered or 'its first event'}."]
            lines += ["", self._who(contract)]
            lines += ["", ANSWERS.format(service=self.service.name)]
        if contract.routed_by and not route.is_command:
            key = contract.routing_key.replace("*", f"<{contract.routed_by}>")
            lines += [
                "",
                f"Publish it to exchange `{route.exchange}` with routing key `{key}` (your own "
                f"`{contract.routed_by}`), logged in as your own RabbitMQ user; set the AMQP "
                "properties `message_id` (the body's), `content_type` `application/json`, "
                "persistent delivery and `user_id` (your login).",
            ]
        if contract.ordering_key:
            lines += [
                "",
                f"Messages with the same `{contract.ordering_key}` are handled in the order "
                "they arrive.",
            ]
        lines += [
            "",
            "A body that is not JSON or does not match the schema is moved to "
            f"`{names.dead_letter_queue(route.queue)}` with the reason in the headers "
            "`x-oms-reason` and `x-oms-detail`.",
        ]
        return "\n".join(lines)

    @staticmethod
    def _who(command: type[Command]) -> str:
        senders = ", ".join(f"`{name}`" for name in sorted(command.senders))
        person = (
            f" The body's `{command.acting_person}` must name the person acting: the one in "
            f"`{USER_HEADER}`, or the caller itself."
            if command.acting_person
            else ""
        )
        return (
            f"Who may send it: log in to RabbitMQ as {senders} and set the AMQP `user_id` "
            "property to that login (the broker checks it). A caller that acts for people "
            f"(`backoffice`, `operator`) names the person in the `{USER_HEADER}` header; any "
            f"other caller acts as itself.{person} Refusals: `unauthenticated`, `not_allowed`, "
            "`not_the_acting_user`."
        )

    def _reply(self, command: type[Command]) -> dict[str, Any]:
        rejected = names.command_rejected(self.service.name)
        messages = [f"#/components/messages/{CommandRejected.__name__}"]
        published = {event.routing_key: event for event in self.service.publishes}
        for key in command.answered_by:
            messages.insert(-1, f"#/components/messages/{published[key].__name__}")
        return {
            "address": {
                "location": "$message.header#/replyTo",
                "description": "The queue named in the command's AMQP `reply_to` property "
                f"(the answer is also published on `oms.events`: {', '.join(command.answered_by)}"
                f" or {rejected}).",
            },
            "messages": [{"$ref": ref} for ref in messages],
        }

    def _channel(self, contract: type[Message], exchange: str, key: str) -> str:
        self._message(contract)
        routed_by = contract.routed_by if "*" in key else None
        channel = self.channels.setdefault(
            key,
            {
                "address": key.replace("*", f"{{{routed_by}}}") if routed_by else key,
                "description": f"Routing key `{key}` on the topic exchange `{exchange}`.",
                "messages": {},
                "servers": [{"$ref": "#/servers/oms"}],
                "bindings": {
                    "amqp": {
                        "is": "routingKey",
                        "exchange": {
                            "name": exchange,
                            "type": "topic",
                            "durable": True,
                            "autoDelete": False,
                            "vhost": "oms",
                        },
                        "bindingVersion": AMQP,
                    }
                },
            },
        )
        if routed_by:
            channel["description"] += (
                f" `{{{routed_by}}}` is the body's `{routed_by}`: each sender publishes on its "
                "own keys only (its RabbitMQ user may publish nothing else), and a message on "
                "another's key is dead-lettered (`wrong_routing_key`)."
            )
            channel["parameters"] = {routed_by: {"description": f"the body's `{routed_by}`"}}
        channel["messages"][contract.__name__] = {
            "$ref": f"#/components/messages/{contract.__name__}"
        }
        return key

    def _message(self, contract: type[Message]) -> None:
        if contract.__name__ in self.messages:
            return
        schema = contract.model_json_schema(ref_template=SCHEMAS, schema_generator=ContractSchema)
        self.schemas.update(schema.pop("$defs", {}))
        self.schemas[contract.__name__] = schema
        message: dict[str, Any] = {
            "name": contract.__name__,
            "title": contract.__name__,
            "contentType": "application/json",
            "payload": {"$ref": SCHEMAS.format(model=contract.__name__)},
            "bindings": {"amqp": {"messageType": contract.type_name(), "bindingVersion": AMQP}},
        }
        if examples := schema.get("examples"):
            # A contract's examples (json_schema_extra) are shown as the message's too.
            message["examples"] = [
                {"name": f"{contract.__name__}{n}", "payload": example}
                for n, example in enumerate(examples, 1)
            ]
        if issubclass(contract, Command):
            message["headers"] = {
                "type": "object",
                "properties": {
                    USER_HEADER: {
                        "type": "string",
                        "description": "The person a gateway acting for people (backoffice, "
                        "operator) authenticated and sends the command for.",
                    }
                },
            }
            if contract.acting_person:
                message["x-oms-acting-person"] = contract.acting_person
        self.messages[contract.__name__] = message

    def render(self) -> dict[str, Any]:
        service = self.service
        return {
            "asyncapi": "3.0.0",
            "info": {
                "title": f"OMS {service.name} service",
                "version": VERSION,
                "description": f"{service.description}\n\n{ANSWERS.format(service=service.name)}",
            },
            "defaultContentType": "application/json",
            "servers": {
                "oms": {
                    "host": "localhost:5672",
                    "pathname": "/oms",
                    "protocol": "amqp",
                    "protocolVersion": "0.9.1",
                    "description": "RabbitMQ, virtual host `oms`, as `make up` (Docker Compose) "
                    "and the Kubernetes manifests deploy it; each caller logs in with its own "
                    "user (deploy/README.md).",
                    "security": [{"$ref": "#/components/securitySchemes/rabbitmqUser"}],
                },
                "queries": query_server(service, self.schemas),
            },
            "channels": dict(sorted(self.channels.items())),
            "operations": dict(sorted(self.operations.items())),
            "components": {
                "securitySchemes": SECURITY_SCHEMES,
                "messages": dict(sorted(self.messages.items())),
                "schemas": dict(sorted(self.schemas.items())),
            },
        }


SECURITY_SCHEMES = {
    "rabbitmqUser": {
        "type": "userPassword",
        "description": "Each caller logs in to RabbitMQ as its own user (backoffice, operator, "
        "storefront-<id>, one per service); the AMQP `user_id` of a command must be that login.",
    },
    "queryCredential": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Every HTTP query needs `Authorization: Bearer <JWT>`: a JWT the caller "
        "signs with its own private key (EdDSA/Ed25519 or ES256), header `kid` "
        "`<caller>:<label>` (a key the service trusts, OMS_QUERY_KEYS), claims `iss` and `sub` "
        "the caller, `aud` the service's name, `iat` and `exp` at most 300 s apart, and from "
        "a gateway acting for people `oms_person`. Who issues them: the back office for the "
        "people it signed in (OMS_QUERY_SIGNING_KEY), operators with omsctl (OMSCTL_QUERY_KEY), "
        "a storefront with its own key (kid `storefront-<id>:<label>`). In development "
        "(`make run`, no OMS_QUERY_KEYS) every service trusts each caller's development key, "
        "kid `<caller>:dev`, an Ed25519 key derived from the caller's name "
        "(`shared.access.keys.development_private_jwk('<caller>')`; the README shows a curl "
        "example); production refuses development keys. Refusals are JSON "
        '`{"error", "reason", "detail", "path"}`. Without a valid credential: 401 with '
        "`WWW-Authenticate: Bearer` (`reason` says why: missing_credential, "
        "not_a_bearer_credential, credential_too_long (over 4096 bytes), malformed_credential, "
        "unknown_key, wrong_algorithm, bad_signature, expired_credential, wrong_audience, "
        "lifetime_too_long, invalid_credential); a caller that may not read this: 403 "
        "`forbidden`, `detail` naming what is missing. `/health/*` and "
        "`/docs/asyncapi` need none; `/metrics` is on OMS_METRICS_PORT when set (where "
        "Prometheus scrapes).",
    },
}


def query_server(service: Service[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """The service's HTTP port: its read-only queries, each behind a query credential, and
    the models of their answers (added to ``schemas``)."""
    routes = service.queries(None)  # type: ignore[arg-type]
    paths = [path for path, _ in routes]
    storefront = sorted(service.query_access.own_data)
    readers = (
        f" A storefront reads {', '.join(f'`{p}`' for p in storefront)}, for its own data only."
        if storefront
        else " Storefronts and services read none of them."
    )
    redacted = "".join(
        f" In `{path}`, {', '.join(f'`{f}`' for f in rule.fields)} only for "
        f"{', '.join(sorted(rule.shown_to))}"
        + "".join(f" (and the e-mail addresses in `{f}`)" for f in rule.masked)
        + "."
        for path, rule in service.query_access.redacted.items()
    )
    return {
        "host": f"localhost:{service.entry.port}",
        "protocol": "http",
        "description": f"The {service.name} service's read-only queries: "
        f"{', '.join(f'`GET {p}`' for p in paths)}. The back office and operators read every "
        f"one.{readers}{redacted} Send a query credential (README: Reading the queries).",
        "security": [{"$ref": "#/components/securitySchemes/queryCredential"}],
        **({"x-oms-queries": answered} if (answered := query_answers(routes, schemas)) else {}),
    }


def query_answers(routes: Sequence[HttpRoute], schemas: dict[str, Any]) -> dict[str, Any]:
    """Each query that names its answer model: what it is for, its answer's JSON Schema (200)
    and its error's (400, 404); the models go to ``schemas``, beside the messages'."""
    answered = [(path, app) for path, app in routes if isinstance(app, QueryHandler)]
    if not answered:
        return {}
    # Validation mode, as for the messages: an answer reads back through its model, and the
    # schemas of the models both share (a stock line, a person) stay one and the same.
    mode: JsonSchemaMode = "validation"
    keys = [(path, mode, TypeAdapter(app.answer)) for path, app in answered]
    keys.append(("error", mode, ERROR))
    found, definitions = TypeAdapter.json_schemas(
        keys, ref_template=SCHEMAS, schema_generator=ContractSchema
    )
    for name, schema in definitions.get("$defs", {}).items():
        if schemas.setdefault(name, schema) != schema:  # only ever add to the document
            msg = f"the answer schema {name} differs from a message schema of that name"
            raise ValueError(msg)
    error = found["error", mode]
    return {
        path: {
            "description": inspect.cleandoc(app.description or path),
            "answer": found[path, mode],
            "error": error,
        }
        for path, app in answered
    }


def _rejections(service: Service[Any, Any]) -> str:
    reasons = {**reason_codes(service), **TRANSPORT_REASONS}
    listed = "\n".join(f"- `{code}`: {text}" for code, text in sorted(reasons.items()))
    return (
        f"The answer to a command the {service.name} service did not carry out; `reason` is "
        f"one of:\n{listed}"
    )


def reason_codes(service: Service[Any, Any]) -> dict[str, str]:
    """The business-rule refusals (``DomainError`` subclasses) defined in the service's code:
    its package (``services.<name>``), where its ``app`` module defines the service."""
    package = service.setup.__module__.removesuffix(".app")
    found: dict[str, set[str]] = {}
    pending = list(DomainError.__subclasses__())
    while pending:
        error = pending.pop()
        pending.extend(error.__subclasses__())
        if error.__module__ == package or error.__module__.startswith(f"{package}."):
            text = inspect.cleandoc(error.__doc__ or "").replace("\n", " ")
            found.setdefault(error.reason, set()).add(text or error.__name__)
    # A code two parts of a service refuse with (each its own class) says both, in an order
    # that does not depend on which module was imported first.
    return {code: " ".join(sorted(texts)) for code, texts in found.items()}


def render(name: str) -> str:
    return json.dumps(document(load(name)), indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a document is stale")
    args = parser.parse_args(argv)
    stale = []
    DOCS.mkdir(parents=True, exist_ok=True)
    for entry in SERVICES:
        path = DOCS / f"{entry.name}.json"
        fresh = render(entry.name)
        if args.check:
            if not path.exists() or path.read_text() != fresh:
                stale.append(path.name)
        else:
            path.write_text(fresh)
    if stale:
        print(f"stale AsyncAPI documents: {stale}; run `make docs`", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
