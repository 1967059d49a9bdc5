"""Customer and vendor records: the version rule (integration events and commands), history,
the exemption and credit-limit rules, and the checks of orders against them."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import structlog
from pydantic import ValidationError
from structlog.testing import capture_logs

from services.order.orders.domain.order import Order
from services.order.parties import handlers as party_handlers
from services.order.parties.domain.checks import (
    BranchRequired,
    CurrencyRequired,
    PartyTerms,
    customer_flags,
    exemption_on,
    order_defaults,
    purchase_terms,
    sales_terms,
    vendor_flags,
    with_price_list,
)
from services.order.parties.domain.records import (
    HISTORY_LIMIT,
    OMS,
    Customer,
    ExemptionExpired,
    OlderVersion,
    RecordMismatch,
    StaleRecord,
    Vendor,
)
from services.order.parties.handlers import PartyHandlers
from services.order.parties.repository import PartyDirectory
from shared.contracts import (
    OrderCreated,
    OrderKind,
    OrderLineInput,
    OrderSubmitted,
    PricingTerms,
    TaxRate,
)
from shared.contracts.parties import (
    CustomerRecord,
    CustomerRecorded,
    CustomerUpserted,
    OrderFlag,
    PartyStatus,
    TaxExemption,
    UnknownParty,
    UpsertCustomer,
    UpsertVendor,
    VendorRecord,
    VendorRecorded,
    VendorUpserted,
)
from shared.domain import DomainError
from tests.unit.fakes import FakeStore

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def customer_record(**changes: Any) -> CustomerRecord:
    values: dict[str, Any] = {"customer_id": "C-1", "name": "Acme", "currency": "USD"}
    return CustomerRecord(**{**values, **changes})


def vendor_record(**changes: Any) -> VendorRecord:
    values: dict[str, Any] = {"vendor_id": "V-1", "name": "Parts Inc", "currency": "USD"}
    return VendorRecord(**{**values, **changes})


def exempt_until(day: date) -> TaxExemption:
    return TaxExemption(certificate_id="EX-7", expires_on=day)


# --- the version rule -----------------------------------------------------------------------


def test_an_integration_event_takes_its_own_version_when_newer() -> None:
    customer = Customer(id="C-1")
    customer.change(customer_record(), source="customers", at=NOW, version=1700)
    customer.change(customer_record(name="Acme Ltd"), source="customers", at=NOW, version=1701)

    assert customer.record_version == 1701
    assert customer.current is not None
    assert customer.current.name == "Acme Ltd"
    [first, second] = customer.collect_events()
    assert isinstance(first, CustomerRecorded)
    assert isinstance(second, CustomerRecorded)
    assert (second.version, second.source, second.changed_by) == (1701, "customers", None)
    assert first.version == 1700


@pytest.mark.parametrize("version", [5, 4, 1])
def test_an_integration_event_not_above_the_stored_version_is_refused_and_changes_nothing(
    version: int,
) -> None:
    customer = Customer(id="C-1")
    customer.change(customer_record(), source="customers", at=NOW, version=5)
    customer.collect_events()
    before = customer.model_dump()

    with pytest.raises(OlderVersion, match="version 5") as refused:
        customer.change(customer_record(name="Old"), source="customers", at=NOW, version=version)

    assert refused.value.reason == "older_version"
    assert f"version {version} from customers is not above" in refused.value.detail
    assert customer.model_dump() == before
    assert customer.collect_events() == []


def test_a_command_makes_the_stored_version_plus_one() -> None:
    customer = Customer(id="C-1")
    customer.change(customer_record(), source=OMS, at=NOW, expected=0, by="olga")
    customer.change(customer_record(status="on_hold"), source=OMS, at=NOW, expected=1, by="olga")
    customer.change(customer_record(status="active"), source=OMS, at=NOW, by="ivan")

    assert customer.record_version == 3
    assert [c.version for c in customer.history] == [1, 2, 3]
    assert customer.history[-1].changed_by == "ivan"


def test_a_command_made_on_another_version_is_refused_stale() -> None:
    customer = Customer(id="C-1")
    customer.change(customer_record(), source="customers", at=NOW, version=40)
    before = customer.model_dump()

    with pytest.raises(StaleRecord) as refused:
        customer.change(customer_record(name="X"), source=OMS, at=NOW, expected=39, by="olga")

    assert refused.value.reason == "stale_record"
    assert "at version 40" in refused.value.detail
    assert "on version 39" in refused.value.detail
    assert customer.model_dump() == before


def test_a_record_naming_another_party_is_refused() -> None:
    with pytest.raises(RecordMismatch, match="the record names C-1") as refused:
        Customer(id="C-2").change(customer_record(), source=OMS, at=NOW, by="olga")
    assert refused.value.reason == "record_mismatch"
    with pytest.raises(RecordMismatch):
        Vendor(id="V-2").change(vendor_record(), source="vendors", at=NOW, version=1)


def test_a_new_customer_from_a_command_expects_version_zero() -> None:
    with pytest.raises(StaleRecord):
        Customer(id="C-1").change(customer_record(), source=OMS, at=NOW, expected=1, by="olga")


def test_history_names_the_source_the_person_and_the_fields_changed() -> None:
    customer = Customer(id="C-1")
    customer.change(customer_record(), source="customers", at=NOW, version=1)
    customer.change(
        customer_record(status="blocked", email="ap@acme.example"),
        source=OMS,
        at=NOW + timedelta(hours=1),
        by="olga",
    )

    first, second = customer.history
    assert first.fields == ["customer_id", "name", "status", "currency"]
    assert (first.source, first.changed_by) == ("customers", None)
    assert second.fields == ["status", "email"]
    assert (second.source, second.changed_by, second.at) == (OMS, "olga", NOW + timedelta(hours=1))
    assert (customer.source, customer.changed_by) == (OMS, "olga")


def test_history_keeps_the_newest_versions_only() -> None:
    vendor = Vendor(id="V-1")
    for version in range(1, HISTORY_LIMIT + 6):
        vendor.change(vendor_record(name=f"N{version}"), source="vendors", at=NOW, version=version)

    assert len(vendor.history) == HISTORY_LIMIT
    assert vendor.history[0].version == 6
    assert vendor.history[-1].version == HISTORY_LIMIT + 5
    assert all(isinstance(e, VendorRecorded) for e in vendor.collect_events())


# --- exemption and credit limit ------------------------------------------------------------


def test_a_certificate_expired_on_arrival_is_refused() -> None:
    customer = Customer(id="C-1")
    record = customer_record(tax_exemption=exempt_until(TODAY - timedelta(days=1)))

    with pytest.raises(ExemptionExpired, match="EX-7 expired on 2026-12-05") as refused:
        customer.change(record, source=OMS, at=NOW, by="olga")

    assert refused.value.reason == "exemption_expired"
    assert customer.record_version == 0
    assert customer.current is None


def test_a_certificate_valid_through_today_is_taken() -> None:
    customer = Customer(id="C-1")
    customer.change(
        customer_record(tax_exemption=exempt_until(TODAY)), source="customers", at=NOW, version=1
    )
    assert customer.record_version == 1


def test_a_credit_limit_in_another_currency_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="credit_limit_currency"):
        customer_record(credit_limit={"amount": "1000", "currency": "EUR"})


# --- the checks of orders -------------------------------------------------------------------


def test_each_finding_of_a_customer_has_its_reason() -> None:
    def reasons(record: CustomerRecord | None, currency: str = "USD") -> list[str]:
        flags = customer_flags(record, customer_id="C-1", currency=currency)
        return [flag.reason for flag in flags]

    assert reasons(None) == ["unknown_customer"]
    assert reasons(customer_record()) == []
    assert reasons(customer_record(status="blocked")) == ["customer_blocked"]
    assert reasons(customer_record(status="on_hold")) == ["customer_on_hold"]
    assert reasons(customer_record(), "EUR") == ["currency_mismatch"]
    assert reasons(customer_record(status="blocked"), "EUR") == [
        "customer_blocked",
        "currency_mismatch",
    ]


def test_each_finding_of_a_vendor_has_its_reason() -> None:
    def reasons(record: VendorRecord | None, currency: str = "USD") -> list[str]:
        return [f.reason for f in vendor_flags(record, vendor_id="V-1", currency=currency)]

    assert reasons(None) == ["unknown_vendor"]
    assert reasons(vendor_record()) == []
    assert reasons(vendor_record(status="blocked")) == ["vendor_blocked"]
    assert reasons(vendor_record(status="on_hold")) == ["vendor_on_hold"]
    assert reasons(vendor_record(), "GBP") == ["currency_mismatch"]


def test_the_findings_name_the_record() -> None:
    [blocked] = customer_flags(customer_record(status="blocked"), customer_id="C-1", currency="USD")
    assert blocked.detail == "Customer C-1 (Acme) is blocked: no new orders for now."
    [mismatch] = customer_flags(customer_record(), customer_id="C-1", currency="EUR")
    assert mismatch.detail == "Customer C-1 (Acme) buys in USD, not EUR."
    [other] = vendor_flags(vendor_record(), vendor_id="V-1", currency="EUR")
    assert other.detail == "Vendor V-1 (Parts Inc) sells in USD, not EUR."
    [unknown] = customer_flags(None, customer_id="C-9", currency="USD")
    assert "Customer C-9 is not known to OMS" in unknown.detail


def sales(record: CustomerRecord | None, policy: UnknownParty, currency: str = "USD") -> PartyTerms:
    return sales_terms(
        record, customer_id="C-1", currency=currency, policy=policy, branch_id="BR-1", day=TODAY
    )


def test_a_refusing_branch_refuses_with_the_first_reason_and_every_sentence() -> None:
    with pytest.raises(DomainError) as refused:
        sales(customer_record(status="on_hold"), UnknownParty.REFUSE, "EUR")

    assert refused.value.reason == "customer_on_hold"
    assert "Customer C-1 (Acme) is on hold" in refused.value.detail
    assert "buys in USD, not EUR" in refused.value.detail
    assert "Branch BR-1 refuses such orders (unknown_party: refuse)" in refused.value.detail
    with pytest.raises(DomainError) as unknown:
        purchase_terms(
            None, vendor_id="V-1", currency="USD", policy=UnknownParty.REFUSE, branch_id="BR-1"
        )
    assert unknown.value.reason == "unknown_vendor"


def test_an_allowing_branch_lets_the_order_go_on_with_its_flags() -> None:
    terms = sales(customer_record(status="blocked"), UnknownParty.ALLOW)
    assert [flag.reason for flag in terms.flags] == ["customer_blocked"]
    assert [f.reason for f in sales(None, UnknownParty.ALLOW).flags] == ["unknown_customer"]


def test_a_good_customer_passes_a_refusing_branch_and_gives_its_defaults() -> None:
    record = customer_record(
        price_list_id="PL-9", payment_terms_days=30, tax_exemption=exempt_until(TODAY)
    )
    terms = sales(record, UnknownParty.REFUSE)
    assert terms == PartyTerms(payment_terms_days=30, price_list_id="PL-9", tax_exemption="EX-7")
    vendor = purchase_terms(
        vendor_record(payment_terms_days=45),
        vendor_id="V-1",
        currency="USD",
        policy=UnknownParty.REFUSE,
        branch_id="BR-1",
    )
    assert vendor == PartyTerms(payment_terms_days=45)


@pytest.mark.parametrize(
    ("expires", "exempt"),
    [(TODAY + timedelta(days=1), True), (TODAY, True), (TODAY - timedelta(days=1), False)],
)
def test_an_exemption_is_valid_through_its_last_day(expires: date, exempt: bool) -> None:
    record = customer_record(tax_exemption=exempt_until(expires))
    assert exemption_on(record, TODAY) == ("EX-7" if exempt else None)
    assert exemption_on(customer_record(), TODAY) is None
    assert exemption_on(None, TODAY) is None


def test_the_customer_s_price_list_prices_lines_without_a_price_only() -> None:
    party = PartyTerms(price_list_id="PL-9")
    unpriced = [OrderLineInput(sku="A", quantity=Decimal(1))]
    priced = [OrderLineInput(sku="A", quantity=Decimal(1), unit_price=Decimal(3))]
    own = PricingTerms(price_list_id="PL-1")

    assert with_price_list(PricingTerms(), unpriced, party).price_list_id == "PL-9"
    assert with_price_list(PricingTerms(), priced, party).price_list_id is None
    assert with_price_list(own, unpriced, party).price_list_id == "PL-1"
    assert with_price_list(PricingTerms(), unpriced, PartyTerms()).price_list_id is None


# --- orders carry what the record says ------------------------------------------------------

VAT = TaxRate(code="VAT", name="VAT", rate=Decimal(20))


def order(party: PartyTerms) -> Order:
    return Order.create(
        order_id="SO-1",
        kind=OrderKind.SALES,
        party_id="C-1",
        branch_id="BR-1",
        created_by="bob",
        currency="USD",
        lines=[
            OrderLineInput(sku="A", quantity=Decimal(2), unit_price=Decimal(50), tax_codes=["VAT"])
        ],
        rates={"VAT": VAT},
        party=party,
    )


def test_an_exempt_customer_s_order_carries_no_tax_and_names_the_certificate() -> None:
    exempt = order(PartyTerms(tax_exemption="EX-7", payment_terms_days=30))
    taxed = order(PartyTerms())

    assert exempt.pricing is not None
    assert taxed.pricing is not None
    assert exempt.pricing.tax_total == 0
    assert exempt.pricing.grand_total == Decimal(100)
    assert exempt.pricing.tax_exemption == "EX-7"
    assert exempt.pricing.lines[0].taxes == []
    assert taxed.pricing.tax_total == Decimal(20)
    assert taxed.pricing.tax_exemption is None
    [created] = exempt.collect_events()
    assert isinstance(created, OrderCreated)
    assert created.payment_terms_days == 30


def test_flags_ride_on_the_order_s_events_and_are_renewed_at_submit() -> None:
    flag = OrderFlag(reason="unknown_customer", detail="Customer C-1 is not known to OMS.")
    flagged = order(PartyTerms(flags=(flag,)))
    [created] = flagged.collect_events()
    assert isinstance(created, OrderCreated)
    assert created.flags == [flag]

    flagged.submit(by="bob", flags=())

    [submitted] = flagged.collect_events()
    assert isinstance(submitted, OrderSubmitted)
    assert submitted.flags == []


def test_an_update_after_the_certificate_was_removed_taxes_the_order_again() -> None:
    exempt = order(PartyTerms(tax_exemption="EX-7"))

    exempt.update(by="bob", notes="call first", rates={"VAT": VAT}, party=PartyTerms())

    assert exempt.pricing is not None
    assert exempt.pricing.tax_total == Decimal(20)
    assert exempt.tax_exemption is None


# --- the handlers ---------------------------------------------------------------------------


class World:
    def __init__(self) -> None:
        self.customers = FakeStore(Customer)
        self.vendors = FakeStore(Vendor)
        self.directory = PartyDirectory(self.customers, self.vendors)
        self.handlers = PartyHandlers(self.customers, self.vendors, self.directory)


async def test_a_late_integration_event_is_ignored_and_logged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    newer = customer_record(name="Acme Ltd")
    await world.handlers.customer_upserted(
        CustomerUpserted(customer_id="C-1", version=20, record=newer)
    )
    with capture_logs() as logged:
        # A logger made now logs into the capture, whatever another test configured and cached.
        monkeypatch.setattr(party_handlers, "log", structlog.get_logger())
        await world.handlers.customer_upserted(
            CustomerUpserted(customer_id="C-1", version=19, record=customer_record())
        )

    assert await world.directory.customer("C-1") == newer
    assert len(world.customers.events(CustomerRecorded)) == 1
    [ignored] = logged
    assert (ignored["event"], ignored["reason"], ignored["version"]) == (
        "customer_upsert_ignored",
        "older_version",
        19,
    )


async def test_a_stale_command_is_refused_and_the_directory_sees_each_change() -> None:
    world = World()
    assert await world.directory.vendor("V-1") is None  # remembered as unknown...
    await world.handlers.upsert_vendor(
        UpsertVendor(vendor_id="V-1", record=vendor_record(), expected_version=0, changed_by="o")
    )
    assert await world.directory.vendor("V-1") == vendor_record()  # ...forgotten on change

    with pytest.raises(StaleRecord):
        await world.handlers.upsert_vendor(
            UpsertVendor(
                vendor_id="V-1",
                record=vendor_record(status="blocked"),
                expected_version=0,
                changed_by="o",
            )
        )
    [recorded] = world.vendors.events(VendorRecorded)
    assert (recorded.version, recorded.source, recorded.changed_by) == (1, OMS, "o")


async def test_an_expired_certificate_from_the_customer_system_is_ignored_as_a_command_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    expired = customer_record(tax_exemption=exempt_until(date(2020, 1, 1)))

    with capture_logs() as logged:
        # A logger made now logs into the capture, whatever another test configured and cached.
        monkeypatch.setattr(party_handlers, "log", structlog.get_logger())
        await world.handlers.customer_upserted(
            CustomerUpserted(customer_id="C-1", version=1, record=expired)
        )
    with pytest.raises(ExemptionExpired):
        await world.handlers.upsert_customer(
            UpsertCustomer(customer_id="C-1", record=expired, changed_by="olga")
        )

    assert world.customers.docs == {}
    assert [entry["reason"] for entry in logged] == ["exemption_expired"]


async def test_a_vendor_event_from_the_vendor_system_is_recorded_with_its_source() -> None:
    world = World()
    await world.handlers.vendor_upserted(
        VendorUpserted(vendor_id="V-1", version=3, record=vendor_record())
    )
    [recorded] = world.vendors.events(VendorRecorded)
    assert (recorded.version, recorded.source) == (3, "vendors")
    assert PartyStatus.ACTIVE is recorded.record.status


def test_every_sentence_names_the_record_and_what_to_do() -> None:
    [unknown_customer] = customer_flags(None, customer_id="C-1", currency="USD")
    assert unknown_customer.detail == (
        "Customer C-1 is not known to OMS: record it first (order.upsert_customer, or the "
        "customer system's customer.upserted)."
    )
    [unknown_vendor] = vendor_flags(None, vendor_id="V-1", currency="USD")
    assert unknown_vendor.detail == (
        "Vendor V-1 is not known to OMS: record it first (order.upsert_vendor, or the vendor "
        "system's vendor.upserted)."
    )
    held, other = vendor_flags(vendor_record(status="on_hold"), vendor_id="V-1", currency="EUR")
    assert held.detail == "Vendor V-1 (Parts Inc) is on hold: no new orders for now."
    assert other.detail == "Vendor V-1 (Parts Inc) sells in USD, not EUR."
    with pytest.raises(DomainError) as refused:
        purchase_terms(
            vendor_record(status="on_hold"),
            vendor_id="V-1",
            currency="EUR",
            policy=UnknownParty.REFUSE,
            branch_id="BR-7",
        )
    assert refused.value.detail == (
        f"{held.detail} {other.detail} Branch BR-7 refuses such orders (unknown_party: refuse)."
    )
    assert refused.value.reason == "vendor_on_hold"
    unknown = purchase_terms(
        None, vendor_id="V-1", currency="USD", policy=UnknownParty.ALLOW, branch_id="BR-7"
    )
    assert unknown == PartyTerms(flags=(unknown_vendor,))


def test_each_version_keeps_when_and_by_whom() -> None:
    customer = Customer(id="C-1")
    customer.change(customer_record(), source=OMS, at=NOW, by="olga")
    [recorded] = customer.collect_events()
    assert isinstance(recorded, CustomerRecorded)
    assert (recorded.changed_by, recorded.source, customer.recorded_at) == ("olga", OMS, NOW)
    with pytest.raises(ExemptionExpired, match=r"^Customer C-1's tax exemption certificate"):
        customer.change(
            customer_record(tax_exemption=exempt_until(date(2020, 1, 1))), source=OMS, at=NOW
        )

    vendor = Vendor(id="V-1")
    vendor.change(vendor_record(), source=OMS, at=NOW, by="ivan")
    vendor.change(vendor_record(email="x@parts.example"), source=OMS, at=NOW, by="olga")
    assert [(c.changed_by, c.fields) for c in vendor.history] == [
        ("ivan", ["vendor_id", "name", "status", "currency"]),
        ("olga", ["email"]),
    ]
    assert [e.changed_by for e in vendor.collect_events() if isinstance(e, VendorRecorded)] == [
        "ivan",
        "olga",
    ]
    with pytest.raises(OlderVersion, match=r"^Vendor V-1: version 1 from vendors"):
        vendor.change(vendor_record(), source="vendors", at=NOW, version=1)


class CountedStore(FakeStore[Customer]):
    """Customers, counting the database reads a directory makes."""

    def __init__(self) -> None:
        super().__init__(Customer)
        self.reads = 0

    async def read(self, aggregate_id: str) -> Customer | None:
        self.reads += 1
        return await super().read(aggregate_id)

    async def find(self, query: dict[str, Any], *, limit: int = 100, sort: Any = None) -> Any:
        self.reads += 1
        return await super().find(query, limit=limit, sort=sort)


async def test_orders_read_a_party_once_a_moment_and_nothing_while_none_is_kept() -> None:
    customers = CountedStore()
    directory = PartyDirectory(customers, FakeStore(Vendor))
    handlers = PartyHandlers(customers, FakeStore(Vendor), directory)

    for customer_id in ("C-1", "C-2", "C-3"):  # none kept: one look for all of them
        assert await directory.customer(customer_id) is None
    assert customers.reads == 1

    await handlers.upsert_customer(
        UpsertCustomer(customer_id="C-1", record=customer_record(), changed_by="olga")
    )
    reads = customers.reads
    assert await directory.customer("C-1") == customer_record()  # this replica changed it
    assert await directory.customer("C-1") == customer_record()  # remembered a moment
    assert await directory.customer("C-4") is None
    assert customers.reads == reads + 2


def test_an_order_s_branch_and_currency_come_from_its_record_when_it_names_none() -> None:
    record = CustomerRecord(customer_id="C-1", name="Acme", currency="EUR", branch_id="BR-1")
    assert order_defaults(record, party="customer C-1", branch_id=None, currency=None) == (
        "BR-1",
        "EUR",
    )
    assert order_defaults(record, party="customer C-1", branch_id="BR-2", currency="USD") == (
        "BR-2",
        "USD",
    )
    assert order_defaults(None, party="customer C-9", branch_id="BR-2", currency="USD") == (
        "BR-2",
        "USD",
    )


def test_an_order_without_a_branch_or_currency_to_take_is_refused_saying_why() -> None:
    bare = CustomerRecord(customer_id="C-1", name="Acme", currency="EUR")
    with pytest.raises(BranchRequired, match="customer C-1 names no default branch"):
        order_defaults(bare, party="customer C-1", branch_id=None, currency="EUR")
    with pytest.raises(BranchRequired, match="customer C-9 is not known to OMS"):
        order_defaults(None, party="customer C-9", branch_id=None, currency="EUR")
    with pytest.raises(CurrencyRequired, match="customer C-9 is not known to OMS"):
        order_defaults(None, party="customer C-9", branch_id="BR-1", currency=None)
    assert order_defaults(bare, party="customer C-1", branch_id="BR-1", currency=None) == (
        "BR-1",
        "EUR",
    )


class GatedStore(CountedStore):
    """Customers whose reads answer, as they stood when sent, only once the test lets them."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()
        self.open.set()

    async def read(self, aggregate_id: str) -> Customer | None:
        found = await super().read(aggregate_id)
        await self.open.wait()
        return found


async def _directory_knowing_c1() -> tuple[GatedStore, PartyDirectory, PartyHandlers]:
    """A directory that recorded customer C-1, whose next reads wait until the gate opens."""
    customers = GatedStore()
    directory = PartyDirectory(customers, FakeStore(Vendor))
    handlers = PartyHandlers(customers, FakeStore(Vendor), directory)
    await handlers.upsert_customer(
        UpsertCustomer(customer_id="C-1", record=customer_record(), changed_by="olga")
    )
    customers.open.clear()
    return customers, directory, handlers


async def test_orders_in_flight_when_a_party_s_copy_expires_share_one_read() -> None:
    customers, directory, _ = await _directory_knowing_c1()
    reads = customers.reads
    looks = [asyncio.create_task(directory.customer("C-1")) for _ in range(5)]
    await asyncio.sleep(0.01)
    customers.open.set()

    assert await asyncio.gather(*looks) == [customer_record()] * 5
    assert customers.reads == reads + 1


async def test_a_read_begun_before_this_replica_s_change_is_not_shared_or_kept() -> None:
    customers, directory, handlers = await _directory_knowing_c1()
    before = asyncio.create_task(directory.customer("C-1"))  # reads the first version
    await asyncio.sleep(0.01)
    renamed = customer_record(name="Acme Ltd")
    await handlers.upsert_customer(
        UpsertCustomer(customer_id="C-1", record=renamed, changed_by="olga")
    )
    after = asyncio.create_task(directory.customer("C-1"))
    await asyncio.sleep(0.01)
    customers.open.set()

    assert await before == customer_record()
    assert await after == renamed
    assert await directory.customer("C-1") == renamed  # the older read was not remembered
