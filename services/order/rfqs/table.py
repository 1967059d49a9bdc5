"""The RFQs part's rows of the order service's table."""

from __future__ import annotations

from services.order.rfqs.handlers import RfqHandlers
from services.order.rfqs.queries import rfq_queries
from services.order.rfqs.repository import RFQS
from shared.contracts import (
    CancelRfq,
    ChooseRfqReply,
    CreateRfq,
    RecordRfqReply,
    RfqCancelled,
    RfqCreated,
    RfqReplyChosen,
    RfqReplyRecorded,
)
from shared.parts import Part

TABLE = Part[RfqHandlers](
    commands={
        CreateRfq: RfqHandlers.create,
        RecordRfqReply: RfqHandlers.record_reply,
        ChooseRfqReply: RfqHandlers.choose_reply,
        CancelRfq: RfqHandlers.cancel,
    },
    # Its own: the order a chosen reply promised exists, also after a crash between writes.
    events={RfqReplyChosen: RfqHandlers.reply_chosen},
    publishes=[RfqCreated, RfqReplyRecorded, RfqReplyChosen, RfqCancelled],
    outbox_collections=[RFQS],
    queries=rfq_queries,
)
