"""The chart-of-accounts mapping: which account each role's amounts are posted to.

One chart for the service (a single document); each definition replaces the mapping and is a
new revision. Looking an account up never guesses: a role or tax code the chart does not map
is a missing rule, named the way the command's fields are (``accounts.receivable``,
``tax_payable.VAT``), and the document that needs it is held.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.billing.ledger.domain.errors import InvalidChart
from services.billing.ledger.domain.facts import Share
from shared.contracts.ledger import AccountRole, ChartOfAccountsDefined, DefineChartOfAccounts
from shared.domain import Aggregate

CHART_ID = "chart-of-accounts"
FALLBACKS = {AccountRole.QUARANTINE: AccountRole.INVENTORY}
"""A role that is posted to another role's account when the chart does not map it."""


@dataclass(frozen=True)
class Rule:
    """Where an amount goes: the ``account`` (``None``: the chart lacks rule ``name``), and the
    tax code that chose it, if one did."""

    account: str | None
    name: str
    tax_code: str | None = None


class Chart(Aggregate):
    revision: int = 0
    accounts: dict[AccountRole, str] = {}
    tax_payable: dict[str, str] = {}
    revenue_by_tax_code: dict[str, str] = {}
    revenue_by_item_group: dict[str, str] = {}
    item_groups: dict[str, str] = {}
    defined_by: str | None = None

    @classmethod
    def empty(cls) -> Chart:
        """The chart before any definition: every document is held."""
        return cls(id=CHART_ID)

    def define(self, cmd: DefineChartOfAccounts) -> None:
        """Replace the mapping with ``cmd``'s, checked."""
        groups = set(cmd.item_groups.values())
        if unmapped := sorted(groups - set(cmd.revenue_by_item_group)):
            raise InvalidChart(
                f"item_groups names the group(s) {', '.join(unmapped)}, which "
                "revenue_by_item_group gives no account: add one for each."
            )
        terms = {name: getattr(cmd, name) for name in TERMS}
        for name, value in terms.items():
            setattr(self, name, dict(value))
        self.revision += 1
        self.defined_by = cmd.defined_by
        self.record(
            ChartOfAccountsDefined(**terms, revision=self.revision, defined_by=cmd.defined_by)
        )

    def account(self, share: Share) -> Rule:
        """The rule that posts ``share``, and its account (``None`` when missing)."""
        role = share.role
        if role is AccountRole.SALES_RETURNS and role not in self.accounts:
            # unmapped: given back on the account the line's revenue goes to
            revenue = self.account(share.model_copy(update={"role": AccountRole.REVENUE}))
            if revenue.account is not None:
                return revenue
            return Rule(None, f"accounts.{share.role}")
        if role is AccountRole.TAX_PAYABLE:
            code = share.tax_codes[0] if share.tax_codes else "(none)"
            return Rule(self.tax_payable.get(code), f"tax_payable.{code}", code)
        if role is AccountRole.REVENUE:
            group = self.item_groups.get(share.sku or "")
            if group is not None and group in self.revenue_by_item_group:
                return Rule(self.revenue_by_item_group[group], f"revenue_by_item_group.{group}")
            for code in share.tax_codes:
                if code in self.revenue_by_tax_code:
                    return Rule(self.revenue_by_tax_code[code], f"revenue_by_tax_code.{code}", code)
        if role not in self.accounts and role in FALLBACKS:
            role = FALLBACKS[role]
        return Rule(self.accounts.get(role), f"accounts.{share.role}")


TERMS = ("accounts", "tax_payable", "revenue_by_tax_code", "revenue_by_item_group", "item_groups")
