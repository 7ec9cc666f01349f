"""Validity windows V1-V4, holds V7, judged on the session day (V5)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tests.rules import MONDAY, make_state, make_terms
from wagtail_passes.rules.dates import local_date
from wagtail_passes.rules.types import Hold, Redemption, ValidityWindow
from wagtail_passes.rules.validity import (
    extend_for_holds,
    hold_covering,
    judge_day,
    merge_holds,
    validity_window,
)

LONDON = ZoneInfo("Europe/London")


def code(terms, state, day):
    verdict = judge_day(terms, state, day)
    return "ok" if verdict is None else verdict.code


# V1 -------------------------------------------------------------------------------------


def test_v1_duration_from_purchase_includes_final_day():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(purchased_on=date(2027, 3, 1))
    assert validity_window(terms, state) == ValidityWindow(date(2027, 3, 1), date(2027, 3, 31))
    assert code(terms, state, date(2027, 3, 1)) == "ok"
    assert code(terms, state, date(2027, 3, 31)) == "ok"
    assert code(terms, state, date(2027, 4, 1)) == "expired"


def test_v1_zero_duration_never_expires():
    terms = make_terms(validity_basis="purchase", duration_days=0)
    state = make_state(purchased_on=date(2027, 3, 1))
    assert validity_window(terms, state).ends_on is None
    assert code(terms, state, date(2099, 12, 31)) == "ok"


def test_v1_session_before_purchase_is_not_started():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(purchased_on=date(2027, 3, 5))
    verdict = judge_day(terms, state, date(2027, 3, 4))
    assert verdict.code == "not_started"
    assert verdict.message == "Valid from 5 March 2027; the session is on 4 March 2027"
    assert verdict.temporary


def test_v1_expired_message_names_both_dates():
    terms = make_terms(validity_basis="purchase", duration_days=9)
    state = make_state(purchased_on=date(2027, 3, 1))
    verdict = judge_day(terms, state, date(2027, 3, 12))
    assert verdict.code == "expired"
    assert verdict.message == "Valid only until 10 March 2027; the session is on 12 March 2027"
    assert not verdict.temporary


# V2 -------------------------------------------------------------------------------------


def test_v2_window_starts_on_payment():
    terms = make_terms(validity_basis="payment", duration_days=10)
    state = make_state(purchased_on=date(2027, 3, 1), paid_on=date(2027, 3, 5))
    assert validity_window(terms, state) == ValidityWindow(date(2027, 3, 5), date(2027, 3, 15))
    assert code(terms, state, date(2027, 3, 4)) == "not_started"
    assert code(terms, state, date(2027, 3, 15)) == "ok"
    assert code(terms, state, date(2027, 3, 16)) == "expired"


def test_v2_unpaid_window_has_not_started():
    terms = make_terms(validity_basis="payment", duration_days=10)
    state = make_state(paid=False, paid_on=None)
    assert validity_window(terms, state) == ValidityWindow(None, None)
    verdict = judge_day(terms, state, MONDAY)
    assert (verdict.code, verdict.temporary) == ("not_started", True)
    assert verdict.message == "Starts when payment is confirmed"


# V3 -------------------------------------------------------------------------------------


def test_v3_first_use_includes_final_day():
    """A 7-day pass first used Monday 19:00 books the next Monday 19:00, not the Tuesday."""
    first = local_date(datetime(2027, 3, 1, 19, 0, tzinfo=LONDON), LONDON)
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(redemptions=(Redemption(1, first, 1),))
    next_monday = local_date(datetime(2027, 3, 8, 19, 0, tzinfo=LONDON), LONDON)
    next_tuesday = local_date(datetime(2027, 3, 9, 19, 0, tzinfo=LONDON), LONDON)
    assert code(terms, state, next_monday) == "ok"
    assert code(terms, state, next_tuesday) == "expired"


def test_v3_unused_pass_has_no_window_yet():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    assert validity_window(terms, make_state()) == ValidityWindow(None, None)


def test_v3_first_use_can_be_any_session():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(purchased_on=date(2027, 1, 1))
    window = validity_window(terms, state, extra_first_use_day=date(2027, 6, 20))
    assert window == ValidityWindow(date(2027, 6, 20), date(2027, 6, 27))
    assert code(terms, state, date(2027, 6, 20)) == "ok"


def test_v3_earlier_booking_never_strands_a_later_one():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(redemptions=(Redemption(1, date(2027, 3, 20), 1),))
    assert code(terms, state, date(2027, 3, 13)) == "ok"  # window 13-20 still holds the 20th
    verdict = judge_day(terms, state, date(2027, 3, 12))
    assert verdict.code == "first_use_conflict"
    assert verdict.message == (
        "Cannot start on 12 March 2027: its 7-day window would end on 19 March 2027, "
        "before the session on 20 March 2027 already booked with it"
    )


def test_v3_window_starts_at_earliest_of_booked_and_candidate():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(
        redemptions=(Redemption(1, date(2027, 3, 20)), Redemption(2, date(2027, 3, 18)))
    )
    assert validity_window(terms, state).starts_on == date(2027, 3, 18)
    window = validity_window(terms, state, extra_first_use_day=date(2027, 3, 15))
    assert window == ValidityWindow(date(2027, 3, 15), date(2027, 3, 22))


def test_v3_an_old_stranding_is_not_blamed_on_a_later_candidate():
    """A hold lifted after booking can leave a day outside; later bookings stay judged alone."""
    terms = make_terms(validity_basis="first_use", duration_days=7)
    booked = (Redemption(1, date(2027, 3, 1)), Redemption(2, date(2027, 3, 12)))
    state = make_state(redemptions=booked)
    assert code(terms, state, date(2027, 3, 5)) == "ok"


def test_v3_holds_before_first_use_do_not_move_the_end():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(holds=(Hold(date(2027, 2, 1), date(2027, 2, 10)),))
    window = validity_window(terms, state, extra_first_use_day=MONDAY)
    assert window == ValidityWindow(MONDAY, date(2027, 3, 8))


# V4 -------------------------------------------------------------------------------------


def test_v4_fixed_dates_whatever_the_purchase_date():
    terms = make_terms(
        validity_basis="fixed", fixed_start=date(2027, 9, 1), fixed_end=date(2028, 6, 30)
    )
    for purchased_on in (date(2027, 5, 1), date(2027, 12, 1)):
        state = make_state(purchased_on=purchased_on)
        assert code(terms, state, date(2027, 8, 31)) == "not_started"
        assert code(terms, state, date(2027, 9, 1)) == "ok"
        assert code(terms, state, date(2028, 6, 30)) == "ok"
        assert code(terms, state, date(2028, 7, 1)) == "expired"


def test_v4_fixed_end_only_is_valid_from_purchase():
    terms = make_terms(validity_basis="fixed", fixed_end=date(2027, 6, 30))
    state = make_state(purchased_on=date(2027, 3, 10))
    assert validity_window(terms, state) == ValidityWindow(date(2027, 3, 10), date(2027, 6, 30))


def test_v4_fixed_start_only_never_expires():
    terms = make_terms(validity_basis="fixed", fixed_start=date(2027, 9, 1))
    assert validity_window(terms, make_state()).ends_on is None


def test_v4_duration_is_ignored_for_fixed_dates():
    terms = make_terms(
        validity_basis="fixed",
        duration_days=3,
        fixed_start=date(2027, 9, 1),
        fixed_end=date(2027, 9, 30),
    )
    assert validity_window(terms, make_state()).ends_on == date(2027, 9, 30)


# V7 -------------------------------------------------------------------------------------


def test_v7_hold_moves_expiry_and_blocks_days_inside():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(
        purchased_on=date(2027, 3, 1), holds=(Hold(date(2027, 3, 10), date(2027, 3, 16)),)
    )
    assert validity_window(terms, state) == ValidityWindow(
        date(2027, 3, 1), date(2027, 4, 7), hold_days=7
    )
    verdict = judge_day(terms, state, date(2027, 3, 12))
    assert (verdict.code, verdict.temporary) == ("on_hold", True)
    assert verdict.message == "On hold until 16 March 2027"
    assert code(terms, state, date(2027, 3, 9)) == "ok"
    assert code(terms, state, date(2027, 3, 17)) == "ok"
    assert code(terms, state, date(2027, 4, 7)) == "ok"
    assert code(terms, state, date(2027, 4, 8)) == "expired"


def test_v7_hold_after_the_end_changes_nothing():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(
        purchased_on=date(2027, 3, 1), holds=(Hold(date(2027, 4, 1), date(2027, 4, 10)),)
    )
    assert validity_window(terms, state).ends_on == date(2027, 3, 31)


def test_v7_hold_across_the_end_moves_it_by_its_whole_length():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(
        purchased_on=date(2027, 3, 1), holds=(Hold(date(2027, 3, 28), date(2027, 4, 3)),)
    )
    assert validity_window(terms, state).ends_on == date(2027, 4, 7)
    assert code(terms, state, date(2027, 4, 2)) == "on_hold"
    assert code(terms, state, date(2027, 4, 4)) == "ok"


def test_v7_hold_starting_before_the_window_counts_only_days_inside_it():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(
        purchased_on=date(2027, 3, 1), holds=(Hold(date(2027, 2, 25), date(2027, 3, 3)),)
    )
    assert validity_window(terms, state).ends_on == date(2027, 4, 3)


def test_v7_overlapping_holds_count_each_day_once():
    holds = (Hold(date(2027, 3, 10), date(2027, 3, 15)), Hold(date(2027, 3, 12), date(2027, 3, 20)))
    assert merge_holds(holds) == (Hold(date(2027, 3, 10), date(2027, 3, 20)),)
    end, moved = extend_for_holds(date(2027, 3, 1), date(2027, 3, 31), holds)
    assert (end, moved) == (date(2027, 4, 11), 11)


def test_v7_a_second_hold_inside_the_moved_window_also_counts():
    holds = (Hold(date(2027, 3, 30), date(2027, 4, 2)), Hold(date(2027, 4, 4), date(2027, 4, 6)))
    end, moved = extend_for_holds(date(2027, 3, 1), date(2027, 3, 31), holds)
    assert (end, moved) == (date(2027, 4, 7), 7)


def test_v7_touching_holds_report_the_last_day():
    holds = (Hold(date(2027, 3, 10), date(2027, 3, 12)), Hold(date(2027, 3, 13), date(2027, 3, 14)))
    assert hold_covering(holds, date(2027, 3, 11)) == Hold(date(2027, 3, 10), date(2027, 3, 14))
    assert hold_covering(holds, date(2027, 3, 15)) is None


def test_v7_hold_blocks_a_pass_without_expiry_and_moves_nothing():
    terms = make_terms(validity_basis="purchase", duration_days=0)
    state = make_state(holds=(Hold(date(2027, 3, 10), date(2027, 3, 16)),))
    assert validity_window(terms, state).ends_on is None
    assert code(terms, state, date(2027, 3, 10)) == "on_hold"


def test_v7_hold_moves_a_fixed_season_end():
    terms = make_terms(
        validity_basis="fixed", fixed_start=date(2027, 9, 1), fixed_end=date(2027, 9, 30)
    )
    state = make_state(holds=(Hold(date(2027, 9, 10), date(2027, 9, 11)),))
    assert validity_window(terms, state).ends_on == date(2027, 10, 2)


def test_v7_expired_wins_over_hold():
    terms = make_terms(validity_basis="purchase", duration_days=5)
    state = make_state(
        purchased_on=date(2027, 3, 1), holds=(Hold(date(2027, 3, 20), date(2027, 3, 25)),)
    )
    assert code(terms, state, date(2027, 3, 21)) == "expired"


hold_strategy = st.builds(
    lambda start, length: Hold(start, start + timedelta(days=length)),
    st.dates(date(2027, 1, 1), date(2027, 6, 30)),
    st.integers(0, 20),
)


@given(
    start=st.dates(date(2027, 1, 1), date(2027, 6, 30)),
    duration=st.integers(1, 90),
    holds=st.lists(hold_strategy, max_size=5),
)
def test_v7_property_holds_stop_the_clock(start, duration, holds):
    """The moved window always holds exactly duration + 1 usable days and ends on one."""
    end, moved = extend_for_holds(start, start + timedelta(days=duration), holds)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    usable = [d for d in days if hold_covering(holds, d) is None]
    assert len(usable) == duration + 1
    assert hold_covering(holds, end) is None
    assert moved == len(days) - len(usable)
