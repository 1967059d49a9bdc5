"""Posting rules: a fact's amounts put on the chart's accounts as one balanced journal entry,
or the document held, whole, naming every rule it misses.

Each amount goes to the account the chart maps its role to; amounts of one account, role and
tax code are added up into one line, debit or credit by the sign of their sum. A split's total
is shared out over the accounts its shares go to, in whole minor units. A reversal posts the
lines of the entry it reverses with debit and credit swapped, on the same accounts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from services.billing.ledger.domain.chart import Chart
from services.billing.ledger.domain.facts import ZERO, Fact, Share, Side, Split, apportion
from shared.contracts.ledger import (
    AccountRole,
    DocumentKind,
    JournalEntryPosted,
    JournalLine,
    PostingHeld,
)
from shared.domain import Aggregate
from shared.pricing import minor_unit, round_to

LineKey = tuple[str, AccountRole, str | None]


class Unbalanced(Exception):
    """A translator made a fact whose debits and credits differ: a bug, never held."""


class PostingStatus(StrEnum):
    POSTED = "posted"
    HELD = "held"


def journal_lines(fact: Fact, chart: Chart) -> tuple[list[JournalLine], list[str]]:
    """The entry's lines, or the rules the chart misses (then no line)."""
    unit = minor_unit(fact.currency)
    sums: dict[LineKey, Decimal] = {}
    missing: list[str] = []

    def add(share: Share, amount: Decimal) -> LineKey | None:
        rule = chart.account(share)
        if rule.account is None:
            missing.append(rule.name)
            return None
        key = (rule.account, share.role, rule.tax_code)
        signed = amount if share.side is Side.DEBIT else -amount
        sums[key] = sums.get(key, ZERO) + signed
        return key

    for item in fact.amounts:
        if isinstance(item, Share):
            add(item, round_to(item.amount, unit))
            continue
        weights: dict[LineKey, Decimal] = {}
        sides: dict[LineKey, Side] = {}
        for share in item.shares:
            if (key := add(share, ZERO)) is not None:
                weights[key] = weights.get(key, ZERO) + share.amount
                sides[key] = share.side
        parts = apportion(round_to(item.total, unit), list(weights.values()), unit)
        for key, part in zip(weights, parts, strict=True):
            sums[key] += part if sides[key] is Side.DEBIT else -part
    if missing:
        return [], sorted(set(missing))
    lines = numbered(
        [(key, amount) for key, amount in sums.items() if amount != ZERO], reverse=False
    )
    if sum((line.debit - line.credit for line in lines), ZERO) != ZERO:
        msg = f"{fact.entry_id}: debits and credits differ"
        raise Unbalanced(msg)
    return lines, []


def numbered(amounts: list[tuple[LineKey, Decimal]], *, reverse: bool) -> list[JournalLine]:
    """Lines from signed amounts (positive: debit), debits first, numbered from 1."""
    sign = -1 if reverse else 1
    ordered = sorted(amounts, key=lambda item: sign * item[1] < 0)
    return [
        JournalLine(
            line=n,
            account=account,
            role=role,
            tax_code=tax_code,
            debit=max(sign * amount, ZERO),
            credit=max(-sign * amount, ZERO),
        )
        for n, ((account, role, tax_code), amount) in enumerate(ordered, 1)
    ]


def reversed_lines(lines: list[JournalLine]) -> list[JournalLine]:
    """An entry's lines with debit and credit swapped."""
    return numbered(
        [((line.account, line.role, line.tax_code), line.debit - line.credit) for line in lines],
        reverse=True,
    )


class LedgerDocument(Aggregate):
    """One document as the ledger has it: posted once, as one entry, or held until it can be."""

    kind: DocumentKind
    document_id: str
    document_date: datetime
    currency: str
    order_id: str | None = None
    party_id: str | None = None
    reference: str | None = None
    description: str = ""
    reverses: str | None = None
    amounts: list[Share | Split] = []
    status: PostingStatus = PostingStatus.HELD
    missing: list[str] = []
    lines: list[JournalLine] = []
    total: Decimal = ZERO
    chart_revision: int = 0
    received_at: datetime
    posted_at: datetime | None = None

    @classmethod
    def of(cls, fact: Fact, at: datetime) -> LedgerDocument:
        """A document not posted yet (``post`` decides)."""
        return cls(
            id=fact.entry_id,
            received_at=at,
            **fact.model_dump(exclude={"date", "amounts"}),
            document_date=fact.date,
            amounts=list(fact.amounts),
        )

    @property
    def fact(self) -> Fact:
        return Fact(
            **self.model_dump(
                include={
                    "kind", "document_id", "currency", "order_id", "party_id", "reference",
                    "description", "reverses",
                }
            ),
            date=self.document_date,
            amounts=tuple(self.amounts),
        )  # fmt: skip

    def post(self, chart: Chart, reversed_entry: LedgerDocument | None, at: datetime) -> None:
        """Post the document with ``chart`` (a reversal: the entry it reverses), or hold it,
        naming what is missing (told again only when that changes)."""
        if self.status is PostingStatus.POSTED:
            return
        if self.reverses is not None:
            posted = reversed_entry is not None and reversed_entry.status is PostingStatus.POSTED
            if reversed_entry is None or not posted:
                self._hold([f"entry:{self.reverses}"], chart.revision)
                return
            lines, missing = reversed_lines(reversed_entry.lines), list[str]()
            revision = reversed_entry.chart_revision
        else:
            lines, missing = journal_lines(self.fact, chart)
            revision = chart.revision
        if missing:
            self._hold(missing, revision)
            return
        self.status, self.missing, self.lines = PostingStatus.POSTED, [], lines
        self.total = sum((line.debit for line in lines), ZERO)
        self.chart_revision, self.posted_at = revision, at
        self.record(
            JournalEntryPosted(
                **self._facts(),
                lines=lines,
                total=self.total,
                reverses_entry_id=self.reverses,
                description=self.description,
            )
        )

    def _hold(self, missing: list[str], revision: int) -> None:
        told = self.missing == missing and self.version > 0
        self.status, self.missing, self.chart_revision = PostingStatus.HELD, missing, revision
        if told:
            return
        rules = ", ".join(missing)
        self.record(
            PostingHeld(
                **self._facts(),
                missing=missing,
                detail=f"{self.id} is not posted: the chart of accounts lacks {rules}. "
                "Define the chart again with them (billing.define_chart_of_accounts); it is "
                "posted then."
                if not self.reverses
                else f"{self.id} is not posted: it reverses {self.reverses}, which is not "
                "posted yet; it is posted right after it.",
            )
        )

    def _facts(self) -> dict[str, object]:
        return {
            "entry_id": self.id,
            "document_kind": self.kind,
            "document_id": self.document_id,
            "order_id": self.order_id,
            "party_id": self.party_id,
            "reference": self.reference,
            "document_date": self.document_date,
            "currency": self.currency,
            "chart_revision": self.chart_revision,
        }
