"""A financial fact in the ledger's own terms: a document's amounts, each by its role.

Translators (:mod:`services.billing.ledger.domain.translators`) make one from an event; the
posting rules (:mod:`services.billing.ledger.domain.posting`) put it on accounts. A fact's
amounts are to the currency's minor unit, except the weights of a :class:`Split`, whose total
is shared out over the accounts its shares go to once they are known (so that revenue mapped
to two accounts is rounded per account, and the entry still balances to the cent).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.contracts.ledger import AccountRole, DocumentKind

ZERO = Decimal(0)


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Share(_Value):
    """An amount of one role on one side; ``tax_codes`` and ``sku`` choose among the accounts
    of a role mapped by tax code or item group."""

    role: AccountRole
    side: Side
    amount: Decimal
    tax_codes: tuple[str, ...] = ()
    sku: str | None = None


class Split(_Value):
    """``total`` (to the minor unit), shared out by weight over its shares' accounts."""

    total: Decimal
    shares: tuple[Share, ...]


class Fact(_Value):
    """One document's amounts by role, and what names it."""

    kind: DocumentKind
    document_id: str
    date: datetime
    currency: str
    amounts: tuple[Share | Split, ...]
    order_id: str | None = None
    party_id: str | None = None
    reference: str | None = None
    description: str = ""
    reverses: str | None = None
    """The entry this document reverses, line by line (a void); its own amounts are none."""

    @property
    def entry_id(self) -> str:
        return entry_id(self.kind, self.document_id)

    @property
    def is_empty(self) -> bool:
        """Nothing to post: every amount is zero."""
        return self.reverses is None and all(
            (item.total if isinstance(item, Split) else item.amount) == ZERO
            for item in self.amounts
        )


def entry_id(kind: DocumentKind, document_id: str) -> str:
    return f"{kind}:{document_id}"


def apportion(total: Decimal, weights: list[Decimal], unit: Decimal) -> list[Decimal]:
    """``total`` (a whole number of ``unit``) shared out in proportion to ``weights``, each
    part a whole number of ``unit``, adding up to ``total`` exactly: every part rounded down,
    the units left over going one each to the largest remainders, the earlier first (the
    pricing module's rule for a document discount). Weights adding up to zero put it all on the
    first part."""
    if not weights:
        return []
    whole = sum(weights, ZERO)
    if whole == ZERO:
        return [total, *[ZERO] * (len(weights) - 1)]
    exact = [total * weight / whole for weight in weights]
    floors = [(part / unit).to_integral_value(rounding=ROUND_FLOOR) * unit for part in exact]
    left = int((total - sum(floors, ZERO)) / unit)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left]:
        floors[i] += unit
    return floors
