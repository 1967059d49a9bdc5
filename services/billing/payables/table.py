"""The payables part's rows of the billing service's table."""

from __future__ import annotations

from services.billing.payables.handlers import PayablesHandlers
from services.billing.payables.queries import queries
from services.billing.payables.repository import OUTBOX_COLLECTIONS
from shared.contracts.inventory import GoodsReceived
from shared.contracts.orders import OrderApproved
from shared.contracts.payables import (
    AcceptBill,
    BillApproved,
    BillHeld,
    BillRecorded,
    BillRejected,
    MatchToleranceSet,
    RecordBill,
    RecordVendorPayment,
    RejectBill,
    SetMatchTolerance,
    VendorPaymentRecorded,
)
from shared.parts import Part

TABLE = Part[PayablesHandlers](
    commands={
        SetMatchTolerance: PayablesHandlers.set_match_tolerance,
        RecordBill: PayablesHandlers.record_bill,
        AcceptBill: PayablesHandlers.accept_bill,
        RejectBill: PayablesHandlers.reject_bill,
        RecordVendorPayment: PayablesHandlers.record_vendor_payment,
    },
    events={
        OrderApproved: PayablesHandlers.order_approved,
        GoodsReceived: PayablesHandlers.goods_received,
    },
    publishes=[
        MatchToleranceSet,
        BillRecorded,
        BillApproved,
        BillHeld,
        BillRejected,
        VendorPaymentRecorded,
    ],
    outbox_collections=OUTBOX_COLLECTIONS,
    queries=queries,
)
