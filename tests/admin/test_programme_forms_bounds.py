"""Bounds of the programme, class and schedule forms: every out-of-range value a browser can
send is refused with a message next to its field (never a 500) and changes nothing.

Programme: booking opens at most 730 days before, closes at most 10,080 minutes (a week)
before, cancellation cutoff at most 720 hours, default capacity 1-10,000, prices up to
1,000,000. Class: capacity 1-10,000 when set, 1-1,000 credits per session. Schedule: dates in
2000-2100 and at most three years apart, capacity 1-10,000, 1-1,440 minutes.
"""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup

from wagtail_passes.models import LinkPool, Programme, ProgrammeClass, Schedule, Session
from wagtail_passes.test.factories import (
    LinkPoolFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    ScheduleFactory,
)

from . import admin_url, edit_form_data, error_shown_next_to
from .test_classes_admin import class_data
from .test_programmes_admin import class_row, programme_data
from .test_schedules_admin import schedule_data

pytestmark = pytest.mark.django_db

BEYOND_THE_DATABASE = "99999999999999999999"  # more than any integer column holds
HUGE = "999999999999"
TEN_TO_THE_12 = "1000000000000"
LESS_OR_EQUAL = "Ensure this value is less than or equal to"
AT_LEAST_0 = "Ensure this value is greater than or equal to 0."
AT_LEAST_1 = "Ensure this value is greater than or equal to 1."
YEARS = "Enter a date between 2000 and 2100."
INVALID_CHOICE = "Select a valid choice."
RULE_ID_IN_PARENTHESES = re.compile(r"\([^)]*\b[A-Z]{1,3}\d{1,2}\b[^)]*\)")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def everything():
    """Row counts of every model these forms could write to."""
    return {
        model.__name__: model.objects.count()
        for model in (Programme, LinkPool, ProgrammeClass, Schedule, Session)
    }


def row(obj):
    return type(obj).objects.filter(pk=obj.pk).values().get()


def assert_refused_next_to(response, field, message, *, field_id=None, errors=None):
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors if errors is None else errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert message in error_shown_next_to(response, field_id or f"id_{field}")
    assert not RULE_ID_IN_PARENTHESES.search(str(errors)), errors


# Programmes ----------------------------------------------------------------------------------

PROGRAMME_OUT_OF_RANGE = {
    "booking_opens_over_two_years": ("booking_opens_days_before", "731", f"{LESS_OR_EQUAL} 730."),
    "booking_opens_beyond_the_database": (
        "booking_opens_days_before",
        BEYOND_THE_DATABASE,
        f"{LESS_OR_EQUAL} 730.",
    ),
    "booking_opens_negative": ("booking_opens_days_before", "-1", AT_LEAST_0),
    "booking_closes_over_a_week": (
        "booking_closes_minutes_before",
        "10081",
        f"{LESS_OR_EQUAL} 10080.",
    ),
    "booking_closes_huge": ("booking_closes_minutes_before", HUGE, f"{LESS_OR_EQUAL} 10080."),
    "cutoff_over_30_days": ("cancellation_cutoff_hours", "721", f"{LESS_OR_EQUAL} 720."),
    "cutoff_beyond_the_database": (
        "cancellation_cutoff_hours",
        BEYOND_THE_DATABASE,
        f"{LESS_OR_EQUAL} 720.",
    ),
    "checkin_over_a_day": ("checkin_opens_minutes", "1441", f"{LESS_OR_EQUAL} 1440."),
    "checkin_beyond_the_database": (
        "checkin_opens_minutes",
        BEYOND_THE_DATABASE,
        f"{LESS_OR_EQUAL} 1440.",
    ),
    "capacity_zero": ("default_capacity", "0", AT_LEAST_1),
    "capacity_over_10000": ("default_capacity", "10001", f"{LESS_OR_EQUAL} 10000."),
    "capacity_huge": ("default_capacity", HUGE, f"{LESS_OR_EQUAL} 10000."),
    "price_over_a_million": ("default_unit_price", "1000000.01", f"{LESS_OR_EQUAL} 1000000."),
    "price_ten_to_the_12": ("default_unit_price", TEN_TO_THE_12, LESS_OR_EQUAL),
}
PROGRAMME_IDS = [f"bounds_{name}" for name in PROGRAMME_OUT_OF_RANGE]


@pytest.mark.parametrize("case", PROGRAMME_OUT_OF_RANGE, ids=PROGRAMME_IDS)
def test_bounds_programme_create_refuses(admin, case):
    field, value, message = PROGRAMME_OUT_OF_RANGE[case]
    before = everything()

    response = admin.post(admin_url("programme", "create"), programme_data(**{field: value}))

    assert_refused_next_to(response, field, message)
    assert everything() == before


@pytest.mark.parametrize("case", PROGRAMME_OUT_OF_RANGE, ids=PROGRAMME_IDS)
def test_bounds_programme_edit_refuses(admin, case):
    field, value, message = PROGRAMME_OUT_OF_RANGE[case]
    programme = ProgrammeFactory(booking_opens_days_before=30)
    ProgrammeClassFactory(programme=programme, name="Flow", capacity=8)
    url = admin_url("programme", "edit", programme.pk)
    data = edit_form_data(admin.get(url), **{field: value})
    before, counts = row(programme), everything()

    response = admin.post(url, data)

    assert_refused_next_to(response, field, message)
    assert row(programme) == before
    assert everything() == counts


def test_bounds_programme_at_the_limits_is_accepted(admin):
    response = admin.post(
        admin_url("programme", "create"),
        programme_data(
            booking_opens_days_before="730",
            booking_closes_minutes_before="10080",
            cancellation_cutoff_hours="720",
            default_capacity="10000",
            default_unit_price="1000000.00",
        ),
    )

    assert response.status_code == 302
    programme = Programme.objects.get()
    assert (programme.default_capacity, programme.cancellation_cutoff_hours) == (10000, 720)


# Classes (in the programme's inline and on their own) ----------------------------------------

CLASS_OUT_OF_RANGE = {
    "capacity_zero": ("capacity", "0", AT_LEAST_1),
    "capacity_negative": ("capacity", "-2", AT_LEAST_1),
    "capacity_over_10000": ("capacity", "10001", f"{LESS_OR_EQUAL} 10000."),
    "capacity_beyond_the_database": ("capacity", BEYOND_THE_DATABASE, f"{LESS_OR_EQUAL} 10000."),
    "credit_cost_zero": ("credit_cost", "0", AT_LEAST_1),
    "credit_cost_over_1000": ("credit_cost", "1001", f"{LESS_OR_EQUAL} 1000."),
    "credit_cost_huge": ("credit_cost", HUGE, f"{LESS_OR_EQUAL} 1000."),
    "unit_price_over_a_million": ("unit_price", "1000000.01", f"{LESS_OR_EQUAL} 1000000."),
    "unit_price_ten_to_the_12": ("unit_price", TEN_TO_THE_12, LESS_OR_EQUAL),
}
CLASS_IDS = [f"bounds_{name}" for name in CLASS_OUT_OF_RANGE]


@pytest.mark.parametrize("case", CLASS_OUT_OF_RANGE, ids=CLASS_IDS)
def test_bounds_inline_class_of_a_new_programme_refuses(admin, case):
    field, value, message = CLASS_OUT_OF_RANGE[case]
    before = everything()

    response = admin.post(
        admin_url("programme", "create"), programme_data(classes=[class_row(**{field: value})])
    )

    inline = response.context["form"].formsets["classes"].forms[0]
    assert_refused_next_to(
        response, field, message, field_id=f"id_classes-0-{field}", errors=inline.errors
    )
    assert everything() == before


@pytest.mark.parametrize("case", CLASS_OUT_OF_RANGE, ids=CLASS_IDS)
def test_bounds_inline_class_of_an_existing_programme_refuses(admin, case):
    field, value, message = CLASS_OUT_OF_RANGE[case]
    programme = ProgrammeFactory()
    flow = ProgrammeClassFactory(programme=programme, name="Flow", capacity=8)
    url = admin_url("programme", "edit", programme.pk)
    data = edit_form_data(admin.get(url), **{f"classes-0-{field}": value})
    before, counts = row(flow), everything()

    response = admin.post(url, data)

    inline = response.context["form"].formsets["classes"].forms[0]
    assert_refused_next_to(
        response, field, message, field_id=f"id_classes-0-{field}", errors=inline.errors
    )
    assert row(flow) == before
    assert everything() == counts


CLASS_FORM_OUT_OF_RANGE = {
    **CLASS_OUT_OF_RANGE,
    "programme_id_beyond_the_database": ("programme", BEYOND_THE_DATABASE, INVALID_CHOICE),
    "link_pool_id_beyond_the_database": ("link_pool", BEYOND_THE_DATABASE, INVALID_CHOICE),
}
CLASS_FORM_IDS = [f"bounds_{name}" for name in CLASS_FORM_OUT_OF_RANGE]


@pytest.mark.parametrize("case", CLASS_FORM_OUT_OF_RANGE, ids=CLASS_FORM_IDS)
def test_bounds_class_create_refuses(admin, case):
    field, value, message = CLASS_FORM_OUT_OF_RANGE[case]
    programme = ProgrammeFactory()
    before = everything()

    data = {**class_data(programme), field: value}

    response = admin.post(admin_url("programmeclass", "create"), data)

    assert_refused_next_to(response, field, message)
    assert everything() == before


@pytest.mark.parametrize("case", CLASS_FORM_OUT_OF_RANGE, ids=CLASS_FORM_IDS)
def test_bounds_class_edit_refuses(admin, case):
    field, value, message = CLASS_FORM_OUT_OF_RANGE[case]
    pool = LinkPoolFactory()
    flow = ProgrammeClassFactory(programme=pool.programme, name="Flow", capacity=8, link_pool=pool)
    data = {**class_data(pool.programme, name="Flow", link_pool=str(pool.pk)), field: value}
    before, counts = row(flow), everything()

    response = admin.post(admin_url("programmeclass", "edit", flow.pk), data)

    assert_refused_next_to(response, field, message)
    assert row(flow) == before
    assert everything() == counts


def test_bounds_class_at_the_limits_is_accepted(admin):
    programme = ProgrammeFactory()

    response = admin.post(
        admin_url("programmeclass", "create"),
        class_data(programme, capacity="10000", credit_cost="1000", unit_price="1000000"),
    )

    assert response.status_code == 302
    assert ProgrammeClass.objects.get().credit_cost == 1000


# Schedules -----------------------------------------------------------------------------------

SCHEDULE_OUT_OF_RANGE = {
    "starts_in_year_9999": ({"starts_on": "9999-01-04"}, "starts_on", YEARS),
    "starts_in_year_1999": ({"starts_on": "1999-12-27"}, "starts_on", YEARS),
    "ends_in_year_9999": ({"ends_on": "9999-12-31"}, "ends_on", YEARS),
    "runs_over_three_years": (
        {"starts_on": "2031-01-06", "ends_on": "2034-01-07"},
        "ends_on",
        "A schedule can run for at most 3 years; the last day can be 2034-01-06 at the latest.",
    ),
    "capacity_zero": ({"capacity": "0"}, "capacity", AT_LEAST_1),
    "capacity_over_10000": ({"capacity": "10001"}, "capacity", f"{LESS_OR_EQUAL} 10000."),
    "capacity_beyond_the_database": (
        {"capacity": BEYOND_THE_DATABASE},
        "capacity",
        f"{LESS_OR_EQUAL} 10000.",
    ),
    "duration_over_a_day": ({"duration_minutes": "1441"}, "duration_minutes", LESS_OR_EQUAL),
    "duration_huge": ({"duration_minutes": HUGE}, "duration_minutes", f"{LESS_OR_EQUAL} 1440."),
    "duration_negative": ({"duration_minutes": "-5"}, "duration_minutes", AT_LEAST_1),
    "class_id_beyond_the_database": (
        {"programme_class": BEYOND_THE_DATABASE},
        "programme_class",
        INVALID_CHOICE,
    ),
}
SCHEDULE_IDS = [f"bounds_{name}" for name in SCHEDULE_OUT_OF_RANGE]


@pytest.mark.parametrize("case", SCHEDULE_OUT_OF_RANGE, ids=SCHEDULE_IDS)
def test_bounds_schedule_create_refuses(admin, case):
    changes, field, message = SCHEDULE_OUT_OF_RANGE[case]
    programme_class = ProgrammeClassFactory()
    data = {**schedule_data(programme_class), **changes}
    before = everything()

    response = admin.post(admin_url("schedule", "create"), data)

    assert_refused_next_to(response, field, message)
    assert everything() == before


@pytest.mark.parametrize("case", SCHEDULE_OUT_OF_RANGE, ids=SCHEDULE_IDS)
def test_bounds_schedule_edit_refuses(admin, case):
    changes, field, message = SCHEDULE_OUT_OF_RANGE[case]
    schedule = ScheduleFactory(starts_on=dt.date(2031, 1, 6), capacity=8)
    data = {**schedule_data(schedule.programme_class), **changes}
    before, counts = row(schedule), everything()

    response = admin.post(admin_url("schedule", "edit", schedule.pk), data)

    assert_refused_next_to(response, field, message)
    assert row(schedule) == before
    assert everything() == counts


def test_bounds_schedule_of_exactly_three_years_is_accepted(admin):
    programme_class = ProgrammeClassFactory()

    response = admin.post(
        admin_url("schedule", "create"),
        schedule_data(
            programme_class,
            starts_on="2031-01-06",
            ends_on="2034-01-06",
            capacity="10000",
            duration_minutes="1440",
        ),
    )

    assert response.status_code == 302
    assert Schedule.objects.get().capacity == 10000


def test_bounds_schedule_from_29_february_may_end_on_28_february(admin):
    programme_class = ProgrammeClassFactory()

    response = admin.post(
        admin_url("schedule", "create"),
        schedule_data(programme_class, starts_on="2032-02-29", ends_on="2035-02-28"),
    )

    assert response.status_code == 302


# Wording for staff: no rule IDs --------------------------------------------------------------


@pytest.mark.parametrize("model_name", ["programme", "programmeclass", "schedule"])
def test_no_rule_ids_on_the_admin_forms(admin, model_name):
    response = admin.get(admin_url(model_name, "create"))

    main = BeautifulSoup(response.content, "html.parser").select_one("main")
    assert not RULE_ID_IN_PARENTHESES.search(main.get_text(" "))


def test_number_inputs_of_the_programme_form_carry_their_limits(admin):
    soup = BeautifulSoup(admin.get(admin_url("programme", "create")).content, "html.parser")

    def limits(name):
        field = soup.select_one(f'input[name="{name}"]')
        return field.get("min"), field.get("max")

    assert limits("default_capacity") == ("1", "10000")
    assert limits("cancellation_cutoff_hours") == ("0", "720")
    assert limits("checkin_opens_minutes") == ("0", "1440")
    assert limits("booking_closes_minutes_before") == ("0", "10080")
    assert limits("booking_opens_days_before") == ("0", "730")
