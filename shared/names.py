"""Every exchange, routing key and queue name of the system, in one place.

Commands travel on ``oms.commands`` as ``<service>.<verb>``; events on ``oms.events`` as
``<service>.<past_tense>``. Each consuming service owns durable queues named
``<service>.<what>``; a queue's dead letters go to ``oms.dlx`` with the queue's name as routing
key and land in ``<queue>.dlq``.
"""

from typing import Final

COMMANDS: Final = "oms.commands"
EVENTS: Final = "oms.events"
DEAD_LETTERS: Final = "oms.dlx"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def command_rejected(service: str) -> str:
    return f"{service}.command_rejected"


class Order:
    SERVICE: Final = "order"
    # commands
    CREATE_PURCHASE_ORDER: Final = "order.create_purchase_order"
    CREATE_SALES_ORDER: Final = "order.create_sales_order"
    UPDATE: Final = "order.update"
    SUBMIT: Final = "order.submit"
    CANCEL: Final = "order.cancel"
    # events
    CREATED: Final = "order.created"
    UPDATED: Final = "order.updated"
    SUBMITTED: Final = "order.submitted"
    APPROVED: Final = "order.approved"
    REJECTED: Final = "order.rejected"
    CANCELLED: Final = "order.cancelled"
    COMMAND_REJECTED: Final = "order.command_rejected"
    # queues
    COMMANDS_QUEUE: Final = "order.commands"
    APPROVAL_PENDING_QUEUE: Final = "order.approval-pending"
    APPROVAL_APPROVED_QUEUE: Final = "order.approval-approved"
    APPROVAL_REJECTED_QUEUE: Final = "order.approval-rejected"
    GOODS_RECEIVED_QUEUE: Final = "order.goods-received"
    GOODS_ISSUED_QUEUE: Final = "order.goods-issued"
    STOCK_RESERVED_QUEUE: Final = "order.stock-reserved"
    RESERVATION_CONFIRMED_QUEUE: Final = "order.reservation-confirmed"
    RESERVATION_RELEASED_QUEUE: Final = "order.reservation-released"


class Approval:
    SERVICE: Final = "approval"
    # commands
    DEFINE_CYCLE: Final = "approval.define_cycle"
    ASSIGN_PARTY: Final = "approval.assign_party"
    UNASSIGN_PARTY: Final = "approval.unassign_party"
    UPSERT_USER: Final = "approval.upsert_user"
    APPROVE: Final = "approval.approve"
    REJECT: Final = "approval.reject"
    # events
    PENDING: Final = "approval.pending"
    APPROVED: Final = "approval.approved"
    REJECTED: Final = "approval.rejected"
    CYCLE_DEFINED: Final = "approval.cycle_defined"
    PARTY_ASSIGNED: Final = "approval.party_assigned"
    PARTY_UNASSIGNED: Final = "approval.party_unassigned"
    USER_UPSERTED: Final = "approval.user_upserted"
    COMMAND_REJECTED: Final = "approval.command_rejected"
    # queues
    COMMANDS_QUEUE: Final = "approval.commands"
    ORDER_SUBMITTED_QUEUE: Final = "approval.order-submitted"
    ORDER_CANCELLED_QUEUE: Final = "approval.order-cancelled"


class Inventory:
    SERVICE: Final = "inventory"
    # commands
    DEFINE_ITEM: Final = "inventory.define_item"
    DEFINE_LOCATION: Final = "inventory.define_location"
    SET_OPENING_BALANCE: Final = "inventory.set_opening_balance"
    ADJUST_STOCK: Final = "inventory.adjust_stock"
    RECEIVE_GOODS: Final = "inventory.receive_goods"
    ISSUE_GOODS: Final = "inventory.issue_goods"
    # events
    ITEM_DEFINED: Final = "inventory.item_defined"
    LOCATION_DEFINED: Final = "inventory.location_defined"
    OPENING_BALANCE_SET: Final = "inventory.opening_balance_set"
    STOCK_ADJUSTED: Final = "inventory.stock_adjusted"
    GOODS_RECEIVED: Final = "inventory.goods_received"
    GOODS_ISSUED: Final = "inventory.goods_issued"
    STOCK_RESERVED: Final = "inventory.stock_reserved"
    RESERVATION_CONFIRMED: Final = "inventory.reservation_confirmed"
    RESERVATION_RELEASED: Final = "inventory.reservation_released"
    STOCK_MOVED: Final = "inventory.stock_moved"
    COMMAND_REJECTED: Final = "inventory.command_rejected"
    # queues
    COMMANDS_QUEUE: Final = "inventory.commands"
    ORDER_SUBMITTED_QUEUE: Final = "inventory.order-submitted"
    ORDER_APPROVED_QUEUE: Final = "inventory.order-approved"
    ORDER_REJECTED_QUEUE: Final = "inventory.order-rejected"
    ORDER_CANCELLED_QUEUE: Final = "inventory.order-cancelled"
    LEDGER_QUEUE: Final = "inventory.ledger"


class Billing:
    SERVICE: Final = "billing"
    # commands
    DEFINE_PLAN: Final = "billing.define_plan"
    # events
    PLAN_DEFINED: Final = "billing.plan_defined"
    COMMAND_REJECTED: Final = "billing.command_rejected"
    # queues
    COMMANDS_QUEUE: Final = "billing.commands"


class Notification:
    SERVICE: Final = "notification"
    # events
    EMAIL_SENT: Final = "notification.email_sent"
    EMAIL_FAILED: Final = "notification.email_failed"
    # queues
    APPROVAL_PENDING_QUEUE: Final = "notification.approval-pending"
    APPROVAL_APPROVED_QUEUE: Final = "notification.approval-approved"
    APPROVAL_REJECTED_QUEUE: Final = "notification.approval-rejected"
