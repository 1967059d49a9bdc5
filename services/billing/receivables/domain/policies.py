"""Invoicing policies: one per branch, and one per customer at a branch that overrides it."""

from __future__ import annotations

from services.billing.receivables.domain.orders import OrderTerms
from shared.contracts.receivables import InvoicingPolicySet, SetInvoicingPolicy
from shared.domain import Aggregate


def policy_id(branch_id: str, customer_id: str | None) -> str:
    """``<branch>`` for a branch's policy, ``<branch>/<customer>`` for a customer's there."""
    return branch_id if customer_id is None else f"{branch_id}/{customer_id}"


class PolicyRecord(Aggregate):
    branch_id: str
    customer_id: str | None = None
    terms: OrderTerms
    revision: int = 0

    @classmethod
    def set(cls, cmd: SetInvoicingPolicy) -> PolicyRecord:
        record = cls(
            id=policy_id(cmd.branch_id, cmd.customer_id),
            branch_id=cmd.branch_id,
            customer_id=cmd.customer_id,
            terms=OrderTerms(),
        )
        record.change(cmd)
        return record

    def change(self, cmd: SetInvoicingPolicy) -> None:
        self.terms = OrderTerms(
            policy=cmd.policy,
            payment_terms_days=cmd.payment_terms_days,
            invoice_series=cmd.invoice_series,
            billing_contact=cmd.billing_contact,
        )
        self.revision += 1
        self.record(
            InvoicingPolicySet(
                branch_id=self.branch_id,
                customer_id=self.customer_id,
                policy=cmd.policy,
                payment_terms_days=cmd.payment_terms_days,
                invoice_series=cmd.invoice_series,
                billing_contact=cmd.billing_contact,
                set_by=cmd.set_by,
                revision=self.revision,
            )
        )
