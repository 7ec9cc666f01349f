"""Whether a product can be bought now (rules.selling): stock (A1), sale window and archive
(A2), the end of fixed validity dates, and access codes (U6)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from wagtail_passes.rules.selling import (
    ARCHIVED,
    AVAILABLE,
    CODE_REQUIRED,
    NO_LONGER_ON_SALE,
    NOT_YET_ON_SALE,
    SOLD_OUT,
    sale_state,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def state(**values):
    return sale_state(now=NOW, tz=LONDON, **values)


def test_a1_a2_available_by_default():
    result = state()
    assert (result.code, result.can_buy, result.tone) == (AVAILABLE, True, "ok")
    assert result.message == "Available."


def test_a1_sold_out_when_sold_reaches_the_limit():
    assert state(stock_limit=5, sold=4).code == AVAILABLE
    result = state(stock_limit=5, sold=5)
    assert (result.code, result.can_buy, result.tone) == (SOLD_OUT, False, "bad")
    assert state(stock_limit=5, sold=9).code == SOLD_OUT
    assert state(stock_limit=0, sold=0).code == SOLD_OUT


def test_a2_not_yet_on_sale_names_the_local_date_and_time():
    result = state(sale_starts_at=datetime(2027, 4, 1, 8, 0, tzinfo=UTC))
    assert (result.code, result.can_buy, result.tone) == (NOT_YET_ON_SALE, False, "warn")
    # 08:00 UTC is 09:00 in London (summer time).
    assert result.message == "Not on sale yet: on sale from 1 April 2027, 09:00."
    assert result.on_sale_from == datetime(2027, 4, 1, 8, 0, tzinfo=UTC)


def test_a2_local_midnight_start_names_only_the_date():
    result = state(sale_starts_at=datetime(2027, 3, 20, 0, 0, tzinfo=LONDON))
    assert result.message == "Not on sale yet: on sale from 20 March 2027."


def test_a2_sale_start_is_inclusive_and_sale_end_exclusive():
    assert state(sale_starts_at=NOW).code == AVAILABLE
    assert state(sale_ends_at=NOW).code == NO_LONGER_ON_SALE
    assert state(sale_ends_at=datetime(2027, 3, 10, 12, 1, tzinfo=UTC)).code == AVAILABLE


def test_a2_no_longer_on_sale():
    result = state(sale_ends_at=datetime(2027, 3, 1, tzinfo=UTC))
    assert (result.code, result.can_buy, result.message) == (
        NO_LONGER_ON_SALE,
        False,
        "No longer on sale.",
    )


def test_a2_archived_wins_over_everything():
    result = state(
        is_archived=True,
        sale_ends_at=datetime(2027, 3, 1, tzinfo=UTC),
        stock_limit=1,
        sold=1,
        access_code_required=True,
    )
    assert (result.code, result.can_buy, result.message) == (
        ARCHIVED,
        False,
        "No longer available.",
    )


def test_v4_fixed_dates_over_stop_the_sale_judged_in_the_site_time_zone():
    assert state(fixed_end=date(2027, 3, 10)).code == AVAILABLE
    result = state(fixed_end=date(2027, 3, 9))
    assert result.code == NO_LONGER_ON_SALE
    assert result.message == "No longer on sale: its validity ended on 9 March 2027."
    # 23:30 UTC on the 9th is already the 10th in Tokyo.
    late = datetime(2027, 3, 9, 23, 30, tzinfo=UTC)
    assert sale_state(now=late, tz=LONDON, fixed_end=date(2027, 3, 9)).code == AVAILABLE
    tokyo = sale_state(now=late, tz=ZoneInfo("Asia/Tokyo"), fixed_end=date(2027, 3, 9))
    assert tokyo.code == NO_LONGER_ON_SALE


def test_u6_code_required_can_still_be_bought():
    result = state(access_code_required=True)
    assert (result.code, result.can_buy, result.tone) == (CODE_REQUIRED, True, "ok")
    assert "access code" in result.message and "checkout" in result.message


@pytest.mark.parametrize(
    "values, code",
    [
        ({"stock_limit": 1, "sold": 1, "access_code_required": True}, SOLD_OUT),
        ({"sale_starts_at": datetime(2027, 4, 1, tzinfo=UTC), "stock_limit": 0}, NOT_YET_ON_SALE),
        (
            {
                "sale_starts_at": datetime(2027, 4, 1, tzinfo=UTC),
                "sale_ends_at": datetime(2027, 3, 1, tzinfo=UTC),
            },
            NO_LONGER_ON_SALE,
        ),
    ],
)
def test_the_first_reason_wins(values, code):
    assert state(**values).code == code
