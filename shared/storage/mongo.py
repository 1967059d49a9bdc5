"""The asyncio MongoDB client (PyMongo's ``AsyncMongoClient``) with the codecs the system needs.

Money and quantities are ``Decimal`` in Python and ``Decimal128`` in MongoDB; datetimes are
timezone-aware UTC both ways.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

from bson.codec_options import CodecOptions, TypeCodec, TypeRegistry
from bson.decimal128 import Decimal128, create_decimal128_context
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

Document = dict[str, Any]

_D128 = create_decimal128_context()


class DecimalCodec(TypeCodec):
    python_type = Decimal
    bson_type = Decimal128

    def transform_python(self, value: Decimal) -> Decimal128:
        with localcontext(_D128) as ctx:
            return Decimal128(ctx.create_decimal(value))

    def transform_bson(self, value: Decimal128) -> Decimal:
        return value.to_decimal()


CODEC_OPTIONS: CodecOptions[Document] = CodecOptions(
    tz_aware=True, type_registry=TypeRegistry([DecimalCodec()])
)


def connect(url: str, *, app_name: str) -> AsyncMongoClient[Document]:
    """A client that fails fast enough for health checks and retries writes once on failover."""
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        retryWrites=True,
        retryReads=True,
    )


def database(client: AsyncMongoClient[Document], name: str) -> AsyncDatabase[Document]:
    return client.get_database(name, codec_options=CODEC_OPTIONS)


async def ping(db: AsyncDatabase[Document]) -> bool:
    try:
        await db.command("ping")
    except Exception:
        return False
    return True
