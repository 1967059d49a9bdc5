"""The quotations part's rows of the order service's table."""

from __future__ import annotations

from services.order.quotations.handlers import QuotationHandlers
from services.order.quotations.queries import quotation_queries
from services.order.quotations.repository import QUOTATIONS
from shared.contracts import (
    AcceptQuotation,
    ConvertQuotation,
    CreateQuotation,
    DeclineQuotation,
    QuotationAccepted,
    QuotationConverted,
    QuotationCreated,
    QuotationDeclined,
    QuotationExpired,
    QuotationRevised,
    QuotationSent,
    ReviseQuotation,
    SendQuotation,
)
from shared.parts import Part

TABLE = Part[QuotationHandlers](
    commands={
        CreateQuotation: QuotationHandlers.create,
        ReviseQuotation: QuotationHandlers.revise,
        SendQuotation: QuotationHandlers.send,
        AcceptQuotation: QuotationHandlers.accept,
        DeclineQuotation: QuotationHandlers.decline,
        ConvertQuotation: QuotationHandlers.convert,
    },
    # Its own: the order a conversion promised exists, also after a crash between writes.
    events={QuotationConverted: QuotationHandlers.converted},
    publishes=[
        QuotationCreated,
        QuotationRevised,
        QuotationSent,
        QuotationAccepted,
        QuotationDeclined,
        QuotationExpired,
        QuotationConverted,
    ],
    outbox_collections=[QUOTATIONS],
    queries=quotation_queries,
)
