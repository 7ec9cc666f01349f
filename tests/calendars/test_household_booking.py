"""F1 on the booking page: "Book for: Me · Ana · Leo", what pays for whom, and several people
of a household booked at once, each refused on their own with the reason."""

import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from wagtail_passes import services
from wagtail_passes.models import Booking
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    member_pass,
)

from .conftest import at, block_value

pytestmark = pytest.mark.django_db


def url(session, **query):
    base = f"/passes/sessions/{session.pk}/book/"
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def household(member):
    return services.add_dependant(member, "Ana"), services.add_dependant(member, "Leo")


def test_F1_a_household_of_one_sees_no_switcher(client, member, make_session):
    client.force_login(member)
    page = client.get(url(make_session()))
    assert page.status_code == 200
    assert b"wp-switcher" not in page.content and b"wp-household" not in page.content


def test_F1_the_page_books_for_the_person_chosen(client, member, household, make_session):
    ana, _leo = household
    session = make_session()
    client.force_login(member)
    page = client.get(url(session, **{"for": ana.pk}))
    soup = BeautifulSoup(page.content, "html.parser")
    current = soup.select_one(".wp-switcher [aria-current]")
    assert current.get_text() == "Ana"
    assert [a.get_text() for a in soup.select(".wp-switcher a")] == ["Me", "Ana", "Leo"]
    sent = client.post(url(session), {"token": token_of(page), "action": "book", "for": ana.pk})
    assert sent.status_code == 303
    booking = Booking.objects.get()
    assert (booking.member, booking.person) == (member, ana)
    again = client.get(url(session, **{"for": ana.pk}))
    assert "Ana is booked on this session." in again.content.decode()
    mine = client.get(url(session))  # the parent's own view: not booked
    assert "You are booked" not in mine.content.decode()


def test_F1_someone_elses_person_is_not_found(client, member, make_session):
    stranger_child = services.add_dependant(type(member).objects.create(username="other"), "Zoe")
    client.force_login(member)
    assert client.get(url(make_session(), **{"for": stranger_child.pk})).status_code == 404
    assert client.get(url(make_session(), **{"for": "x'1"})).status_code == 404


def test_F1_several_people_booked_at_once_each_refused_with_the_reason(client, member, household):
    ana, leo = household
    strict = ProgrammeFactory(default_unit_price=Decimal("12.00"), require_valid_pass=True)
    klass = ProgrammeClassFactory(programme=strict, capacity=5)
    member_pass(ana, programmes=[strict])
    start = at(2, 18, 0)
    session = SessionFactory(programme_class=klass, start=start, end=start.replace(hour=19))
    client.force_login(member)
    page = client.get(url(session))
    soup = BeautifulSoup(page.content, "html.parser")
    words = {
        li.select_one("label, .wp-household__name").get_text(): li.select_one(
            ".wp-household__words"
        ).get_text()
        for li in soup.select(".wp-household__person")
    }
    assert words["Ana"].startswith(ana.member_passes.get().title)  # her pass pays
    assert words["Leo"] == "No pass of theirs pays for it"
    form = {"token": token_of(page), "action": "book_people", "people": [ana.pk, leo.pk]}
    result = client.post(url(session), form)
    text = BeautifulSoup(result.content, "html.parser").select_one("#wp-people-results")
    lines = [li.get_text(" ", strip=True) for li in text.select("li")]
    assert lines[0].startswith("Ana : booked, paid with")
    assert lines[1].startswith("Leo : not booked") and "needs a valid pass" in lines[1]
    assert list(Booking.objects.values_list("person", flat=True)) == [ana.pk]
    # The same form sent again books nobody twice.
    client.post(url(session), form)
    assert Booking.objects.count() == 1


def test_F1_book_people_refuses_people_of_other_households(client, member, household, make_session):
    session = make_session()
    other = services.add_dependant(type(member).objects.create(username="other"), "Zoe")
    client.force_login(member)
    page = client.get(url(session))
    result = client.post(
        url(session), {"token": token_of(page), "action": "book_people", "people": [other.pk]}
    )
    assert result.status_code == 200
    assert "Not someone of your household." in result.content.decode()
    assert not Booking.objects.exists()


def test_F1_the_calendar_says_what_pays_for_each_dependant(
    render_block, member, household, yoga, make_session
):
    ana, leo = household
    member_pass(ana, title="Kids ten", programmes=[yoga])
    make_session()
    services.book(leo, make_session(2))
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=member)
    soup = BeautifulSoup(html, "html.parser")
    lines = [p.get_text() for p in soup.select(".wp-session__household")]
    assert lines[0] == "Ana: Kids ten pays · Leo: €12.00 due"
    assert lines[1] == "Ana: Kids ten pays · Leo: booked"


def test_F1_a_household_of_one_sees_no_household_line(render_block, member, yoga, make_session):
    make_session()
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=member)
    assert "wp-session" in html  # the session is shown
    assert "wp-session__household" not in html
