"""The staff tools added to the back office: extend and cancel a pass, paid at the desk,
a member added to a full session's waiting list, a session changed with its members in
mind, and the member chooser (S4, C6, P7, P8)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.models import (
    Booking,
    LedgerKind,
    MemberPass,
    PassStatus,
    Session,
    WaitlistEntry,
)
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, edit_form_data, post_form, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")


def message_of(response):
    [message] = get_messages(response.wsgi_request)
    return str(message.message).strip()


def form_errors(response, name="form"):
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context[name].errors.items()}


def session_in(hours, **kwargs):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=hours)
    kwargs.setdefault("programme_class", ProgrammeClassFactory())
    return SessionFactory(start=start, end=start + dt.timedelta(hours=1), **kwargs)


def session_at(days_ahead, hour, **kwargs):
    """A session at ``hour`` local time ``days_ahead`` days from today: a test that moves it
    by an hour stays within its day whatever the time the suite runs (at 23:30 too)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    kwargs.setdefault("programme_class", ProgrammeClassFactory())
    return SessionFactory(start=start, end=start + dt.timedelta(hours=1), **kwargs)


# ---- extend and cancel a pass (S4) ----------------------------------------------


def test_s4_extend_from_the_admin(admin, ann, superuser):
    mp = member_pass(ann, title="Ten classes", duration_days=30)
    end = mp.valid_until
    url = admin_url("memberpass", "extend", mp.pk)
    assert url in admin.get(admin_url("memberpass", "inspect", mp.pk)).content.decode()

    response = post_form(admin, url, {"days": "14", "reason": "Broken wrist"})

    assert response["Location"] == admin_url("memberpass", "inspect", mp.pk)
    mp.refresh_from_db()
    assert mp.valid_until == end + dt.timedelta(days=14)
    entry = mp.ledger.get(kind=LedgerKind.EXTEND)
    assert (entry.days, entry.created_by, entry.reason) == (14, superuser, "Broken wrist")
    assert message_of(response).startswith("Extended by 14 days; valid until")
    assert ModelLogEntry.objects.filter(action="wagtail_passes.pass.extend").exists()


def test_s4_cancel_a_pass_from_the_admin(admin, ann):
    mp = member_pass(ann, title="Ten classes")
    url = admin_url("memberpass", "cancel", mp.pk)

    refused = post_form(admin, url, {"reason": ""})
    assert form_errors(refused)["reason"] == ["Say why you cancel this pass."]
    response = post_form(admin, url, {"reason": "Refunded at the desk"})

    assert message_of(response) == "“Ten classes” of Ann Lee (ann) cancelled."
    mp.refresh_from_db()
    assert (mp.status, mp.balance) == (PassStatus.CANCELLED, 0)
    page = admin.get(admin_url("memberpass", "inspect", mp.pk)).content.decode()
    assert admin_url("memberpass", "cancel", mp.pk) not in page  # nothing left to do
    assert admin_url("memberpass", "adjust", mp.pk) not in page


def test_s4_cancel_refused_while_it_pays_for_upcoming_sessions(admin, ann):
    mp = member_pass(ann)
    services.book(ann, session_in(48))

    response = post_form(admin, admin_url("memberpass", "cancel", mp.pk), {"reason": "why"})

    assert "cancel those bookings first" in form_errors(response)["__all__"][0]
    mp.refresh_from_db()
    assert mp.status == PassStatus.ACTIVE


def test_s4_list_shows_the_status_by_the_rule_even_before_the_daily_job(admin, ann):
    mp = member_pass(ann, duration_days=1)
    MemberPass.objects.filter(pk=mp.pk).update(valid_until=mp.valid_until)  # stored: active
    later = timezone.now() + dt.timedelta(days=5)
    with time_machine.travel(later, tick=False):
        html = admin.get(admin_url("memberpass", "index")).content.decode()
    assert MemberPass.objects.get(pk=mp.pk).status == PassStatus.ACTIVE
    assert ">Expired<" in html


def test_s4_change_permission_is_needed_to_extend_and_cancel(ann):
    mp = member_pass(ann, duration_days=30)
    viewer = staff_client("view_memberpass")
    for action in ("extend", "cancel"):
        url = admin_url("memberpass", action, mp.pk)
        response = viewer.post(url, {"days": "3", "reason": "x"})
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    mp.refresh_from_db()
    assert mp.status == PassStatus.ACTIVE and mp.extended_days == 0


# ---- paid at the desk (C6) ------------------------------------------------------


def test_c6_paid_at_the_desk_from_the_register(admin, ann, superuser):
    session = session_in(48)
    booking = services.book(ann, session)
    register = admin.get(admin_url("session", "register", session.pk)).content.decode()
    url = admin_url("booking", "desk_payment", booking.pk)
    assert url in register

    response = post_form(admin, url, {"method": "card_terminal", "note": "receipt 118"})

    assert message_of(response) == "Ann Lee (ann) paid €12.00 (card terminal at the desk)."
    booking.refresh_from_db()
    assert (booking.amount_due, booking.amount_paid, booking.payment_recorded_by) == (
        0,
        Decimal("12.00"),
        superuser,
    )
    register = admin.get(admin_url("session", "register", session.pk)).content.decode()
    assert "Paid €12.00: card terminal at the desk" in register
    assert url not in register
    entry = ModelLogEntry.objects.get(action="wagtail_passes.booking.paid_at_desk")
    assert entry.data["note"] == "receipt 118"


def test_c6_paid_at_the_desk_refuses_nonsense(admin, ann):
    booking = services.book(ann, session_in(48))
    url = admin_url("booking", "desk_payment", booking.pk)
    response = post_form(admin, url, {"method": "bitcoin"})
    assert "Select a valid choice" in form_errors(response)["method"][0]
    booking.refresh_from_db()
    assert booking.amount_due == Decimal("12.00")


# ---- the waiting list from the register (P7) ------------------------------------


def test_p7_staff_add_a_member_to_a_full_sessions_waiting_list(admin, ann, superuser):
    session = session_in(48, capacity=1)
    services.book(UserFactory(), session)
    book_url = admin_url("session", "book", session.pk)

    refused = admin.post(book_url, {"member": ann.pk, "attendees": "1"})
    assert "This session is full" in form_errors(refused, "book_form")["attendees"][0]
    assert 'name="waitlist"' in refused.content.decode()

    response = admin.post(book_url, {"member": ann.pk, "attendees": "1", "waitlist": "1"})

    assert message_of(response) == "Ann Lee (ann) is on the waiting list."
    entry = WaitlistEntry.objects.get(member=ann)
    assert entry.created_by == superuser
    again = admin.post(book_url, {"member": ann.pk, "attendees": "1", "waitlist": "1"})
    assert form_errors(again, "book_form")["member"] == ["ann is already on the waiting list."]


# ---- changing a session (P7, P8) ------------------------------------------------


def edit(admin, session, **changes):
    url = admin_url("session", "edit", session.pk)
    return admin.post(url, edit_form_data(admin.get(url), **changes))


def test_p7_capacity_below_the_places_booked_is_refused_next_to_the_field(admin):
    session = session_in(48)
    for _ in range(3):
        services.book(UserFactory(), session)

    response = edit(admin, session, capacity="2")

    assert form_errors(response)["capacity"] == [
        "3 places are booked; the capacity cannot be lower."
    ]
    session.refresh_from_db()
    assert session.capacity is None


def test_p8_moving_a_booked_session_asks_first_then_emails_the_members(
    admin, ann, django_capture_on_commit_callbacks
):
    session = session_at(2, 10)
    services.book(ann, session)
    mail.outbox.clear()
    new_start = timezone.localtime(session.start + dt.timedelta(hours=1))
    new_end = new_start + dt.timedelta(hours=1)
    changes = {"start": f"{new_start:%Y-%m-%d %H:%M}", "end": f"{new_end:%Y-%m-%d %H:%M}"}

    asked = edit(admin, session, **changes)
    assert (
        "1 member is booked: they will be emailed the new time."
        in (form_errors(asked)["confirm"][0])
    )
    assert Session.objects.get(pk=session.pk).start == session.start

    with django_capture_on_commit_callbacks(execute=True):
        done = edit(admin, session, confirm="on", **changes)

    assert done.status_code == 302
    assert "1 booked member was emailed the new time." in message_of(done)
    assert Session.objects.get(pk=session.pk).start == new_start
    (message,) = mail.outbox
    assert message.to == ["ann@example.org"]


def test_p8_a_session_cannot_be_created_in_the_past_without_saying_so(admin):
    programme_class = ProgrammeClassFactory()
    past = timezone.localtime(timezone.now() - dt.timedelta(days=1))
    data = {
        "programme_class": str(programme_class.pk),
        "start": f"{past:%Y-%m-%d %H:%M}",
        "end": f"{past + dt.timedelta(hours=1):%Y-%m-%d %H:%M}",
        "capacity": "",
    }
    refused = admin.post(admin_url("session", "create"), data)
    assert "The start is in the past." in form_errors(refused)["confirm"][0]
    assert not Session.objects.exists()

    admin.post(admin_url("session", "create"), {**data, "confirm": "on"})
    assert Session.objects.count() == 1


def test_p7_a_larger_capacity_books_the_waiting_member(admin, ann):
    session = session_in(48, capacity=1)
    services.book(UserFactory(), session)
    services.join_waitlist(member_pass(ann).member, session)

    response = edit(admin, session, capacity="2")

    assert "1 member was booked from the waiting list." in message_of(response)
    assert Booking.objects.filter(session=session, member=ann).exists()


# ---- the member chooser -----------------------------------------------------------

CHOOSE_URL = "passes_member_chooser:choose"
RESULTS_URL = "passes_member_chooser:choose_results"


def chooser_rows(response):
    html = response.json()["html"] if "json" in response["Content-Type"] else response.content
    soup = BeautifulSoup(html, "html.parser")
    return [row.get_text(" ", strip=True) for row in soup.select("tbody tr")]


def test_member_chooser_searches_names_usernames_and_emails(admin, ann):
    UserFactory(username="bob", first_name="Bob", last_name="Stone", email="bob@example.org")
    UserFactory(username="gone", first_name="Ann", last_name="Gone", is_active=False)

    by_name = admin.get(reverse(RESULTS_URL), {"q": "ann lee"})
    by_email = admin.get(reverse(RESULTS_URL), {"q": "BOB@EXAMPLE"})

    assert [row.split(" ")[0:3] for row in chooser_rows(by_name)] == [["Ann", "Lee", "(ann)"]]
    assert chooser_rows(by_email)[0].startswith("Bob Stone (bob)")
    assert admin.get(reverse(CHOOSE_URL)).status_code == 200


def test_member_chooser_is_for_staff_who_assign_or_book():
    desk = staff_client("view_booking", "change_booking")
    assert desk.get(reverse(RESULTS_URL), {"q": "a"}).status_code == 200
    editor = staff_client("view_session", group_name="Page editors")
    assert editor.get(reverse(CHOOSE_URL)).status_code in (302, 403)
    assert editor.get(reverse(RESULTS_URL), {"q": "a"}).status_code in (302, 403)


# ---- the audit log in the admin (S5) ------------------------------------------------


def test_s5_staff_actions_show_in_the_passs_history(admin, ann, superuser):
    mp = member_pass(ann, title="Ten classes")
    post_form(admin, admin_url("memberpass", "adjust", mp.pk), {"amount": "-2", "reason": "desk"})
    inspect = admin.get(admin_url("memberpass", "inspect", mp.pk)).content.decode()
    history_url = admin_url("memberpass", "history", mp.pk)
    assert history_url in inspect

    history = admin.get(history_url).content.decode()

    assert "Adjusted by -2: desk" in history
    site = admin.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Adjusted by -2: desk" in site


def test_s5_history_needs_the_lists_permission(ann):
    mp = member_pass(ann)
    stranger = staff_client("view_session", group_name="Timetable")
    response = stranger.get(admin_url("memberpass", "history", mp.pk))
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
