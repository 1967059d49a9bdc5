"""What the ledger's queries answer: the chart of accounts, journal entries, the trial
balance, the journal as CSV rows, and gross margin per order. Fields are only ever added."""

from __future__ import annotations

from datetime import date, datetime

from shared.contracts.common import DecimalText
from shared.contracts.ledger import AccountRole, DocumentKind, JournalLine
from shared.http import Answer


class ChartAnswer(Answer):
    """The chart-of-accounts mapping the ledger posts with now."""

    revision: int
    accounts: dict[AccountRole, str] = {}
    tax_payable: dict[str, str] = {}
    revenue_by_tax_code: dict[str, str] = {}
    revenue_by_item_group: dict[str, str] = {}
    item_groups: dict[str, str] = {}
    defined_by: str | None = None


class JournalEntryAnswer(Answer):
    """One document in the journal: posted (its lines, balanced) or held (what it misses)."""

    entry_id: str
    document_kind: DocumentKind
    document_id: str
    order_id: str | None = None
    party_id: str | None = None
    reference: str | None = None
    document_date: datetime
    currency: str
    status: str = "held"
    missing: list[str] = []
    lines: list[JournalLine] = []
    total: DecimalText
    reverses: str | None = None
    description: str = ""
    chart_revision: int = 0
    posted_at: datetime | None = None


class AccountBalance(Answer):
    """One account's movements in the period: debit, credit, balance = debit - credit."""

    account: str
    debit: DecimalText
    credit: DecimalText
    balance: DecimalText


class CurrencyBalance(Answer):
    """The trial balance of the entries in one currency: its ``balance`` is always 0."""

    currency: str
    accounts: list[AccountBalance]
    debit: DecimalText
    credit: DecimalText
    balance: DecimalText


class TrialBalanceAnswer(Answer):
    """Every account's debits, credits and balance over the entries dated in the period, per
    currency; each currency's balances add up to zero."""

    from_date: date | None = None
    to_date: date | None = None
    entries: int
    currencies: list[CurrencyBalance]


class JournalRow(Answer):
    """One row of ``/journal.csv``: one line of a posted entry (columns in this order)."""

    date: date
    entry_id: str
    document_kind: DocumentKind
    document_id: str
    order_id: str | None = None
    party_id: str | None = None
    reference: str | None = None
    currency: str
    line: int
    account: str
    role: AccountRole
    tax_code: str | None = None
    debit: DecimalText
    credit: DecimalText
    description: str = ""


class MarginAnswer(Answer):
    """Gross margin of one order, in each currency it was posted in: revenue of its posted
    invoices (less voids), cost of goods issued for it (less returns)."""

    order_id: str
    currency: str
    revenue: DecimalText
    cost_of_goods_sold: DecimalText
    margin: DecimalText
