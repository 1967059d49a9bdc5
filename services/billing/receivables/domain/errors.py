"""Refusals of the receivables rules, each with a stable reason code.

A reason code the subscriptions part uses too keeps its words here (the AsyncAPI document
describes each code once, whichever class it reads)."""

from __future__ import annotations

from shared.domain import DomainError


class InvoiceNotFound(DomainError):
    """No invoice with this id."""

    reason = "unknown_invoice"


class CurrencyMismatch(DomainError):
    """A payment in another currency than the invoice's."""

    reason = "currency_mismatch"


class InvalidAmount(DomainError):
    """An amount finer than the currency's minor unit (0.001 EUR, 0.5 JPY)."""

    reason = "invalid_amount"


class Overpayment(DomainError):
    """A payment larger than the invoice's balance."""

    reason = "overpayment"


class DuplicatePayment(DomainError):
    """A payment_id already recorded on the invoice (by another command)."""

    reason = "duplicate_payment"


class CreditExceedsInvoice(DomainError):
    """A credit larger than what is left on the invoice (its total less earlier credits), or
    more of an item than the invoice has left to credit."""

    reason = "credit_exceeds_invoice"


class NotOnInvoice(DomainError):
    """A credit note naming an item the invoice does not carry."""

    reason = "not_on_invoice"


class RefundExceedsCredit(DomainError):
    """A refund larger than the credit: the invoice's credit balance, or what is left of the
    named credit note."""

    reason = "refund_exceeds_credit"


class CreditNoteNotFound(DomainError):
    """No credit note with this id on the invoice."""

    reason = "unknown_credit_note"
