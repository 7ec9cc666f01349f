"""Households at the front desk (F3): one profile per household, staff add, change and
remove dependants (audited, S5), book any of its people from the profile and the
register, the check-in sheet names who attends and who pays, and the member search finds
an account by a dependant's name.

Today is Wednesday 10 March 2027, 10:00 in London (GMT).
"""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.models import Booking, MemberPass, Person, WaitlistEntry
from wagtail_passes.services.staff_roles import ensure_front_desk_group
from wagtail_passes.test.factories import UserFactory, member_pass

from ..admin import admin_url, form_token, post_form, staff_client
from .profile_helpers import *  # noqa: F403 (the fixtures)
from .profile_helpers import at, block, page, profile, rows, session_at, text

pytestmark = pytest.mark.django_db

HOME = reverse("wagtailadmin_home")


@pytest.fixture
def maya(clock):
    return UserFactory(username="maya", first_name="Maya", last_name="Lind", email="m@example.org")


@pytest.fixture
def leo(maya):
    return services.add_dependant(
        maya, "Leo", date_of_birth=dt.date(2019, 6, 1), staff_notes="Nut allergy"
    )


def household_url(action, member, someone=None):
    args = [member.pk] if someone is None else [member.pk, someone.pk]
    return reverse(f"wagtail_passes_desk:household_{action}", args=args)


def pass_of(someone, product):
    """A pass held by ``someone`` (a user, or a dependant: issued to the account holder,
    then handed to them, as the orders will once they sell for a person)."""
    if not isinstance(someone, Person):
        return member_pass(someone, product)
    issued = member_pass(someone.account, product)
    MemberPass.objects.filter(pk=issued.pk).update(person=someone)
    issued.refresh_from_db()
    return issued


def messages_of(response) -> list[str]:
    return [str(m).strip() for m in get_messages(response.wsgi_request)]


def denied(response) -> bool:
    """Wagtail's permission-denied answer: a message and a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == HOME
    )


# ---- the household on the profile ----------------------------------------------------


def test_F3_the_profile_shows_the_household_with_ages_and_notes(admin, maya, leo):
    services.add_dependant(maya, "Ada")  # no date of birth

    response = admin.get(profile(maya))

    assert rows(block(response, "household"), "passes-household") == [
        ["Maya Lind (maya) Account holder", "—", "—", "", "Edit"],
        ["Ada", "—", "—", "", "Edit Remove"],
        ["Leo", "7 years", "1 Jun 2019", "Nut allergy", "Edit Remove"],
    ]


def test_F3_each_list_says_whom_a_row_is_for(admin, maya, leo, flow, ten, superuser):
    pass_of(leo, ten)
    pass_of(maya, ten)
    friday = session_at(flow, at(2))
    services.book(leo, friday, by=superuser)
    full = session_at(flow, at(3), capacity=1)
    services.book(maya, full, by=superuser)
    services.join_waitlist(leo, full, by=superuser)

    response = admin.get(profile(maya))

    passes = rows(block(response, "passes"), "passes-passes")
    assert sorted(row[1] for row in passes) == ["Leo", "Maya Lind (maya)"]
    upcoming = rows(block(response, "upcoming"), "passes-upcoming")
    assert [row[1] for row in upcoming] == ["Leo", "Maya Lind (maya)"]
    assert [row[1] for row in rows(block(response, "waiting"), "passes-waiting")] == ["Leo"]


def test_F3_a_household_of_one_has_no_for_column(admin, ann, held):
    response = admin.get(profile(ann))

    headers = [th.get_text(strip=True) for th in block(response, "passes").find_all("th")]
    assert "For" not in headers
    assert page(response).find("select", attrs={"name": "person"}) is None


# ---- add, change, remove ------------------------------------------------------------------


def test_F3_S5_staff_add_a_dependant_audited(admin, maya, superuser):
    url = household_url("add", maya)
    response = post_form(
        admin,
        url,
        {"name": " Leo  Lind ", "date_of_birth": "2019-06-01", "staff_notes": "Collected by Nan"},
    )

    assert response.status_code == 302
    assert response["Location"] == profile(maya) + "#household-section"
    leo = Person.objects.get(account=maya, is_holder=False)
    assert (leo.name, leo.date_of_birth, leo.staff_notes) == (
        "Leo Lind",
        dt.date(2019, 6, 1),
        "Collected by Nan",
    )
    entry = ModelLogEntry.objects.get(action="wagtail_passes.person.add")
    assert entry.user == superuser
    history = rows(block(admin.get(profile(maya)), "history"), "passes-history")
    assert any("Leo Lind added to the household" in " ".join(row) for row in history)


def test_F3_the_same_add_form_sent_twice_adds_once(admin, maya):
    url = household_url("add", maya)
    token = form_token(admin.get(url))
    data = {"name": "Leo", "form_token": token}

    first = admin.post(url, data)
    second = admin.post(url, data)

    assert first.status_code == second.status_code == 302
    assert Person.objects.filter(account=maya, is_holder=False).count() == 1
    assert "This was done already; nothing changed." in messages_of(second)


@pytest.mark.parametrize("born", ["2019-02-30", "not a date", "2030-01-01", "1850-01-01"])
def test_F3_a_bad_date_of_birth_is_a_form_error(admin, maya, born):
    response = post_form(admin, household_url("add", maya), {"name": "Leo", "date_of_birth": born})

    assert response.status_code == 200
    assert "date_of_birth" in response.context["form"].errors
    assert not Person.objects.filter(account=maya, is_holder=False).exists()


def test_F3_a_dependant_needs_a_name(admin, maya):
    response = post_form(admin, household_url("add", maya), {"name": "   "})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors


def test_F3_S5_staff_change_a_dependants_details(admin, maya, leo, superuser):
    url = household_url("edit", maya, leo)
    assert admin.get(url).context["form"].initial["staff_notes"] == "Nut allergy"

    response = post_form(
        admin, url, {"name": "Leonard", "date_of_birth": "2019-06-02", "staff_notes": ""}
    )

    assert response.status_code == 302
    leo.refresh_from_db()
    assert (leo.name, leo.date_of_birth, leo.staff_notes) == ("Leonard", dt.date(2019, 6, 2), "")
    assert ModelLogEntry.objects.filter(action="wagtail_passes.person.change").count() == 1


def test_F3_the_holders_name_is_not_asked(admin, maya, leo):
    holder = Person.objects.get(account=maya, is_holder=True)
    url = household_url("edit", maya, holder)

    assert "name" not in admin.get(url).context["form"].fields
    response = post_form(admin, url, {"name": "Mallory", "staff_notes": "Prefers email"})

    assert response.status_code == 302
    holder.refresh_from_db()
    assert (holder.name, holder.staff_notes) == ("", "Prefers email")


def test_F3_S5_staff_remove_a_dependant(admin, maya, leo, superuser):
    response = post_form(admin, household_url("remove", maya, leo))

    assert response.status_code == 302
    leo.refresh_from_db()
    assert leo.removed_at is not None
    assert ModelLogEntry.objects.filter(action="wagtail_passes.person.remove").count() == 1
    names = [r[0] for r in rows(block(admin.get(profile(maya)), "household"), "passes-household")]
    assert names == ["Maya Lind (maya) Account holder"]
    # Gone: the edit and remove pages of a removed dependant are not found.
    assert admin.get(household_url("edit", maya, leo)).status_code == 404


def test_F3_removing_a_dependant_with_bookings_to_come_is_refused(
    admin, maya, leo, flow, superuser
):
    services.book(leo, session_at(flow, at(2)), by=superuser)
    url = household_url("remove", maya, leo)
    assert "cancel those first" in text(page(admin.get(url)))

    response = post_form(admin, url)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "cancel them first" in errors[0]
    leo.refresh_from_db()
    assert leo.removed_at is None
    assert not ModelLogEntry.objects.filter(action="wagtail_passes.person.remove").exists()


def test_F3_another_households_person_is_not_found(admin, maya, leo, ann):
    assert admin.get(household_url("edit", ann, leo)).status_code == 404
    assert admin.post(household_url("remove", ann, leo)).status_code == 404


def test_F3_managing_a_household_needs_change_booking(clock, maya, leo):
    viewer = staff_client("view_booking", group_name="Viewers")

    assert denied(viewer.get(household_url("add", maya)))
    assert denied(viewer.post(household_url("remove", maya, leo)))
    assert denied(viewer.post(household_url("edit", maya, leo), {"name": "X"}))
    response = viewer.get(profile(maya))
    assert page(response).find(id="passes-add-dependant") is None
    leo.refresh_from_db()
    assert (leo.name, leo.removed_at) == ("Leo", None)


# ---- booking a dependant ----------------------------------------------------------------


def test_F3_staff_book_a_dependant_from_the_profile(admin, maya, leo, flow, ten, superuser):
    his = pass_of(leo, ten)
    pass_of(maya, ten)
    friday = session_at(flow, at(2))

    response = admin.get(profile(maya))
    choices = page(response).find("select", attrs={"name": "person"}).find_all("option")
    assert [o.get_text() for o in choices] == ["Maya Lind (account holder)", "Leo, 7 years"]

    response = admin.post(
        reverse("wagtail_passes_desk:member_book", args=[maya.pk]),
        {"person": str(leo.pk), "session": friday.pk, "attendees": "1"},
    )

    assert response.status_code == 302
    booking = Booking.objects.get(session=friday)
    assert (booking.person, booking.member, booking.member_pass) == (leo, maya, his)
    assert messages_of(response) == ["Leo booked for 1 place; paid with: Ten classes."]
    # Maya may still be booked on it: the session is still offered.
    after = admin.get(profile(maya))
    options = page(after).find("select", attrs={"name": "session"}).find_all("option")
    assert str(friday.pk) in [o.get("value") for o in options]


def test_F3_booking_someone_of_another_household_is_refused(admin, maya, ann, flow):
    strangers = services.add_dependant(ann, "Zed")
    services.add_dependant(maya, "Leo")
    friday = session_at(flow, at(2))

    response = admin.post(
        reverse("wagtail_passes_desk:member_book", args=[maya.pk]),
        {"person": str(strangers.pk), "session": friday.pk, "attendees": "1"},
    )

    assert response.status_code == 200
    assert "person" in response.context["book_form"].errors
    assert not Booking.objects.exists()


def test_F3_staff_book_a_dependant_from_the_register(admin, maya, leo, flow, superuser):
    friday = session_at(flow, at(2))
    book_url = admin_url("session", "book", friday.pk)

    # Once the member is known ("Choose the pass…"), their household is offered.
    response = admin.post(book_url, {"member": maya.pk, "attendees": "1", "choose_pass": "1"})
    assert response.status_code == 200
    form = response.context["book_form"]
    assert form.chooses_person
    assert [label for _, label in form.fields["person"].choices] == [
        "Maya Lind (account holder)",
        "Leo, 7 years",
    ]

    response = admin.post(book_url, {"member": maya.pk, "person": str(leo.pk), "attendees": "1"})

    assert response.status_code == 302
    booking = Booking.objects.get(session=friday)
    assert (booking.person, booking.member, booking.created_by) == (leo, maya, superuser)
    assert messages_of(response)[-1].startswith("Leo (paid by Maya Lind) booked for 1 place")
    register = admin.get(admin_url("session", "register", friday.pk))
    cells = [
        td.get_text(" ", strip=True)
        for td in page(register).find("tr", attrs={"data-booking-pk": str(booking.pk)})("td")
    ]
    assert cells[0] == "Leo (paid by Maya Lind)"


def test_F3_the_register_puts_a_dependant_on_the_waiting_list(admin, maya, leo, flow):
    full = session_at(flow, at(2), capacity=1)
    services.book(maya, full)
    url = admin_url("session", "book", full.pk)

    response = admin.post(
        url, {"member": maya.pk, "person": str(leo.pk), "attendees": "1", "waitlist": "1"}
    )

    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.person, entry.member) == (leo, maya)
    register = admin.get(admin_url("session", "register", full.pk))
    waiting = page(register).find(id="passes-waitlist")
    assert "Leo (paid by Maya Lind)" in waiting.get_text(" ", strip=True)


# ---- the check-in sheet -------------------------------------------------------------------


def test_F2_F3_the_check_in_sheet_names_who_attends_and_who_pays(admin, maya, leo, flow):
    tonight = session_at(flow, at(0, hour=18))
    his = services.book(leo, tonight)
    hers = services.book(maya, tonight)

    response = admin.get(reverse("wagtail_passes_desk:checkin"))

    def name(booking):
        row = page(response).find(id=f"checkin-booking-{booking.pk}")
        return row.find(class_="passes-checkin-row__member").get_text(" ", strip=True)

    assert name(his) == "Leo (paid by Maya Lind)"
    assert name(hers) == "Maya Lind (maya)"
    # Leo owes the price: "Sell a pass" sells one for him, Maya paying.
    row = page(response).find(id=f"checkin-booking-{his.pk}")
    sell = next(a["href"] for a in row.find_all("a") if "Sell a pass" in a.get_text())
    query = parse_qs(urlsplit(sell).query)
    assert (query["member"], query["person"]) == ([str(maya.pk)], [str(leo.pk)])
    sale = admin.get(sell)
    assert sale.context["form"]["person"].value() == str(leo.pk)


# ---- the member search ------------------------------------------------------------------


def test_F3_the_search_finds_an_account_by_a_dependants_name(admin, maya, leo):
    other = UserFactory(username="leonie", first_name="Leonie", last_name="Park")
    search = reverse("wagtail_passes_desk:member_search")

    response = admin.get(search, {"q": "Leo"})

    found = rows(page(response).find(id="passes-member-results"), "passes-member-results-table")
    assert [row[0] for row in found] == [  # by first name
        f"Leonie Park ({other.username})",
        "Maya Lind (maya) Household: Leo",
    ]
    # One household alone opens its profile.
    response = admin.get(search, {"q": "Leo Lind"})
    assert response.status_code == 302
    assert response["Location"] == profile(maya)


def test_F3_a_removed_dependant_is_not_found(admin, maya, leo):
    services.remove_dependant(leo)

    response = admin.get(reverse("wagtail_passes_desk:member_search"), {"q": "Leo"})

    assert "No member matches" in text(page(response))


# ---- the query count ------------------------------------------------------------------------


def test_F3_a_household_of_five_costs_the_profile_no_more_queries(
    admin, ann, maya, flow, ten, superuser, django_assert_num_queries
):
    from .test_profile import PROFILE_QUERIES

    people = [services.add_dependant(maya, name) for name in ("Ada", "Bo", "Cy", "Di")]
    for n, someone in enumerate([maya, *people]):
        pass_of(someone, ten)
        services.book(someone, session_at(flow, at(n + 1)), by=superuser)
        services.book(someone, session_at(flow, at(1, hour=7)), by=superuser)
    admin.get(profile(ann))  # fills per-process caches

    with django_assert_num_queries(PROFILE_QUERIES):
        admin.get(profile(ann))
    with django_assert_num_queries(PROFILE_QUERIES):
        response = admin.get(profile(maya))

    assert len(rows(block(response, "household"), "passes-household")) == 5
    assert len(rows(block(response, "upcoming"), "passes-upcoming")) == 10


def test_F3_the_front_desk_group_manages_the_household(clock, maya, leo):
    group, _ = ensure_front_desk_group()
    desk = UserFactory()
    desk.groups.add(group)
    client = Client()
    client.force_login(desk)

    response = post_form(client, household_url("add", maya), {"name": "Ada"})

    assert response.status_code == 302
    assert Person.objects.filter(account=maya, name="Ada").exists()


def test_F2_F3_a_removed_dependants_history_still_says_whom_it_was_for(admin, maya, leo, flow):
    from wagtail_passes.test.factories import BookingFactory

    BookingFactory(member=maya, person=leo, session=session_at(flow, at(-3)), status="attended")
    services.remove_dependant(leo)

    response = admin.get(profile(maya))

    assert [r[1] for r in rows(block(response, "past"), "passes-past")] == ["Leo"]
    assert page(response).find("select", attrs={"name": "person"}) is None  # not bookable


def test_F2_staff_actions_on_a_dependants_booking_name_them(admin, maya, leo, flow):
    booking = services.book(leo, session_at(flow, at(2)))

    page_ = admin.get(admin_url("booking", "cancel", booking.pk))
    response = admin.post(admin_url("booking", "cancel", booking.pk))

    assert "Leo (paid by Maya Lind)" in text(page(page_))
    assert messages_of(response)[-1].startswith("Booking of Leo cancelled")
