"""Dates dd/mm/yyyy and decimal commas in Vietnamese, as agencies write them."""

import datetime
from decimal import Decimal

from django.template import Context, Template
from django.utils import formats, translation


def test_vietnamese_short_dates_and_decimal_commas():
    with translation.override("vi"):
        assert formats.date_format(datetime.date(2025, 7, 1), "SHORT_DATE_FORMAT") == "01/07/2025"
        assert formats.number_format(Decimal("85.5"), 1) == "85,5"
        assert formats.number_format(3321, force_grouping=True) == "3.321"
        html = Template('{{ d|date:"SHORT_DATE_FORMAT" }} {{ x|floatformat:1 }}').render(
            Context({"d": datetime.date(2025, 6, 30), "x": 75.25})
        )
        assert html == "30/06/2025 75,2" or html == "30/06/2025 75,3"


def test_vietnamese_date_input_is_day_first():
    with translation.override("vi"):
        assert "%d/%m/%Y" == formats.get_format("DATE_INPUT_FORMATS")[0]


def test_english_keeps_day_first_dates_and_decimal_point():
    with translation.override("en"):
        assert formats.date_format(datetime.date(2025, 7, 1), "SHORT_DATE_FORMAT") == "01/07/2025"
        assert formats.number_format(Decimal("85.5"), 1) == "85.5"
