"""Decimals stored as Decimal128 and read back digit for digit, the conversions remembered."""

from __future__ import annotations

import random
from decimal import Decimal, localcontext

import bson
import pytest
from bson.decimal128 import Decimal128, create_decimal128_context

from shared.storage.mongo import CODEC_OPTIONS, DecimalCodec

EXACT_FORMS = ["1", "1.0", "1.00", "0", "-0", "0E-10", "9.99", "-12.5", "1E+10", "NaN", "-NaN"]


def _converted_afresh(value: Decimal) -> Decimal128:
    with localcontext(create_decimal128_context()) as ctx:
        return Decimal128(ctx.create_decimal(value))


@pytest.mark.parametrize("text", [*EXACT_FORMS, "1E+6144", "Infinity", "sNaN", "9" * 40, "1E-6177"])
def test_a_decimal_is_stored_as_bson_converts_it_afresh(text: str) -> None:
    value = Decimal(text)
    assert DecimalCodec().transform_python(value).bid == _converted_afresh(value).bid


@pytest.mark.parametrize("text", EXACT_FORMS)
def test_a_decimal_reads_back_in_its_exact_form(text: str) -> None:
    stored = bson.encode({"amount": Decimal(text)}, codec_options=CODEC_OPTIONS)
    read = bson.decode(stored, codec_options=CODEC_OPTIONS)["amount"]
    assert isinstance(read, Decimal)
    assert str(read) == text


def test_equal_decimals_of_different_forms_are_not_taken_for_one_another() -> None:
    """``1.0 == 1.00`` as numbers: remembered by their form, each keeps its own."""
    codec = DecimalCodec()
    forms = [codec.transform_python(Decimal(text)) for text in ("1", "1.0", "1.00", "1.0", "1")]
    assert [str(form) for form in forms] == ["1", "1.0", "1.00", "1.0", "1"]
    assert [str(codec.transform_bson(form)) for form in forms] == ["1", "1.0", "1.00", "1.0", "1"]


def test_many_values_round_trip_as_a_fresh_conversion_does() -> None:
    rng = random.Random(27)
    codec = DecimalCodec()
    for _ in range(5000):  # more than are remembered: old ones are converted again
        value = Decimal(rng.randint(-(10**12), 10**12)).scaleb(rng.randint(-30, 30))
        stored = codec.transform_python(value)
        assert stored.bid == _converted_afresh(value).bid
        assert str(codec.transform_bson(stored)) == str(_converted_afresh(value).to_decimal())
