"""N1 in the validity rule: a renewal's window starts on its ``starts_on`` (the day after the
pass it renews ends) for every duration basis; fixed dates ignore it. Dates by hand."""

from datetime import date

import pytest

from wagtail_passes.rules.types import Hold, Redemption
from wagtail_passes.rules.validity import judge_day, validity_window

from ..rules import make_state, make_terms

RENEWAL_DAY = date(2027, 2, 1)


@pytest.mark.parametrize("basis", ["purchase", "payment", "first_use"])
def test_n1_renewal_window_starts_on_its_day_for_every_duration_basis(basis):
    terms = make_terms(validity_basis=basis, duration_days=30)
    # Bought (and paid) on 29 January, two days before the old pass's last day; first used
    # on 10 February: the window is 1 February - 3 March (28 days in February 2027).
    state = make_state(
        purchased_on=date(2027, 1, 29),
        paid_on=date(2027, 1, 29),
        redemptions=[Redemption(session_id=1, day=date(2027, 2, 10), attendees=1)],
        starts_on=RENEWAL_DAY,
    )
    window = validity_window(terms, state)
    assert (window.starts_on, window.ends_on) == (RENEWAL_DAY, date(2027, 3, 3))
    assert judge_day(terms, state, date(2027, 1, 31)).code == "not_started"
    assert judge_day(terms, state, RENEWAL_DAY) is None
    assert judge_day(terms, state, date(2027, 3, 3)) is None
    assert judge_day(terms, state, date(2027, 3, 4)).code == "expired"


def test_n1_a_late_payment_does_not_push_the_renewal_out_and_unpaid_has_not_started():
    terms = make_terms(validity_basis="payment", duration_days=30)
    late = make_state(paid_on=date(2027, 2, 10), starts_on=RENEWAL_DAY)
    assert validity_window(terms, late).starts_on == RENEWAL_DAY
    unpaid = make_state(paid=False, paid_on=None, starts_on=RENEWAL_DAY)
    assert validity_window(terms, unpaid).starts_on is None


def test_n1_holds_and_extensions_move_a_renewal_out_as_any_pass():
    terms = make_terms(validity_basis="purchase", duration_days=30)
    state = make_state(
        purchased_on=date(2027, 1, 29),
        starts_on=RENEWAL_DAY,
        holds=[Hold(starts_on=date(2027, 1, 25), ends_on=date(2027, 2, 3))],  # 3 days inside
        extended_days=2,
    )
    # 3 March + 2 days extended + 3 held days (1-3 February) = 8 March.
    assert validity_window(terms, state).ends_on == date(2027, 3, 8)


def test_n1_first_use_renewal_never_reports_a_first_use_conflict():
    terms = make_terms(validity_basis="first_use", duration_days=7)
    state = make_state(
        starts_on=RENEWAL_DAY,
        redemptions=[Redemption(session_id=1, day=date(2027, 2, 8), attendees=1)],
    )
    assert judge_day(terms, state, date(2027, 2, 2)) is None


def test_n1_fixed_dates_ignore_starts_on():
    terms = make_terms(
        validity_basis="fixed", fixed_start=date(2027, 1, 1), fixed_end=date(2027, 6, 30)
    )
    state = make_state(starts_on=RENEWAL_DAY)
    window = validity_window(terms, state)
    assert (window.starts_on, window.ends_on) == (date(2027, 1, 1), date(2027, 6, 30))
