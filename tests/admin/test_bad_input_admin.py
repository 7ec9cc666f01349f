"""The back office refuses nonsense: a clear message next to the field, nothing written,
never a 500 — for any value a browser can send to a staff form or an admin URL."""

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import (
    Booking,
    Hold,
    LedgerEntry,
    MemberPass,
    Order,
    Payment,
    Programme,
    ProgrammeClass,
    Schedule,
    Session,
    WaitlistEntry,
)
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ScheduleFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, post_form

pytestmark = pytest.mark.django_db

MODELS = (
    Booking,
    Hold,
    LedgerEntry,
    MemberPass,
    Order,
    Payment,
    Programme,
    ProgrammeClass,
    Schedule,
    Session,
    WaitlistEntry,
)


def snapshot():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def world():
    """One of everything, so every object URL has something to point at."""
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(capacity=1),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    mp = member_pass(duration_days=30)
    booking = services.book(UserFactory(), session)
    entry = services.join_waitlist(UserFactory(), session)
    ScheduleFactory(programme_class=session.programme_class)
    order = services.place_order(UserFactory(), PassPageFactory())
    return {"session": session, "pass": mp, "booking": booking, "entry": entry, "order": order}


def object_url_names():
    """Every URL name of this app's admin that takes an object id."""
    names = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and (pattern.name or "").startswith(
                "wagtail_passes_"
            ):
                if "instance_pk" in pattern.pattern.regex.groupindex:
                    names.append(pattern.name)

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def test_every_object_url_was_found():
    names = object_url_names()
    for expected in (
        "wagtail_passes_memberpass_modeladmin_extend",
        "wagtail_passes_booking_modeladmin_desk_payment",
        "wagtail_passes_session_modeladmin_register",
        "wagtail_passes_programme_modeladmin_edit",
        "wagtail_passes_order_modeladmin_inspect",
        "wagtail_passes_order_modeladmin_mark_paid",
        "wagtail_passes_order_modeladmin_cancel",
    ):
        assert expected in names
    assert len(names) >= 20


@pytest.mark.parametrize("bad_id", ["abc", "1x", "-1", "99999999999999999999999", "1.5"])
def test_a_non_numeric_or_huge_id_in_any_admin_url_is_a_404(admin, world, bad_id):
    before = snapshot()
    for name in object_url_names():
        url = reverse(name, kwargs={"instance_pk": "1"}).replace("/1/", f"/{bad_id}/")
        for response in (admin.get(url), admin.post(url, {})):
            assert response.status_code == 404, (name, url, response.status_code)
    assert snapshot() == before


# ---- out-of-range values to each staff form --------------------------------------

HUGE = "99999999999999999999999"


def member_pass_forms(world):
    mp = world["pass"]
    member = mp.member.pk
    product = PassPageFactory().pk
    return [
        ("memberpass", "assign", None, {"member": HUGE, "product": product}, "member"),
        ("memberpass", "assign", None, {"member": member, "product": HUGE}, "product"),
        ("memberpass", "assign", None, {"member": "-5", "product": product}, "member"),
        (
            "memberpass",
            "hold",
            mp.pk,
            {"starts_on": "9999-12-30", "ends_on": "9999-12-31"},
            "starts_on",
        ),
        (
            "memberpass",
            "hold",
            mp.pk,
            {"starts_on": "0001-01-01", "ends_on": "0001-01-02"},
            "starts_on",
        ),
        (
            "memberpass",
            "hold",
            mp.pk,
            {"starts_on": "2027-01-01", "ends_on": "2037-01-01"},
            "ends_on",
        ),
        (
            "memberpass",
            "hold",
            mp.pk,
            {"starts_on": "99999-01-01", "ends_on": "2027-01-01"},
            "starts_on",
        ),
        ("memberpass", "adjust", mp.pk, {"amount": "1e12", "reason": "x"}, "amount"),
        ("memberpass", "adjust", mp.pk, {"amount": HUGE, "reason": "x"}, "amount"),
        ("memberpass", "adjust", mp.pk, {"amount": "NaN", "reason": "x"}, "amount"),
        ("memberpass", "adjust", mp.pk, {"amount": "Infinity", "reason": "x"}, "amount"),
        ("memberpass", "adjust", mp.pk, {"amount": "9999999999", "reason": "x"}, "amount"),
        ("memberpass", "adjust", mp.pk, {"amount": "0.5", "reason": "x"}, "amount"),
        ("memberpass", "extend", mp.pk, {"days": HUGE}, "days"),
        ("memberpass", "extend", mp.pk, {"days": "0"}, "days"),
        ("memberpass", "extend", mp.pk, {"days": "3661"}, "days"),
        ("memberpass", "extend", mp.pk, {"days": "1.5"}, "days"),
        ("memberpass", "cancel", mp.pk, {"reason": "   "}, "reason"),
    ]


def booking_forms(world):
    session, booking = world["session"], world["booking"]
    member = UserFactory().pk
    return [
        ("session", "book", session.pk, {"member": member, "attendees": HUGE}, "attendees"),
        ("session", "book", session.pk, {"member": member, "attendees": "-1"}, "attendees"),
        ("session", "book", session.pk, {"member": member, "attendees": "two"}, "attendees"),
        ("session", "book", session.pk, {"member": HUGE, "attendees": "1"}, "member"),
        (
            "session",
            "book",
            session.pk,
            {"member": member, "attendees": "1", "member_pass": HUGE},
            "member_pass",
        ),
        ("booking", "desk_payment", booking.pk, {"method": "bitcoin"}, "method"),
        ("booking", "desk_payment", booking.pk, {"method": "cash", "note": "x" * 600}, "note"),
        ("booking", "attendance", booking.pk, {"mark": "maybe"}, "mark"),
    ]


def session_forms(world):
    session = world["session"]

    def data(**changes):
        start = timezone.localtime(session.start)
        values = {
            "programme_class": session.programme_class_id,
            "start": f"{start:%Y-%m-%d %H:%M}",
            "end": f"{start + dt.timedelta(hours=1):%Y-%m-%d %H:%M}",
            "capacity": "",
        }
        return {**values, **changes}

    return [
        ("session", "edit", session.pk, data(capacity=HUGE), "capacity"),
        ("session", "edit", session.pk, data(capacity="0"), "capacity"),
        ("session", "edit", session.pk, data(start="9999-12-31 23:00"), "start"),
        ("session", "edit", session.pk, data(start="2026-02-30 10:00"), "start"),
        ("session", "edit", session.pk, data(end="2000-01-01 10:00"), "end"),
    ]


@pytest.mark.parametrize("forms", [member_pass_forms, booking_forms, session_forms])
def test_out_of_range_values_get_a_field_error_and_change_nothing(admin, world, forms):
    for model, action, pk, data, field in forms(world):
        url = admin_url(model, action, pk) if pk is not None else admin_url(model, action)
        before = snapshot()
        response = post_form(admin, url, data)
        assert response.status_code == 200, (url, data, response.status_code)
        form = response.context.get("book_form") or response.context["form"]
        assert field in form.errors, (url, data, form.errors)
        assert snapshot() == before, (url, data)
