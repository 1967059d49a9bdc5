"""The example service's registry: a service written as the README's "Adding a service" says.

``EXAMPLES`` plays the part of ``SERVICES`` in ``shared/registry.py`` (the example is not
deployed, so it is not listed there); everything else the example needs is its own package,
``tests/example/parcels/``, laid out as ``services/<name>/`` is.
"""

from __future__ import annotations

from shared.registry import ServiceEntry

EXAMPLES: tuple[ServiceEntry, ...] = (
    ServiceEntry("parcels", 8099, "parcels to ship for orders", package="tests.example"),
)


def example(name: str) -> ServiceEntry:
    return next(entry for entry in EXAMPLES if entry.name == name)
