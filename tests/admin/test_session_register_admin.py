"""The session register in the admin (S3) and the staff actions on a session's bookings:
attendance (S3), cancelling a booking (P6), the waiting list (P7), booking a member (P2,
P3, P7, P8) and cancelling the session (P8)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.models import (
    Booking,
    BookingStatus,
    LedgerEntry,
    MemberPass,
    Session,
    WaitlistEntry,
    WaitlistStatus,
)
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, edit_form_data, staff_client

pytestmark = pytest.mark.django_db

HOME_URL = reverse("wagtailadmin_home")
SESSIONS_URL = admin_url("session", "index")


def register_url(session):
    return admin_url("session", "register", session.pk)


def book_url(session):
    return admin_url("session", "book", session.pk)


def cancel_session_url(session):
    return admin_url("session", "cancel_session", session.pk)


def remove_waiting_url(entry):
    return admin_url("session", "remove_waiting", entry.pk)


def attendance_url(booking):
    return admin_url("booking", "attendance", booking.pk)


def cancel_url(booking):
    return admin_url("booking", "cancel", booking.pk)


def denied(response):
    """Wagtail's permission-denied answer: a message and a redirect to the dashboard."""
    return response.status_code == 302 and response["Location"] == HOME_URL


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def table(response, table_id):
    """The rows of a table of the register, each a list of cell texts."""
    found = soup(response).find(id=table_id)
    if found is None:
        return []
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in found.tbody.find_all("tr")
    ]


def facts(response):
    dl = soup(response).find(id="passes-session-facts")
    return {
        dt_.get_text(strip=True): dd.get_text(strip=True)
        for dt_, dd in zip(dl.find_all("dt"), dl.find_all("dd"), strict=True)
    }


def success_message(response):
    [message] = get_messages(response.wsgi_request)
    return str(message.message).strip()


def form_errors(response, name="form"):
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context[name].errors.items()}


def in_hours(hours, **kwargs):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=hours)
    kwargs.setdefault("programme_class", ProgrammeClassFactory())
    return SessionFactory(start=start, end=start + dt.timedelta(hours=1), **kwargs)


def snapshot():
    """Everything an action that changes nothing must leave as it was."""
    return (
        list(Booking.objects.values_list("pk", "status", "amount_due", "member_pass")),
        list(LedgerEntry.objects.values_list("pk")),
        list(MemberPass.objects.values_list("pk", "balance")),
        list(WaitlistEntry.objects.values_list("pk", "status")),
        list(Session.objects.values_list("pk", "is_cancelled")),
    )


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Stone", email="bob@example.org")


@pytest.fixture
def ten_entries(ann):
    return member_pass(ann, title="Ten classes", quantity=Decimal(10))


@pytest.fixture
def session():
    """Yoga Flow in two days (the cancellation cutoff is 24 hours), 6 places, €12.00."""
    return in_hours(
        48,
        programme_class=ProgrammeClassFactory(
            name="Flow",
            programme__name="Yoga",
            location="Studio 1",
            instructor="Mia",
            capacity=6,
        ),
    )


@pytest.fixture
def booked(session, ann, ten_entries, bob, superuser):
    """Ann paid with her pass, Bob owes €12.00, Cleo brought a friend (booked by staff)."""
    cleo = UserFactory(username="cleo", first_name="Cleo", last_name="Park")
    return {
        "ann": services.book(ann, session),
        "bob": services.book(bob, session),
        "cleo": services.book(cleo, session, attendees=2, by=superuser),
    }


# ---- the register (S3) -----------------------------------------------------------


def test_sessions_list_and_edit_page_link_to_the_register(admin, session):
    for page in (admin.get(SESSIONS_URL), admin.get(admin_url("session", "edit", session.pk))):
        html = page.content.decode()
        assert register_url(session) in html
        assert cancel_session_url(session) in html


def test_s3_register_lists_bookings_and_marks_attended_and_no_show(admin, session, booked):
    response = admin.get(register_url(session))

    assert response.status_code == 200
    shown = facts(response)
    assert (shown["Class"], shown["Programme"], shown["Location"]) == ("Flow", "Yoga", "Studio 1")
    assert (shown["Capacity"], shown["Places left"]) == ("6", "2")
    assert shown["Start"].endswith(f"{session.local_start:%H:%M}")
    rows = {row[0]: row for row in table(response, "passes-register")}
    assert rows["Ann Lee (ann)"][1:4] == ["1", "Booked", "Ten classes"]
    assert rows["Bob Stone (bob)"][1:4] == ["1", "Booked", "Amount due €12.00"]
    assert rows["Cleo Park (cleo)"][1:4] == ["2", "Booked", "Amount due €24.00"]
    assert rows["Ann Lee (ann)"][5] == "The member"
    assert rows["Cleo Park (cleo)"][5] == "admin"
    # Before the start: no attendance yet; the desk can take what is owed.
    assert rows["Ann Lee (ann)"][6] == "Cancel"
    assert rows["Bob Stone (bob)"][6] == "Paid at the desk Cancel"
    assert soup(response).find(id="passes-attendance-later") is not None

    with time_machine.travel(session.start + dt.timedelta(minutes=5), tick=False):
        rows = {row[0]: row for row in table(admin.get(register_url(session)), "passes-register")}
        assert rows["Ann Lee (ann)"][6] == "Attended No-show Cancel"
        response = admin.post(attendance_url(booked["ann"]), {"mark": "attended"})
        assert response["Location"] == register_url(session)
        assert success_message(response) == "Ann Lee (ann): Attended."
        admin.post(attendance_url(booked["bob"]), {"mark": "no_show"})

        rows = {row[0]: row for row in table(admin.get(register_url(session)), "passes-register")}
    assert rows["Ann Lee (ann)"][2] == "Attended"
    assert rows["Ann Lee (ann)"][6] == "No-show Clear mark"  # no "Cancel" once marked
    assert rows["Bob Stone (bob)"][2] == "No-show"
    statuses = dict(Booking.objects.values_list("member__username", "status"))
    assert statuses == {"ann": "attended", "bob": "no_show", "cleo": "booked"}
    marked = Booking.objects.get(member__username="ann")
    assert marked.attendance_marked_by.username == "admin"


def test_s3_marking_before_check_in_opens_is_refused_and_changes_nothing(admin, booked, session):
    before = snapshot()
    opens = (session.start - dt.timedelta(minutes=30)).astimezone(session.local_start.tzinfo)
    response = admin.post(attendance_url(booked["ann"]), {"mark": "attended"})
    [error] = form_errors(response)["__all__"]
    assert error.startswith("Check-in opens 30 minutes before the start, at ")
    assert error.endswith(f"{opens:%H:%M}.")
    assert snapshot() == before


def test_s3_register_offers_check_in_from_its_opening_and_no_show_from_the_start(
    admin, booked, session
):
    """S3: the register follows the one rule (``attendance_marks_open``): "Attended" from
    the programme's check-in opening (30 minutes before), "No-show" from the start."""
    with time_machine.travel(session.start - dt.timedelta(minutes=31), tick=False):
        response = admin.get(register_url(session))
        rows = {row[0]: row for row in table(response, "passes-register")}
        assert rows["Ann Lee (ann)"][6] == "Cancel"
        note = soup(response).find(id="passes-attendance-later").get_text(strip=True)
        assert note.startswith("Check-in opens on ")
    with time_machine.travel(session.start - dt.timedelta(minutes=30), tick=False):
        response = admin.get(register_url(session))
        rows = {row[0]: row for row in table(response, "passes-register")}
        assert rows["Ann Lee (ann)"][6] == "Attended Cancel"
        note = soup(response).find(id="passes-attendance-later").get_text(strip=True)
        assert note == "Check-in is open; no-shows can be marked once the session has started."
        before = snapshot()
        response = admin.post(attendance_url(booked["ann"]), {"mark": "no_show"})
        assert form_errors(response)["__all__"] == [
            "The session has not started yet: a no-show can be marked once it has."
        ]
        assert snapshot() == before
        response = admin.post(attendance_url(booked["ann"]), {"mark": "attended"})
        assert response["Location"] == register_url(session)
        rows = {row[0]: row for row in table(admin.get(register_url(session)), "passes-register")}
        assert rows["Ann Lee (ann)"][6] == "Clear mark"
    with time_machine.travel(session.start, tick=False):
        rows = {row[0]: row for row in table(admin.get(register_url(session)), "passes-register")}
        assert rows["Ann Lee (ann)"][6] == "No-show Clear mark"
        assert rows["Bob Stone (bob)"][6] == "Attended No-show Paid at the desk Cancel"


def test_s3_a_mark_can_be_cleared(admin, booked, session):
    with time_machine.travel(session.start + dt.timedelta(hours=2), tick=False):
        services.mark_attendance(booked["ann"], False, by=None)

        admin.post(attendance_url(booked["ann"]), {"mark": "booked"})

    booked["ann"].refresh_from_db()
    assert booked["ann"].status == BookingStatus.BOOKED


def test_s3_register_shows_free_sessions_and_cancelled_bookings_apart(admin, ann, bob):
    free = in_hours(48, programme_class=ProgrammeClassFactory(unit_price=Decimal(0)))
    services.book(ann, free)
    services.cancel_booking(services.book(bob, free))

    response = admin.get(register_url(free))

    [row] = table(response, "passes-register")
    assert row[:4] == ["Ann Lee (ann)", "1", "Booked", "Free"]
    [cancelled] = table(response, "passes-register-cancelled")
    assert cancelled[0] == "Bob Stone (bob)"
    assert cancelled[5] == "Bob Stone (bob)"  # cancelled by


def test_s3_attendance_of_a_cancelled_booking_is_refused(admin, booked):
    services.cancel_booking(booked["ann"])
    before = snapshot()

    response = admin.post(attendance_url(booked["ann"]), {"mark": "attended"})

    assert form_errors(response)["__all__"] == ["A cancelled booking has no attendance."]
    assert snapshot() == before


def test_register_of_an_unknown_session_is_not_found(admin):
    assert admin.get(admin_url("session", "register", 999999)).status_code == 404
    assert admin.get(admin_url("booking", "cancel", 999999)).status_code == 404


# ---- cancelling a booking (P6) ---------------------------------------------------


def test_p6_before_the_cutoff_the_entry_goes_back_by_default(admin, session, booked, ten_entries):
    response = admin.get(cancel_url(booked["ann"]))

    checkbox = soup(response).find("input", attrs={"name": "return_entry"})
    assert checkbox.has_attr("checked")
    assert "Members can cancel until" in response.content.decode()

    response = admin.post(cancel_url(booked["ann"]), {"return_entry": "on"})

    assert response["Location"] == register_url(session)
    assert success_message(response) == (
        "Booking of Ann Lee (ann) cancelled; the entry went back to “Ten classes”."
    )
    ten_entries.refresh_from_db()
    assert ten_entries.balance == 10


@pytest.mark.parametrize(
    ("ticked", "balance", "message"),
    [
        (True, 10, "Booking of Ann Lee (ann) cancelled; the entry went back to “Ten classes”."),
        (False, 9, "Booking of Ann Lee (ann) cancelled; the entry on “Ten classes” was kept."),
    ],
    ids=["returned", "kept"],
)
def test_p6_staff_cancel_after_cutoff_chooses_to_return_entry(
    admin, ann, ten_entries, superuser, ticked, balance, message
):
    late = in_hours(10)  # the cutoff (24 hours before the start) has passed
    booking = services.book(ann, late)
    ten_entries.refresh_from_db()
    assert ten_entries.balance == 9

    page = admin.get(cancel_url(booking))
    checkbox = soup(page).find("input", attrs={"name": "return_entry"})
    assert not checkbox.has_attr("checked")  # after the cutoff the entry is kept by default
    deadline = late.cancellation_deadline.strftime("%H:%M")
    assert "The cancellation cutoff passed on" in page.content.decode()
    assert deadline in page.content.decode()

    response = admin.post(cancel_url(booking), {"return_entry": "on"} if ticked else {})

    assert response["Location"] == register_url(late)
    assert success_message(response) == message
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == (BookingStatus.CANCELLED, superuser)
    ten_entries.refresh_from_db()
    assert ten_entries.balance == balance


def test_p6_cancelling_an_amount_due_clears_it(admin, booked):
    page = admin.get(cancel_url(booked["bob"]))
    assert soup(page).find("input", attrs={"name": "return_entry"}) is None

    response = admin.post(cancel_url(booked["bob"]))

    assert (
        success_message(response) == "Booking of Bob Stone (bob) cancelled; nothing is owed for it."
    )
    booked["bob"].refresh_from_db()
    assert (booked["bob"].status, booked["bob"].amount_due) == (BookingStatus.CANCELLED, 0)


def test_p6_a_marked_booking_cannot_be_cancelled(admin, booked, session):
    with time_machine.travel(session.start + dt.timedelta(minutes=1), tick=False):
        services.mark_attendance(booked["ann"], True, by=None)
    before = snapshot()

    page = admin.get(cancel_url(booked["ann"]))
    response = admin.post(cancel_url(booked["ann"]), {"return_entry": "on"})

    assert "This booking is attended; it cannot be cancelled." in page.content.decode()
    assert soup(page).find("button", attrs={"type": "submit"}) is None
    assert form_errors(response)["__all__"] == ["This booking is attended; it cannot be cancelled."]
    assert snapshot() == before


# ---- the waiting list (P7) -------------------------------------------------------


def test_p7_waiting_list_shown_in_order_and_removable(admin, ann, bob):
    full = in_hours(48, programme_class=ProgrammeClassFactory(capacity=1))
    services.book(UserFactory(), full)
    cleo = UserFactory(username="cleo", first_name="Cleo", last_name="Park")
    entries = [
        services.join_waitlist(bob, full),
        services.join_waitlist(ann, full, attendees=2),
        services.join_waitlist(cleo, full),
    ]

    response = admin.get(register_url(full))

    rows = table(response, "passes-waitlist")
    assert [row[:3] for row in rows] == [
        ["1", "Bob Stone (bob)", "1"],
        ["2", "Ann Lee (ann)", "2"],
        ["3", "Cleo Park (cleo)", "1"],
    ]
    assert rows[0][4] == "Remove"
    assert facts(response)["Places left"] == "0"

    page = admin.get(remove_waiting_url(entries[1]))
    assert "Ann Lee (ann) stops waiting" in page.content.decode()
    response = admin.post(remove_waiting_url(entries[1]))

    assert response["Location"] == register_url(full)
    assert success_message(response) == "Ann Lee (ann) removed from the waiting list."
    entries[1].refresh_from_db()
    assert entries[1].status == WaitlistStatus.LEFT
    rows = table(admin.get(register_url(full)), "passes-waitlist")
    assert [row[:2] for row in rows] == [["1", "Bob Stone (bob)"], ["2", "Cleo Park (cleo)"]]

    response = admin.post(remove_waiting_url(entries[1]))  # again: no longer waiting
    assert form_errors(response)["__all__"] == ["This member is no longer on the waiting list."]


def test_p7_a_place_freed_in_the_register_goes_to_the_first_waiting_member(
    admin, ann, bob, ten_entries, django_capture_on_commit_callbacks
):
    full = in_hours(48, programme_class=ProgrammeClassFactory(capacity=1))
    booking = services.book(ann, full)
    entry = services.join_waitlist(bob, full)

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(cancel_url(booking), {"return_entry": "on"})

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED
    rows = table(admin.get(register_url(full)), "passes-register")
    assert [row[0] for row in rows] == ["Bob Stone (bob)"]


# ---- booking a member (S3, P2, P3, P7, P8) ---------------------------------------


def test_book_a_member_chosen_with_the_chooser_uses_their_pass(
    admin, session, ann, ten_entries, superuser
):
    response = admin.post(book_url(session), {"member": ann.pk, "attendees": "1"})

    assert response["Location"] == register_url(session)
    assert success_message(response) == (
        "Ann Lee (ann) booked for 1 place; paid with: Ten classes."
    )
    booking = Booking.objects.get()
    assert (booking.member, booking.member_pass, booking.created_by) == (
        ann,
        ten_entries,
        superuser,
    )


def test_book_a_member_without_a_pass_owes_the_price(admin, session, bob):
    response = admin.post(book_url(session), {"member": bob.pk, "attendees": "2"})

    assert success_message(response) == (
        "Bob Stone (bob) booked for 2 places; paid with: Amount due €24.00."
    )
    assert Booking.objects.get().amount_due == Decimal("24.00")


def test_book_a_member_with_a_chosen_pass(admin, session, ann, ten_entries):
    newer = member_pass(ann, title="Five classes", quantity=Decimal(5))
    data = {"member": ann.pk, "attendees": "1"}

    page = admin.post(book_url(session), {**data, "choose_pass": "1"})

    assert page.status_code == 200
    assert not Booking.objects.exists()
    labels = [label.get_text(" ", strip=True) for label in soup(page).select("#book ~ form label")]
    assert any("Ten classes (10 of 10 entries): pays for this booking" in x for x in labels)
    assert any("Five classes (5 of 5 entries): pays for this booking" in x for x in labels)

    response = admin.post(book_url(session), {**data, "member_pass": str(newer.pk)})

    assert response.status_code == 302
    assert Booking.objects.get().member_pass == newer
    newer.refresh_from_db()
    assert newer.balance == 4


def test_book_a_member_refuses_someone_elses_pass(admin, session, ann, bob):
    bobs = member_pass(bob)

    response = admin.post(
        book_url(session), {"member": ann.pk, "attendees": "1", "member_pass": str(bobs.pk)}
    )

    assert form_errors(response, "book_form")["member_pass"] == [
        "Choose one of this member's passes."
    ]
    assert not Booking.objects.exists()


def test_book_a_member_get_goes_to_the_register(admin, session):
    response = admin.get(book_url(session))

    assert response["Location"] == register_url(session) + "#book"
    assert not Booking.objects.exists()


def test_p8_staff_book_a_member_after_booking_closed(admin, bob):
    programme = ProgrammeFactory(booking_closes_minutes_before=60)
    late = in_hours(0.5, programme_class=ProgrammeClassFactory(programme=programme))

    response = admin.post(book_url(late), {"member": bob.pk, "attendees": "1"})

    assert response.status_code == 302
    assert Booking.objects.get().session == late


def test_p8_booking_a_cancelled_session_is_refused_on_the_register(admin, session, bob):
    services.cancel_session(session, by=None)

    response = admin.post(book_url(session), {"member": bob.pk, "attendees": "1"})

    assert form_errors(response, "book_form")["__all__"] == ["This session has been cancelled."]
    assert "This session has been cancelled." in response.content.decode()
    assert not Booking.objects.exists()


def refusals():
    """(setup, data, field, message) for each refusal of the booking service."""

    def already_booked(session, member):
        services.book(member, session)

    def full(session, member):
        session.capacity = 1
        session.save()
        services.book(UserFactory(), session)

    def requires_pass(session, member):
        programme = session.programme
        programme.require_valid_pass = True
        programme.save()

    return [
        pytest.param(already_booked, "member", "bob has already booked this session.", id="p2"),
        pytest.param(
            full, "attendees", "This session is full: 0 places left, 1 wanted.", id="p7-full"
        ),
        pytest.param(
            requires_pass,
            "__all__",
            "This session needs a valid pass, and the member holds none.",
            id="p3-no-valid-pass",
        ),
    ]


@pytest.mark.parametrize(("setup", "field", "message"), refusals())
def test_book_a_member_refusals_are_shown_and_change_nothing(
    admin, session, bob, setup, field, message
):
    setup(session, bob)
    before = snapshot()

    response = admin.post(book_url(session), {"member": bob.pk, "attendees": "1"})

    errors = form_errors(response, "book_form")
    assert any(error.startswith(message) for error in errors[field]), errors
    assert message in response.content.decode()
    assert snapshot() == before
    # The register is shown again around the form.
    assert soup(response).find(id="passes-session-facts") is not None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"member": "999999", "attendees": "1"}, "member", "Choose an active member"),
        ({"member": "nobody", "attendees": "1"}, "member", "Choose an active member"),
        ({"member": "BOB", "attendees": "0"}, "attendees", "greater than or equal to 1"),
        ({"member": "BOB", "attendees": "1.5"}, "attendees", "Enter a whole number."),
        ({"member": "BOB", "attendees": "99999999999999999999"}, "attendees", "less than"),
    ],
    ids=["unknown-member", "member-not-an-id", "no-places", "half-a-place", "huge"],
)
def test_bad_book_input_is_refused_next_to_the_field(admin, session, bob, data, field, message):
    data = {**data, "member": bob.pk if data["member"] == "BOB" else data["member"]}
    response = admin.post(book_url(session), data)

    assert any(message in error for error in form_errors(response, "book_form")[field])
    assert not Booking.objects.exists()


# ---- cancelling the session (P8) -------------------------------------------------


def test_p8_cancel_session_action_cancels_all_and_returns_entries(
    admin, session, booked, ten_entries, django_capture_on_commit_callbacks
):
    elsewhere = in_hours(72, programme_class=session.programme_class, capacity=0)
    entry = services.join_waitlist(UserFactory(), elsewhere)
    waiting = services.join_waitlist(UserFactory(), session, attendees=3)
    before = snapshot()

    page = admin.get(cancel_session_url(session))

    text = page.content.decode()
    assert "3 bookings will be cancelled." in text
    assert "every booked member is emailed" in text
    assert "1 member leaves the waiting list." in text
    assert snapshot() == before

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(cancel_session_url(session))

    assert response["Location"] == register_url(session)
    assert success_message(response) == (
        "Session cancelled: 3 bookings cancelled, every entry returned and every member emailed."
    )
    session.refresh_from_db()
    assert session.is_cancelled
    assert set(Booking.objects.filter(session=session).values_list("status", flat=True)) == {
        BookingStatus.CANCELLED
    }
    assert all(b.amount_due == 0 for b in Booking.objects.filter(session=session))
    ten_entries.refresh_from_db()
    assert ten_entries.balance == 10
    waiting.refresh_from_db()
    assert waiting.status == WaitlistStatus.CANCELLED
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING  # another session's list is untouched
    assert sorted(m.to[0] for m in mail.outbox) == sorted(b.member.email for b in booked.values())


def test_p8_cancelled_session_register_shows_it_and_hides_booking_actions(admin, session, booked):
    services.cancel_session(session, by=None)

    response = admin.get(register_url(session))

    page = soup(response)
    assert "This session was cancelled on" in page.find(id="passes-session-cancelled").text
    html = response.content.decode()
    for booking in booked.values():
        assert attendance_url(booking) not in html
        assert cancel_url(booking) not in html
    assert page.find(id="passes-book-form") is None
    assert cancel_session_url(session) not in html
    assert len(table(response, "passes-register-cancelled")) == 3
    # Nor does the sessions list offer to cancel it again.
    assert cancel_session_url(session) not in admin.get(SESSIONS_URL).content.decode()


def test_p8_cancelling_a_cancelled_session_changes_nothing(admin, session):
    services.cancel_session(session, by=None)
    before = snapshot()

    page = admin.get(cancel_session_url(session))
    response = admin.post(cancel_session_url(session))

    assert "This session is already cancelled." in page.content.decode()
    assert form_errors(response)["__all__"] == ["This session is already cancelled."]
    assert snapshot() == before


def test_session_form_no_longer_offers_is_cancelled(admin, session, booked):
    edit_url = admin_url("session", "edit", session.pk)
    page = admin.get(edit_url)

    assert "is_cancelled" not in page.context["form"].fields
    assert soup(page).find(attrs={"name": "is_cancelled"}) is None

    response = admin.post(edit_url, edit_form_data(page, is_cancelled="on", capacity="8"))

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.capacity, session.is_cancelled) == (8, False)
    assert not Booking.objects.filter(status=BookingStatus.CANCELLED).exists()


# ---- GET changes nothing; CSRF ---------------------------------------------------


def action_requests(session, booking, entry):
    return [
        (book_url(session), {"member": booking.member.pk, "attendees": "1"}),
        (cancel_session_url(session), {}),
        (attendance_url(booking), {"mark": "attended"}),
        (cancel_url(booking), {"return_entry": "on"}),
        (remove_waiting_url(entry), {}),
    ]


@pytest.fixture
def waiting_entry(session):
    session.capacity = 4  # Ann 1 + Bob 1 + Cleo 2: full
    session.save()
    return services.join_waitlist(UserFactory(), session)


def test_get_of_an_action_changes_nothing(admin, session, booked, waiting_entry):
    before = snapshot()

    for url, data in action_requests(session, booked["ann"], waiting_entry):
        response = admin.get(url, data)
        assert response.status_code in (200, 302), url

    assert snapshot() == before


def test_actions_need_the_csrf_token(superuser, session, booked, waiting_entry):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    before = snapshot()

    for url, data in action_requests(session, booked["ann"], waiting_entry):
        assert client.post(url, data).status_code == 403, url

    assert snapshot() == before


# ---- permissions -----------------------------------------------------------------


def test_without_view_booking_there_is_no_register(session, booked, waiting_entry):
    client = staff_client("view_session", "change_session")
    before = snapshot()

    assert denied(client.get(register_url(session)))
    html = client.get(SESSIONS_URL).content.decode()
    assert register_url(session) not in html
    assert cancel_session_url(session) in html  # change_session is enough for that
    for url, data in action_requests(session, booked["ann"], waiting_entry):
        if url != cancel_session_url(session):
            assert denied(client.post(url, data)), url
    assert snapshot() == before


def test_view_only_sees_the_register_without_actions_and_cannot_post(
    session, booked, waiting_entry
):
    client = staff_client("view_booking", "view_session")
    before = snapshot()

    response = client.get(register_url(session))

    assert response.status_code == 200
    assert len(table(response, "passes-register")) == 3
    assert len(table(response, "passes-waitlist")) == 1
    html = response.content.decode()
    for url, _data in action_requests(session, booked["ann"], waiting_entry):
        assert url not in html
    assert soup(response).find(id="passes-book-form") is None
    assert soup(response).find("form", attrs={"method": "post"}) is None
    assert cancel_session_url(session) not in client.get(SESSIONS_URL).content.decode()
    for url, data in action_requests(session, booked["ann"], waiting_entry):
        assert denied(client.post(url, data)), url
        assert denied(client.get(url)), url
    assert snapshot() == before


def test_change_booking_marks_cancels_and_removes_but_books_only_with_add(
    session, booked, waiting_entry
):
    client = staff_client("view_booking", "change_booking")

    with time_machine.travel(session.start + dt.timedelta(minutes=1), tick=False):
        html = client.get(register_url(session)).content.decode()
    assert attendance_url(booked["ann"]) in html and cancel_url(booked["ann"]) in html
    assert remove_waiting_url(waiting_entry) in html
    assert 'id="passes-book-form"' not in html
    assert cancel_session_url(session) not in html
    assert denied(
        client.post(book_url(session), {"member": booked["bob"].member.pk, "attendees": "1"})
    )
    assert denied(client.post(cancel_session_url(session)))

    client.post(remove_waiting_url(waiting_entry))
    with time_machine.travel(session.start + dt.timedelta(minutes=1), tick=False):
        client.post(attendance_url(booked["ann"]), {"mark": "attended"})
    client.post(cancel_url(booked["bob"]))

    statuses = dict(Booking.objects.values_list("member__username", "status"))
    assert (statuses["ann"], statuses["bob"]) == ("attended", "cancelled")
    waiting_entry.refresh_from_db()
    assert waiting_entry.status == WaitlistStatus.LEFT


def test_add_and_change_booking_book_a_member(session, bob):
    client = staff_client("view_booking", "change_booking", "add_booking")

    assert 'id="passes-book-form"' in client.get(register_url(session)).content.decode()
    response = client.post(book_url(session), {"member": bob.pk, "attendees": "1"})

    assert response["Location"] == register_url(session)
    assert Booking.objects.get().member == bob


def test_cancel_session_needs_change_session(session, booked):
    client = staff_client("view_booking", "change_booking", "add_booking", "view_session")

    assert cancel_session_url(session) not in client.get(register_url(session)).content.decode()
    assert denied(client.get(cancel_session_url(session)))
    assert denied(client.post(cancel_session_url(session)))
    session.refresh_from_db()
    assert not session.is_cancelled

    client = staff_client("view_booking", "change_session", group_name="Managers")
    assert cancel_session_url(session) in client.get(register_url(session)).content.decode()
    response = client.post(cancel_session_url(session))
    assert response["Location"] == register_url(session)
    session.refresh_from_db()
    assert session.is_cancelled


# ---- cost of the register --------------------------------------------------------


def test_register_queries_do_not_grow_with_bookings(admin, django_assert_max_num_queries):
    # 20 bookings, each with its own member, half paid by their own pass and some booked
    # by another staff member, plus 5 waiting members: a lookup per row would add 25+.
    # Measured: 10 for the page (session, user, profile; the session with its class and
    # programme, the bookings joined with members, passes and who booked or cancelled,
    # the places taken, the waiting list joined with members; locale and two page
    # queries of the menu).
    crowded = in_hours(48, programme_class=ProgrammeClassFactory(capacity=20))
    staff = StaffFactory()
    for number in range(20):
        member = UserFactory()
        if number % 2:
            member_pass(member)
        services.book(member, crowded, by=staff if number % 3 == 0 else None)
    for _ in range(5):
        services.join_waitlist(UserFactory(), crowded)
    admin.get(register_url(crowded))  # fills per-process caches, as in production

    with django_assert_max_num_queries(10):
        response = admin.get(register_url(crowded))

    assert len(table(response, "passes-register")) == 20
    assert len(table(response, "passes-waitlist")) == 5
