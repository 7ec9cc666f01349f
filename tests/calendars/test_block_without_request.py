"""CAL1, CAL2: the calendar block works when the host renders ``{{ page.body }}``.

Wagtail renders ``{{ page.body }}`` without the page's template context (the block gets its id,
no request), ``{% include_block %}`` with it. The same host page is rendered both ways
(tests/page_body.py swaps its template): without a request the block's links lead to the app's
page of that calendar (a signed token holds the block's settings), which has the request.
"""

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core import signing

from tests.page_body import page_body_template
from wagtail_passes.calendars import standalone
from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.calendars.navigation import monday
from wagtail_passes.calendars.render import CalendarConfig
from wagtail_passes.presentation import format_day, local_today
from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory, member_pass

from .conftest import BLOCK_ID, KEY, block_value

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def a_wednesday_morning(time_machine):
    """The week view shows Monday to Sunday around today: on a Sunday evening, "tomorrow's"
    session is in next week. These tests read this week's sessions, so today is a Wednesday."""
    time_machine.move_to(dt.datetime(2026, 12, 9, 9, 0, tzinfo=dt.UTC), tick=True)


FRAGMENT = {standalone.FRAGMENT_HEADER: "1"}


def days_to(day: dt.date) -> int:
    return (day - local_today()).days


def next_week_day() -> int:
    """Days from today to the Wednesday of next week (never in this week's view)."""
    return days_to(monday(local_today()) + dt.timedelta(days=9))


def src_of(html: str) -> str:
    found = re.search(r'data-wp-calendar-src="([^"]+)"', html)
    return unescape(found.group(1)) if found else ""


def link(html: str, words: str) -> str:
    """The href of the calendar link whose text starts with ``words``."""
    for href, text in re.findall(r'<a\b[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', html, re.S):
        if re.sub(r"<[^>]+>", "", text).strip("←→ \n").startswith(words):
            return unescape(href)
    raise AssertionError(f"no link {words!r}")


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def title_of(html: str) -> str:
    return words(
        re.search(r'class="wp-calendar__title"[^>]*>(.*?)</h', html, re.S).group(1)
    ).strip()


@pytest.fixture
def host(calendar_page, yoga):
    """A host page with the calendar of Yoga, and its HTML rendered both ways."""
    page = calendar_page(block_value(programmes=[yoga.pk]))

    def render(client, *, page_body: bool):
        if page_body:
            with page_body_template():
                response = client.get(page.url)
        else:
            response = client.get(page.url)
        assert response.status_code == 200
        return response.content.decode()

    render.page = page
    return render


def test_cal1_include_block_renders_with_the_request_as_before(
    client, host, member, yoga, make_session
):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    make_session(1)
    client.force_login(member)
    html = host(client, page_body=False)
    assert "data-wp-calendar-src" not in html
    assert "10-class pass pays — 9 left after" in words(html)
    assert link(html, "Next week").startswith(f"{host.page.url}?")


def test_cal1_page_body_renders_for_an_unknown_visitor_with_links_to_its_own_page(
    client, host, member, make_session
):
    session = make_session(1)
    client.force_login(member)  # the block cannot know: it has no request
    html = host(client, page_body=True)
    src = src_of(html)
    assert src.startswith("/passes/calendars/") and len(src) < 200
    # The same element id as with include_block: the block's id in its StreamField (a digest
    # of its settings on Wagtail 7.0, which gives the block no id in either rendering).
    dom_id = re.search(r'<section class="wp-calendar[^"]*" id="([^"]+)"', html).group(1)
    with_request = host(client, page_body=False)
    assert f'<section class="wp-calendar wp-calendar--week" id="{dom_id}"' in with_request
    assert dom_id.startswith("wp-calendar-")
    assert "pays" not in html
    # Every navigation link leads to the calendar's own page, none back to the host page.
    for words_ in ("Week", "Month", "List", "Next week"):
        assert link(html, words_).startswith(src + "?")
    # "Log in to book" leads to the booking page: it signs a visitor in, books for a member.
    assert link(html, "Log in to book").startswith(f"/passes/sessions/{session.pk}/book/?next=")


def test_cal2_page_body_next_moves_a_week_and_the_view_links_switch_views(
    client, host, make_session
):
    make_session(next_week_day())
    html = host(client, page_body=True)
    this_week = title_of(html)
    assert "Yoga Flow" not in html

    following = client.get(link(html, "Next week"))
    assert following.status_code == 200
    later = following.content.decode()
    next_monday = monday(local_today()) + dt.timedelta(days=7)
    assert title_of(later) == f"Week of {format_day(next_monday)}" != this_week
    assert "Yoga Flow" in later
    # Its own links go on from there: the week after, and back.
    assert link(later, "Previous week").startswith(src_of(html))

    month = client.get(link(html, "Month")).content.decode()
    assert "wp-calendar--month" in month
    listed = client.get(link(html, "List")).content.decode()
    assert "wp-calendar--list" in listed and "Yoga Flow" in listed


def test_cal2_a_member_sees_their_standing_on_the_calendars_page(
    client, host, member, yoga, make_session
):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    make_session(1)
    html = host(client, page_body=True)
    client.force_login(member)
    page = client.get(src_of(html))
    assert page.status_code == 200
    text = words(page.content.decode())
    assert "Calendar of sessions" in text
    assert "10-class pass pays — 9 left after" in text


def test_cal2_the_fragment_is_the_calendar_alone_and_booking_leads_back_to_the_host_page(
    client, host, member, yoga, make_session
):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    session = make_session(1)
    src = src_of(host(client, page_body=True))
    client.force_login(member)
    response = client.get(src, {"back": host.page.url}, headers=FRAGMENT)
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and "<h1" not in html
    assert "10-class pass pays — 9 left after" in words(html)
    book = link(html, "Book")
    assert book == f"/passes/sessions/{session.pk}/book/?next=%2Fclasses%2F"
    # Its navigation keeps the way back for the next swap.
    assert "back=%2Fclasses%2F" in link(html, "Next week")
    assert "Cookie" in response["Vary"] and standalone.FRAGMENT_HEADER in response["Vary"]
    assert "private" in response["Cache-Control"]


def test_cal2_the_calendars_page_links_back_to_a_page_of_this_site_only(client, host):
    src = src_of(host(client, page_body=True))
    came = client.get(src, headers={"Referer": "http://testserver/classes/?term=1"})
    html = came.content.decode()
    assert link(html, "Back to the page you came from") == "/classes/?term=1"
    assert "back=%2Fclasses%2F%3Fterm%3D1" in link(html, "Next week")
    for referer in ("https://elsewhere.example/classes/", f"http://testserver{src}?x=1"):
        html = client.get(src, headers={"Referer": referer}).content.decode()
        assert "Back to the page" not in html
    for back in ("https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)"):
        html = client.get(src, {"back": back}).content.decode()
        assert "Back to the page" not in html and "elsewhere" not in html.split("<section")[0]


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJrZXkiOiJhYmMifQ:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # forged signature
        signing.Signer(salt="another.salt").sign_object({"key": "abc"}),
        signing.Signer(salt=standalone.SALT).sign_object(["key", "abc"]),
        signing.Signer(salt=standalone.SALT).sign_object({"key": "a b"}),
        signing.Signer(salt=standalone.SALT).sign_object({"key": "abc", "programme_ids": ["1"]}),
        signing.Signer(salt=standalone.SALT).sign_object({"key": "abc", "weeks_ahead": True}),
        "x" * 2000,
    ],
    ids=["garbage", "forged", "other-salt", "list", "bad-key", "string-id", "bool", "huge"],
)
def test_cal2_a_bad_token_is_a_404_page_that_says_so(client, db, token):
    response = client.get(f"/passes/calendars/{token}/")
    assert response.status_code == 404
    assert "Calendar not found" in response.content.decode()


def test_cal2_a_token_cannot_be_changed_to_show_another_programme(client, yoga, make_session):
    aqua = ProgrammeFactory(name="Aqua")
    make_session(1, klass=ProgrammeClassFactory(programme=aqua, name="Swim"))
    make_session(1)
    token = standalone.encode(CalendarConfig(key="abc", programme_ids=(yoga.pk,)))
    payload, signature = token.rsplit(":", 1)
    other = standalone.encode(CalendarConfig(key="abc", programme_ids=(aqua.pk,)))
    forged = f"{other.rsplit(':', 1)[0]}:{signature}"
    assert client.get(f"/passes/calendars/{forged}/").status_code == 404
    # The query string moves the period, never what the calendar covers.
    html = client.get(
        f"/passes/calendars/{token}/",
        {"programmes": aqua.pk, "passes_view_abc": "list", "passes_from_abc": "2099-01-01"},
    ).content.decode()
    assert "Yoga Flow" in html and "Swim" not in html


def test_cal2_ids_that_no_longer_exist_are_ignored(client, yoga, flow, make_session):
    make_session(1)
    gone = ProgrammeFactory(name="Gone")
    token = standalone.encode(
        CalendarConfig(key="abc", programme_ids=(gone.pk,), class_ids=(flow.pk, 987654))
    )
    gone.delete()
    response = client.get(f"/passes/calendars/{token}/")
    assert response.status_code == 200
    assert "Yoga Flow" in response.content.decode()


def test_cal2_the_token_is_small_stable_and_keeps_the_blocks_settings():
    config = CalendarConfig(
        key=KEY,
        programme_ids=(3, 14),
        class_ids=(15,),
        first_view="list",
        weeks_ahead=26,
        show_price=False,
        show_places=False,
    )
    token = standalone.encode(config)
    assert token == standalone.encode(config)  # no timestamp: a cached page's links stay valid
    assert len(token) < 200
    assert standalone.decode(token) == config
    assert standalone.decode(standalone.encode(CalendarConfig(key="k"))) == CalendarConfig(key="k")
    # A setting another version wrote and this one does not know is left out.
    other = signing.Signer(salt=standalone.SALT).sign_object({"key": "k", "colour": "red"})
    assert standalone.decode(other) == CalendarConfig(key="k")


def test_cal1_a_block_rendered_without_any_context_works_the_same(yoga, make_session):
    """``{% for block in page.body %}{{ block }}`` passes neither id nor request."""
    make_session(1)
    html = CalendarBlock().render(block_value(programmes=[yoga.pk]))
    src = src_of(html)
    assert src.startswith("/passes/calendars/")
    key = standalone.decode(src.split("/")[3]).key
    assert f'id="wp-calendar-{key}"' in html
    assert link(html, "Next week").startswith(src + "?")


def test_cal1_the_developer_is_told_in_debug_only(settings, yoga):
    value = block_value(programmes=[yoga.pk])
    settings.DEBUG = True
    html = CalendarBlock().render(value, context={"id": BLOCK_ID})
    assert "rendered without the page's request ({{ page.body }})" in html
    assert "{% include_block block %}" in html
    settings.DEBUG = False
    assert "<!--" not in CalendarBlock().render(value, context={"id": BLOCK_ID})


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_cal2_the_calendars_page_and_the_block_without_request_pin_their_queries(
    who, client, yoga, flow, member, make_session, django_assert_num_queries
):
    from .conftest import bulk_sessions

    member_pass(member, title="10-class pass", quantity=Decimal(100), programmes=[yoga])
    bulk_sessions(60, flow, days=6)
    value = block_value(programmes=[yoga.pk], first_view="list")
    # The block alone, as {{ page.body }} renders it: the anonymous calendar's queries (the
    # filters' choices, the sessions).
    with django_assert_num_queries(2):
        html = CalendarBlock().render(value, context={"id": BLOCK_ID})
    if who == "member":
        client.force_login(member)
    # Both: the filters' choices and the sessions; a member also their session, user, history
    # and dependants (F1).
    expected = {"anonymous": 2, "member": 9}[who]
    with django_assert_num_queries(expected):
        response = client.get(src_of(html), headers=FRAGMENT)
    assert response.content.decode().count("<strong>Yoga Flow</strong>") == 60
