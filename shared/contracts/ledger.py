"""Journal postings for accounting: the chart-of-accounts mapping, and one balanced journal entry
per financial fact, for an accounting system to take over.

The billing service's ledger learns every financial fact from events (an invoice issued, a
payment, goods received or issued at cost, ...), names each amount by its role (receivable,
revenue, tax payable, inventory, ...) and posts it to the account the chart of accounts maps
that role to. A document whose posting needs a rule the chart lacks is held and named
(``billing.posting_held``), never posted half; defining the chart again posts it.

Every amount is a decimal string in the document's currency, to the currency's minor unit
(0.01 EUR, 1 JPY, 0.001 KWD).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts.base import Command, Event
from shared.contracts.common import CurrencyCode, DecimalText, Identifier

AccountCode = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9.:/-]*$"
    ),
]
"""An account of the accounting system's chart, as it names it: ``1200``, ``4000.10``."""


class AccountRole(StrEnum):
    """What an amount of a financial fact is, whatever account it is posted to."""

    RECEIVABLE = "receivable"
    """What customers owe (an invoice's total, less payments)."""
    REVENUE = "revenue"
    """Sales, net of tax: the default revenue account (see revenue_by_item_group and
    revenue_by_tax_code)."""
    TAX_PAYABLE = "tax_payable"
    """Tax collected, owed to the tax authority: one account per tax code (tax_payable)."""
    CASH = "cash"
    """Cash or bank: payments received and paid."""
    INVENTORY = "inventory"
    """Stock at cost."""
    QUARANTINE = "quarantine"
    """Returned goods held in quarantine, at cost (unmapped: the inventory account)."""
    COST_OF_GOODS_SOLD = "cost_of_goods_sold"
    """The cost of goods issued to customers."""
    GOODS_RECEIVED_NOT_INVOICED = "goods_received_not_invoiced"
    """Goods received at cost whose supplier bill is not recorded yet (GRNI)."""
    PAYABLE = "payable"
    """What is owed to suppliers."""
    PRICE_VARIANCE = "price_variance"
    """A supplier bill's difference from the order's price (what its receipt was valued at):
    a debit when billed above it, a credit when below."""
    STOCK_ADJUSTMENT = "stock_adjustment"
    """Count differences, damage, found goods: the other side of an adjustment at cost."""
    SALES_RETURNS = "sales_returns"
    """Revenue given back on credit notes."""
    WORK_IN_PROGRESS = "work_in_progress"
    """Components issued to work orders, at cost."""
    BAD_DEBT = "bad_debt"
    """Receivables written off as uncollectible."""
    INPUT_TAX = "input_tax"
    """Tax charged by vendors on supplier bills, to be reclaimed (one account)."""
    OPENING_BALANCE = "opening_balance"
    """Opening balance equity: the other side of stock counted at cost when stock-keeping
    starts at a location."""


class DocumentKind(StrEnum):
    """The kind of document a journal entry posts; with its id, it names the entry."""

    SUBSCRIPTION_INVOICE = "subscription_invoice"
    """``billing.invoice_issued``: Dr receivable (total); Cr revenue (net) and tax payable
    (per tax code)."""
    INVOICE_PAYMENT = "invoice_payment"
    """``billing.payment_recorded``: Dr cash; Cr receivable. Id: ``<invoice_id>/<payment_id>``."""
    INVOICE_VOID = "invoice_void"
    """``billing.invoice_voided``: the invoice's entry reversed, line by line."""
    INVOICE_WRITE_OFF = "invoice_write_off"
    """``billing.invoice_uncollectible``: Dr bad debt; Cr receivable (the balance)."""
    GOODS_RECEIPT = "goods_receipt"
    """``inventory.goods_received``: Dr inventory; Cr goods received not invoiced (at cost)."""
    GOODS_ISSUE = "goods_issue"
    """``inventory.goods_issued``: Dr cost of goods sold; Cr inventory (at cost)."""
    STOCK_ADJUSTMENT = "stock_adjustment"
    """``inventory.stock_adjusted``: inventory against stock adjustment (at cost), the side
    by the sign of the quantity."""
    COMPONENTS_ISSUE = "components_issue"
    """``inventory.components_issued``: Dr work in progress; Cr inventory (at cost). Id:
    ``<work_order_id>#<attempt>``."""
    RETURN_RECEIPT = "return_receipt"
    """``inventory.return_received``: Dr inventory (or quarantine); Cr cost of goods sold
    (at the cost the goods came back at)."""
    OPENING_STOCK = "opening_stock"
    """``inventory.opening_balance_set`` with a unit cost: Dr inventory; Cr opening balance
    (quantity x unit cost). Id: ``<sku>@<location_id>``."""
    CUSTOMER_INVOICE = "customer_invoice"
    """``billing.customer_invoice_issued``: Dr receivable (total); Cr revenue (each line's
    net, after discounts, by item group or tax code) and tax payable (per tax code)."""
    CUSTOMER_PAYMENT = "customer_payment"
    """``billing.customer_payment_recorded``: Dr cash; Cr receivable. Id:
    ``<invoice_id>/<payment_id>``."""
    CREDIT_NOTE = "credit_note"
    """``billing.credit_note_issued``: Dr sales returns (each line's net; unmapped: the
    revenue account the line's sales go to), Dr tax payable (per tax code); Cr receivable
    (total). Id: the credit note's id."""
    REFUND = "refund"
    """``billing.refund_recorded``: Dr receivable; Cr cash. Id: ``<invoice_id>/<refund_id>``."""
    SUPPLIER_BILL = "supplier_bill"
    """``billing.bill_approved``: Dr goods received not invoiced (the order's price of the
    billed quantity), Dr price variance (signed: a credit when billed below the order's
    price), Dr input tax; Cr payable (total). Only approved bills post."""
    VENDOR_PAYMENT = "vendor_payment"
    """``billing.vendor_payment_recorded``: Dr payable; Cr cash. Id: ``<bill_id>/<payment_id>``."""


# --- the chart of accounts ------------------------------------------------------------------


class _ChartTerms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    accounts: dict[AccountRole, AccountCode] = Field(
        default_factory=dict,
        description="the account of each role: receivable, revenue (the default revenue "
        "account), cash, inventory, quarantine, cost_of_goods_sold, "
        "goods_received_not_invoiced, payable, price_variance, stock_adjustment, "
        "sales_returns (unmapped: the line's revenue account), work_in_progress, bad_debt, "
        "input_tax (tax_payable is per tax code, below)",
    )
    tax_payable: dict[Identifier, AccountCode] = Field(
        default_factory=dict,
        description="the tax-payable account of each tax rate code (the order service's, "
        "order.define_tax_rate); there is no default: a document taxed at a code not named "
        "here is held",
    )
    revenue_by_tax_code: dict[Identifier, AccountCode] = Field(
        default_factory=dict,
        description="revenue of lines taxed at this code (the first of a line's codes named "
        "here), when their sku's item group has no account",
    )
    revenue_by_item_group: dict[Identifier, AccountCode] = Field(
        default_factory=dict,
        description="revenue of lines whose sku is in this item group (item_groups)",
    )
    item_groups: dict[Identifier, Identifier] = Field(
        default_factory=dict,
        max_length=10000,
        description="the item group of each sku (sku -> group); every group named must have "
        "an account in revenue_by_item_group (else invalid_chart)",
    )


class DefineChartOfAccounts(Command, _ChartTerms):
    """Define the chart-of-accounts mapping the ledger posts with, replacing the one before
    (each definition is a new revision; send the whole mapping every time).

    A line's revenue goes to its sku's item group's account, else to the account of the first
    of its tax codes named in ``revenue_by_tax_code``, else to ``accounts.revenue``. Documents
    held for a rule that was missing are posted once this definition has it (a void right after
    its invoice), after the answer ``billing.chart_of_accounts_defined``. Refusals: an empty or
    malformed account code, an unknown role (``invalid_message``, naming the field); an item
    group without a revenue account (``invalid_chart``)."""

    routing_key: ClassVar[str] = "billing.define_chart_of_accounts"
    answered_by: ClassVar[tuple[str, ...]] = ("billing.chart_of_accounts_defined",)
    acting_person: ClassVar[str | None] = "defined_by"
    defined_by: Identifier


class ChartOfAccountsDefined(Event, _ChartTerms):
    """The chart-of-accounts mapping the ledger posts with from now on."""

    routing_key: ClassVar[str] = "billing.chart_of_accounts_defined"
    revision: int = Field(ge=1, description="1 for the first definition, then one more each")
    defined_by: Identifier


# --- journal entries ------------------------------------------------------------------------


class JournalLine(BaseModel):
    """One line of a journal entry: a debit or a credit (the other is 0) on one account."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line: int = Field(ge=1, description="the line's number in its entry, from 1")
    account: AccountCode = Field(description="the account, as the chart of accounts maps it")
    role: AccountRole = Field(description="what the amount is (why it is on this account)")
    debit: DecimalText = Field(description="to the currency's minor unit; 0 on a credit line")
    credit: DecimalText = Field(description="to the currency's minor unit; 0 on a debit line")
    tax_code: Identifier | None = Field(
        default=None, description="on tax-payable lines (and revenue mapped by tax code)"
    )


class _EntryFacts(Event):
    ordering_key: ClassVar[str | None] = "entry_id"
    entry_id: str = Field(
        min_length=1, max_length=200, description="<document_kind>:<document_id>, one per document"
    )
    document_kind: DocumentKind
    document_id: str = Field(min_length=1, max_length=140)
    order_id: Identifier | None = Field(
        default=None, description="the sales, purchase or work order the document belongs to"
    )
    party_id: Identifier | None = Field(
        default=None, description="the customer or vendor, when the document names one"
    )
    reference: str | None = Field(
        default=None,
        description="another document it refers to: a payment's, void's, credit note's or "
        "vendor payment's invoice or bill id, a refund's credit note (else invoice) id, a "
        "goods movement's receipt, issue or return id, a sales invoice's goods issue "
        "(per_issue), a supplier bill's vendor bill number",
    )
    document_date: AwareDatetime = Field(
        description="when the fact happened (the invoice's issue, the payment, the movement): "
        "the entry's date in the journal and the trial balance"
    )
    currency: CurrencyCode
    chart_revision: int = Field(ge=0, description="the chart of accounts' revision used")


class JournalEntryPosted(_EntryFacts):
    """One financial fact as one balanced journal entry, for the accounting system.

    **An accounting system subscribes to this event and needs nothing else**: Odoo, ERPNext or
    QuickBooks (through a connector) binds a queue of its own to `oms.events` with routing key
    `billing.journal_entry_posted` and books each entry as it comes: a journal entry (Odoo
    `account.move`, ERPNext Journal Entry, QuickBooks JournalEntry) dated `document_date`, in
    `currency`, with one line per item of `lines` on the account named by `account` (the
    accounting system's own code, as mapped by `billing.define_chart_of_accounts`), debit
    `debit`, credit `credit`, and `entry_id` as its reference. The sum of the debits equals
    the sum of the credits (`total`), to the currency's minor unit. One entry per document
    (`entry_id` = `<document_kind>:<document_id>`), published once; a repeat delivery has
    the same `message_id` and `entry_id` (book each `entry_id` once). A correction is a new
    entry (a void reverses its invoice's entry: `reverses_entry_id`), never a change.

    What posts what (see `document_kind`): a subscription invoice (Dr receivable; Cr revenue,
    tax payable per tax code), its payments (Dr cash; Cr receivable), its void (the reverse),
    a write-off (Dr bad debt; Cr receivable); inventory at cost: a goods receipt (Dr
    inventory; Cr goods received not invoiced), a goods issue (Dr cost of goods sold; Cr
    inventory), a stock adjustment (inventory against stock adjustment), components issued
    to a work order (Dr work in progress; Cr inventory), a return received (Dr inventory or
    quarantine; Cr cost of goods sold). A movement without costs posts nothing. Sales
    orders' documents: a customer invoice (Dr receivable; Cr revenue per line's item group or
    tax code, tax payable per tax code), a customer payment (Dr cash; Cr receivable), a
    credit note (Dr sales returns, tax payable per tax code; Cr receivable), a refund (Dr
    receivable; Cr cash). Supplier bills, once approved: Dr goods received not invoiced (the
    order's price of the billed quantity), Dr price variance (signed), Dr input tax; Cr
    payable; a vendor payment (Dr payable; Cr cash)."""

    routing_key: ClassVar[str] = "billing.journal_entry_posted"
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message_id": "0b7c1d6e-2f4a-4c1e-9a51-5f0d2c3b4a69",
                    "occurred_at": "2026-01-31T09:00:01Z",
                    "correlation_id": "SUB-42-R1",
                    "causation_id": "5e3f9a10-7b2c-4d8e-8f61-0a9b8c7d6e5f",
                    "schema_version": 1,
                    "entry_id": "subscription_invoice:INV-000001",
                    "document_kind": "subscription_invoice",
                    "document_id": "INV-000001",
                    "order_id": "SUB-42-R1",
                    "party_id": "C-7",
                    "reference": None,
                    "document_date": "2026-01-31T09:00:00Z",
                    "currency": "EUR",
                    "chart_revision": 1,
                    "lines": [
                        {
                            "line": 1,
                            "account": "1200",
                            "role": "receivable",
                            "debit": "34.50",
                            "credit": "0.00",
                            "tax_code": None,
                        },
                        {
                            "line": 2,
                            "account": "4000",
                            "role": "revenue",
                            "debit": "0.00",
                            "credit": "30.00",
                            "tax_code": None,
                        },
                        {
                            "line": 3,
                            "account": "2210",
                            "role": "tax_payable",
                            "debit": "0.00",
                            "credit": "3.80",
                            "tax_code": "VAT19",
                        },
                        {
                            "line": 4,
                            "account": "2207",
                            "role": "tax_payable",
                            "debit": "0.00",
                            "credit": "0.70",
                            "tax_code": "VAT7",
                        },
                    ],
                    "total": "34.50",
                    "reverses_entry_id": None,
                    "description": "Subscription invoice INV-000001 to C-7",
                }
            ]
        }
    )
    lines: list[JournalLine] = Field(
        min_length=2, description="balanced: the debits add up to the credits"
    )
    total: DecimalText = Field(description="the sum of the debits (= the sum of the credits)")
    reverses_entry_id: str | None = Field(
        default=None, description="the entry this one reverses (an invoice's void)"
    )
    description: str = Field(default="", description="a line of text for the journal")


class PostingHeld(_EntryFacts):
    """A document the ledger could not post: a rule of the chart of accounts it needs is
    missing. Nothing of it is posted; it is posted, whole, when a
    `billing.define_chart_of_accounts` completes the mapping (or, for a reversal, once the
    entry it reverses is posted). `missing` names each rule."""

    routing_key: ClassVar[str] = "billing.posting_held"
    missing: list[str] = Field(
        min_length=1,
        description="each missing rule: `accounts.<role>` (e.g. accounts.receivable), "
        "`tax_payable.<tax code>` (a tax code without a tax-payable account), or "
        "`entry:<entry_id>` (a reversal waits for the entry it reverses to be posted)",
    )
    detail: str = Field(description="what to do, in a sentence")
