"""A simulated storefront: logs in as its own RabbitMQ user and publishes cart events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractRobustConnection

from shared import names
from shared.contracts import (
    CartCheckedOut,
    CartCleared,
    CartCreated,
    CartCustomerIdentified,
    CartEvent,
    CartItemAdded,
    CartItemQuantityChanged,
    CartItemRemoved,
    ConfigureStorefront,
    DefinePriceList,
    ItemPrice,
    UnknownItemPolicy,
)
from tests.support.bus import Bus
from tests.support.factories import unique
from tests.support.servers import as_user


class Storefront:
    def __init__(self, amqp_url: str, storefront_id: str = "demo") -> None:
        self.storefront_id = storefront_id
        self.user = f"storefront-{storefront_id}"
        self.amqp_url = as_user(amqp_url, self.user)
        self._connection: AbstractRobustConnection | None = None

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect_robust(self.amqp_url)
        self.connection = self._connection
        self.channel: AbstractChannel = await self._connection.channel(publisher_confirms=True)
        self.events: AbstractExchange = await self.channel.get_exchange(names.EVENTS, ensure=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def publish(self, event: CartEvent, *, routing_key: str | None = None) -> None:
        """As a storefront does: persistent, JSON, its own user id (the broker checks it)."""
        await self.events.publish(
            aio_pika.Message(
                event.model_dump_json().encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=str(event.message_id),
                correlation_id=event.cart_id,
                type=event.type_name(),
                user_id=self.user,
            ),
            routing_key=routing_key or event.route,
        )

    async def publish_all(self, events: Sequence[CartEvent]) -> None:
        await asyncio.gather(*(self.publish(event) for event in events))


class CartScript:
    """The events of one cart, numbered as a storefront numbers them."""

    def __init__(self, cart_id: str, storefront_id: str = "demo") -> None:
        self.cart_id = cart_id
        self.storefront_id = storefront_id
        self.events: list[CartEvent] = []

    def _add(self, kind: type[CartEvent], **fields: Any) -> CartEvent:
        event = kind(
            storefront_id=self.storefront_id,
            cart_id=self.cart_id,
            sequence=len(self.events) + 1,
            **fields,
        )
        self.events.append(event)
        return event

    def created(self, branch_id: str = "B1", currency: str = "USD") -> CartEvent:
        return self._add(
            CartCreated,
            branch_id=branch_id,
            currency=currency,
            cart_url=f"https://shop.example/cart/{self.cart_id}",
        )

    def added(self, sku: str, quantity: str, price: str, **fields: Any) -> CartEvent:
        return self._add(
            CartItemAdded, sku=sku, quantity=Decimal(quantity), unit_price=Decimal(price), **fields
        )

    def changed(self, sku: str, quantity: str) -> CartEvent:
        return self._add(CartItemQuantityChanged, sku=sku, quantity=Decimal(quantity))

    def removed(self, sku: str) -> CartEvent:
        return self._add(CartItemRemoved, sku=sku)

    def identified(self, email: str, *, opted_in: bool = True) -> CartEvent:
        return self._add(
            CartCustomerIdentified,
            customer_id=f"C-{self.cart_id}",
            email=email,
            recovery_emails=opted_in,
        )

    def checked_out(self) -> CartEvent:
        return self._add(CartCheckedOut)

    def cleared(self) -> CartEvent:
        return self._add(CartCleared)


WEB_PRICES = (("A", "12.50"), ("B", "3.00"), ("C", "2.00"))
"""The demo storefront's price list: what its carts are worth, whatever it sends."""


async def configure_storefront(
    amqp_url: str,
    prices: tuple[tuple[str, str], ...] = WEB_PRICES,
    unknown_item: UnknownItemPolicy = UnknownItemPolicy.REFUSE,
    storefront_id: str = "demo",
    currency: str = "USD",
) -> None:
    """Give the storefront a price list (the order service must be running)."""
    async with Bus(amqp_url) as bus:
        price_list = unique("WEB")
        for command in (
            DefinePriceList(
                price_list_id=price_list,
                name="Web shop",
                currency=currency,
                prices=[ItemPrice(sku=sku, unit_price=Decimal(price)) for sku, price in prices],
                defined_by="olga",
            ),
            ConfigureStorefront(
                storefront_id=storefront_id,
                price_list_id=price_list,
                unknown_item=unknown_item,
                configured_by="olga",
            ),
        ):
            await bus.send(command, reply=True)
            assert (await bus.reply_for(command)).type != "CommandRejected"
