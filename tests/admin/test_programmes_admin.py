"""Programmes in the admin: the tabbed form, attendance settings, classes and pools."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils.html import escape
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from wagtail_passes.models import Programme, ProgrammeClass
from wagtail_passes.test.factories import (
    BookingFactory,
    LinkPoolFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
)

from . import admin_url, assert_refused, edit_form_data, listed, row_cells

pytestmark = pytest.mark.django_db

CREATE_URL = admin_url("programme", "create")
INDEX_URL = admin_url("programme", "index")


def edit_url(programme):
    return admin_url("programme", "edit", programme.pk)


def programme_data(*, pools=(), classes=(), **overrides):
    """POST data of the tabbed programme form, every tab filled in."""
    fields = {
        "name": "Yoga",
        "slug": "yoga",
        "description": "Morning and evening classes.",
        "currency": "EUR",
        "default_unit_price": "15.00",
        "booking_opens_days_before": "30",
        "booking_closes_minutes_before": "0",
        "cancellation_cutoff_hours": "24",
        "checkin_opens_minutes": "30",
        "default_capacity": "12",
        # L1, L2: the attendance policies at their defaults.
        "late_cancel_policy": "keep_entry",
        "late_cancel_fee": "0",
        "no_show_policy": "keep_entry",
        "no_show_fee": "0",
        "no_show_grace": "0",
        "no_show_grace_period": "month",
        "link_pools": inline_formset([{"id": "", "name": name} for name in pools]),
        "classes": inline_formset([class_row(**row) for row in classes]),
    }
    fields.update(overrides)
    return nested_form_data(fields)


def class_row(**values):
    row = {
        "id": "",
        "name": "Flow",
        "unit_price": "",
        "capacity": "",
        "credit_cost": "1",
        "location": "",
        "instructor": "",
        "link_pool": "",
    }
    row.update(values)
    return row


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def test_form_has_the_three_tabs(admin):
    response = admin.get(CREATE_URL)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    # The first text of each tab is its heading (an error counter follows it).
    tabs = [next(tab.stripped_strings) for tab in soup.select('[role="tab"]')]
    assert tabs == ["Details", "Attendance settings", "Classes & linking"]


def test_superuser_creates_a_programme_with_a_pool_and_a_class(admin):
    response = admin.post(
        CREATE_URL,
        programme_data(
            require_valid_pass="on",
            pools=["Mat classes"],
            classes=[{"name": "Flow", "unit_price": "18.00", "instructor": "Ana"}],
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    programme = Programme.objects.get(slug="yoga")
    assert programme.default_unit_price == Decimal("15.00")
    assert programme.require_valid_pass is True
    assert programme.redeem_if_unpaid is False
    assert programme.default_capacity == 12
    assert list(programme.link_pools.values_list("name", flat=True)) == ["Mat classes"]
    flow = programme.classes.get()
    assert (flow.name, flow.unit_price, flow.instructor) == ("Flow", Decimal("18.00"), "Ana")


def test_superuser_edits_the_attendance_settings(admin):
    programme = ProgrammeFactory(require_valid_pass=False, cancellation_cutoff_hours=24)
    ProgrammeClassFactory(programme=programme, name="Flow")
    response = admin.get(edit_url(programme))

    data = edit_form_data(
        response,
        require_valid_pass="on",
        redeem_if_unpaid="on",
        booking_opens_days_before="14",
        booking_closes_minutes_before="30",
        cancellation_cutoff_hours="6",
        default_capacity="20",
    )
    response = admin.post(edit_url(programme), data)

    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.require_valid_pass is True
    assert programme.redeem_if_unpaid is True
    assert programme.booking_opens_days_before == 14
    assert programme.booking_closes_minutes_before == 30
    assert programme.cancellation_cutoff_hours == 6
    assert programme.default_capacity == 20
    assert list(programme.classes.values_list("name", flat=True)) == ["Flow"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"default_unit_price": "-1.00"}, "default_unit_price", "greater than or equal to 0"),
        (
            {"currency": "JPY", "default_unit_price": "10.50"},
            "default_unit_price",
            "JPY has no fractional units",
        ),
        ({"default_capacity": "-3"}, "default_capacity", "greater than or equal to 1"),
        ({"cancellation_cutoff_hours": "-1"}, "cancellation_cutoff_hours", "greater than"),
    ],
    ids=["negative-price", "jpy-with-cents", "negative-capacity", "negative-cutoff"],
)
def test_bad_programme_values_are_refused_next_to_the_field(admin, overrides, field, message):
    response = admin.post(CREATE_URL, programme_data(**overrides))

    assert_refused(response, field, message)
    assert not Programme.objects.exists()


def test_jpy_whole_amount_is_accepted(admin):
    response = admin.post(CREATE_URL, programme_data(currency="JPY", default_unit_price="1500"))

    assert response.status_code == 302
    assert Programme.objects.get().default_unit_price == Decimal("1500")


def inline_class_errors(response, index=0):
    return response.context["form"].formsets["classes"].forms[index].errors


def test_inline_class_with_negative_capacity_is_refused(admin):
    response = admin.post(CREATE_URL, programme_data(classes=[{"capacity": "-2"}]))

    assert response.status_code == 200
    assert "greater than or equal to 1" in str(inline_class_errors(response)["capacity"])
    assert not Programme.objects.exists()


def test_inline_class_with_cents_in_a_jpy_programme_is_refused(admin):
    programme = ProgrammeFactory(currency="JPY", default_unit_price=Decimal("1500"))
    response = admin.get(edit_url(programme))
    data = edit_form_data(response)
    data.update(nested_form_data({"classes": inline_formset([class_row(unit_price="10.50")])}))

    response = admin.post(edit_url(programme), data)

    assert response.status_code == 200
    assert "JPY has no fractional units" in str(inline_class_errors(response)["unit_price"])
    assert not ProgrammeClass.objects.exists()


def test_switching_to_jpy_is_refused_while_a_class_has_cents(admin):
    programme = ProgrammeFactory(currency="EUR", default_unit_price=Decimal("10.00"))
    ProgrammeClassFactory(programme=programme, unit_price=Decimal("10.50"))
    response = admin.get(edit_url(programme))

    response = admin.post(edit_url(programme), edit_form_data(response, currency="JPY"))

    assert response.status_code == 200
    assert "JPY has no fractional units" in str(inline_class_errors(response)["unit_price"])
    programme.refresh_from_db()
    assert programme.currency == "EUR"


def test_new_jpy_programme_with_a_cents_class_is_refused(admin):
    response = admin.post(
        CREATE_URL,
        programme_data(
            currency="JPY", default_unit_price="1000", classes=[{"unit_price": "10.50"}]
        ),
    )

    assert response.status_code == 200
    assert "JPY has no fractional units" in str(inline_class_errors(response)["unit_price"])
    assert not Programme.objects.exists()


def test_deleting_a_programme_with_booked_sessions_explains_why_not(admin):
    booking = BookingFactory()
    programme = booking.session.programme

    response = admin.post(admin_url("programme", "delete", programme.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "could not be deleted" in page
    assert escape(str(booking)) in page
    assert Programme.objects.filter(pk=programme.pk).exists()


def test_class_pool_choices_are_the_programmes_own_pools(admin):
    programme = ProgrammeFactory()
    own = LinkPoolFactory(programme=programme, name="Own pool")
    LinkPoolFactory(name="Foreign pool")
    ProgrammeClassFactory(programme=programme)

    response = admin.get(edit_url(programme))

    classes = response.context["form"].formsets["classes"]
    for form in [*classes.forms, classes.empty_form]:
        assert list(form.fields["link_pool"].queryset) == [own]


def test_new_programme_offers_no_pools_until_saved(admin):
    LinkPoolFactory(name="Foreign pool")

    response = admin.get(CREATE_URL)

    empty_form = response.context["form"].formsets["classes"].empty_form
    assert not empty_form.fields["link_pool"].queryset.exists()


def test_inline_class_with_a_pool_of_another_programme_is_refused(admin):
    programme = ProgrammeFactory()
    foreign_pool = LinkPoolFactory()
    response = admin.get(edit_url(programme))
    data = edit_form_data(response)
    data.update(
        nested_form_data({"classes": inline_formset([class_row(link_pool=str(foreign_pool.pk))])})
    )

    response = admin.post(edit_url(programme), data)

    assert response.status_code == 200
    assert "Select a valid choice" in str(inline_class_errors(response)["link_pool"])
    assert not ProgrammeClass.objects.exists()


def test_inline_class_joins_a_pool_of_its_programme(admin):
    programme = ProgrammeFactory()
    pool = LinkPoolFactory(programme=programme)
    response = admin.get(edit_url(programme))
    data = edit_form_data(response)
    data.update(nested_form_data({"classes": inline_formset([class_row(link_pool=str(pool.pk))])}))

    response = admin.post(edit_url(programme), data)

    assert response.status_code == 302
    assert programme.classes.get().link_pool == pool


def test_list_shows_settings_and_class_count(admin):
    programme = ProgrammeFactory(
        name="Pilates", currency="GBP", default_unit_price=Decimal("9.50"), redeem_if_unpaid=True
    )
    ProgrammeClassFactory.create_batch(2, programme=programme)

    response = admin.get(INDEX_URL)

    assert row_cells(response, programme)[:6] == ["Pilates", "GBP", "£9.50", "No", "Yes", "2"]


def test_list_searches_by_name(admin):
    ProgrammeFactory(name="Yoga")
    ProgrammeFactory(name="Climbing")

    response = admin.get(INDEX_URL, {"q": "yog"})

    assert [p.name for p in listed(response)] == ["Yoga"]
