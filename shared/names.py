"""The naming rules of the system's exchanges and queues.

Commands travel on ``oms.commands`` as ``<service>.<verb>``; events on ``oms.events`` as
``<service>.<past_tense>``; each contract names its own routing key. A service takes its
commands from the queue ``<service>.commands`` and each event it consumes from a queue of its
own, ``<service>.<event>`` (``approval.pending`` consumed by order: ``order.approval-pending``).
A queue's dead letters go to ``oms.dlx`` with the queue's name as routing key and land in
``<queue>.dlq``. A command whose routing key no queue is bound to (``ordr.submit``) goes to
``oms.commands``' alternate exchange ``oms.unrouted`` and its one queue
``oms.unrouted-commands``, which every service consumes; it is answered ``unknown_command`` and
kept in ``oms.unrouted-commands.dlq``.
"""

from typing import Final

COMMANDS: Final = "oms.commands"
EVENTS: Final = "oms.events"
DEAD_LETTERS: Final = "oms.dlx"
UNROUTED: Final = "oms.unrouted"
UNROUTED_COMMANDS: Final = "oms.unrouted-commands"
SYSTEM: Final = "oms"
"""Who answers a command addressed to no service: ``oms.command_rejected``."""


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def command_rejected(service: str) -> str:
    return f"{service}.command_rejected"


def commands_queue(service: str) -> str:
    return f"{service}.commands"


def event_queue(service: str, routing_key: str) -> str:
    """``order`` consuming ``approval.pending``: ``order.approval-pending`` (a routing key with
    a wildcard word, ``cart.*.created``, leaves it out: ``order.cart-created``)."""
    key = routing_key.replace(".*", "")
    return f"{service}.{key.replace('.', '-').replace('_', '-')}"


def topic_matches(pattern: str, routing_key: str) -> bool:
    """Whether ``routing_key`` matches ``pattern`` where ``*`` stands for exactly one word (as
    a topic binding; ``#`` is not used by contracts)."""
    words, keys = pattern.split("."), routing_key.split(".")
    return len(words) == len(keys) and all(w in ("*", k) for w, k in zip(words, keys, strict=True))
