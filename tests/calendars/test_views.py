"""CAL2: the week, month and list views, their navigation, and the block inside a page."""

import datetime as dt
import re

import pytest

from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory, SessionFactory

from .conftest import KEY, at, block_value

pytestmark = pytest.mark.django_db

VIEW, FROM = f"passes_view_{KEY}", f"passes_from_{KEY}"


def monday(day):
    return day - dt.timedelta(days=day.weekday())


def nav(view, start):
    return {VIEW: view, FROM: start.isoformat()}


def test_cal2_week_view_shows_seven_days_with_the_sessions_of_each(
    yoga, make_session, render_block
):
    session = make_session(9, 18, 30)
    day = session.start.date()
    html = render_block(block_value(programmes=[yoga.pk]), **nav("week", day))
    assert html.count('<section class="wp-day') == 7
    assert f"Week of {monday(day).day} " in html
    row = html[html.index(f'data-session="{session.pk}"') :]
    assert "18:30" in row and "19:30" in row and "Yoga Flow" in row
    assert "Studio 1" in row and "with Ana" in row and "10 left" in row and "€12.00" in row


def test_cal2_month_view_is_a_table_with_weekday_headers_and_linked_sessions(
    yoga, make_session, render_block
):
    session = make_session(5)
    day = session.start.date()
    html = render_block(block_value(programmes=[yoga.pk]), **nav("month", day))
    assert "<table" in html
    headers = re.findall(r'<th scope="col"><abbr title="(\w+)">', html)
    assert headers == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    table = html[html.index("<table") : html.index("</table>")]
    # a link to the session's booking page (through the login), not a click-only cell
    assert f"%2Fpasses%2Fsessions%2F{session.pk}%2Fbook%2F" in table
    assert "wp-month__list" in html  # the narrow-screen fallback


def test_cal2_list_view_shows_only_days_with_sessions(yoga, make_session, render_block):
    make_session(2)
    make_session(4)
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"))
    assert html.count('<section class="wp-day') == 2


def test_cal2_cancelled_sessions_are_marked(yoga, make_session, render_block):
    make_session(2, is_cancelled=True)
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"))
    assert "<del>Yoga Flow</del>" in html and "Cancelled" in html


def test_cal2_full_session_says_full_and_offers_the_waiting_list(
    yoga, make_session, render_block, member
):
    from wagtail_passes import services

    session = make_session(2, capacity=1)
    services.book(member, session)
    other = type(member).objects.create_user("bob", password="x")
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=other)
    assert "Full" in html and "join the waiting list" in html


@pytest.mark.parametrize(
    "params",
    [
        {VIEW: "year"},
        {FROM: "not-a-date"},
        {FROM: "2026-02-30"},
        {FROM: "1999-01-01"},
        {FROM: "9999-12-31"},
        {VIEW: "week", FROM: "2026-1-1"},
        {VIEW: "week", FROM: "x" * 500},
    ],
)
def test_cal2_bad_navigation_values_fall_back_to_todays_view(
    yoga, make_session, render_block, params
):
    make_session(1)
    html = render_block(block_value(programmes=[yoga.pk]), **params)
    assert f"Week of {monday(local_today()).day} " in html


@pytest.mark.parametrize("start", ["20261201", "1999-12-01", "", "2026-13-01"])
def test_cal2_a_bad_date_keeps_the_view_asked_for_on_todays_period(yoga, render_block, start):
    from wagtail_passes.presentation import format_month

    html = render_block(block_value(programmes=[yoga.pk]), **{VIEW: "month", FROM: start})
    assert f">{format_month(local_today())}</h2>" in html


def test_cal2_navigation_beyond_the_weeks_ahead_falls_back(yoga, render_block):
    beyond = local_today() + dt.timedelta(weeks=3)
    html = render_block(block_value(programmes=[yoga.pk], weeks_ahead=2), **nav("week", beyond))
    assert f"Week of {monday(local_today()).day} " in html
    inside = local_today() + dt.timedelta(days=8)
    html = render_block(block_value(programmes=[yoga.pk], weeks_ahead=2), **nav("week", inside))
    assert f"Week of {monday(inside).day} " in html


def test_cal2_previous_and_next_links_keep_the_page_and_other_parameters(yoga, render_block):
    html = render_block(block_value(programmes=[yoga.pk]), page="2", q="yoga")
    following = monday(local_today()) + dt.timedelta(days=7)
    assert (
        f'href="/classes/?page=2&amp;q=yoga&amp;{VIEW}=week&amp;{FROM}={following.isoformat()}'
        f'#wp-calendar-{KEY}"' in html
    )
    assert "Previous week</span>" in html  # today's week: nothing earlier to show


def test_cal2_last_period_has_no_next_link(yoga, render_block):
    last = local_today() + dt.timedelta(days=6)
    html = render_block(block_value(programmes=[yoga.pk], weeks_ahead=1), **nav("week", last))
    assert f"Week of {monday(last).day} " in html
    assert 'rel="next"' not in html and "Next week<" in html


def test_cal2_view_switch_links_mark_the_current_view(yoga, render_block):
    html = render_block(block_value(programmes=[yoga.pk], first_view="month"))
    assert re.search(r'aria-current="page"[^>]*>Month<', html)


def test_cal2_two_calendars_on_one_page_keep_their_own_parameters(
    yoga, make_session, client, calendar_page
):
    aqua = ProgrammeFactory(name="Aqua")
    swim = ProgrammeClassFactory(programme=aqua, name="Swim")
    start = at(10, 9)
    SessionFactory(programme_class=swim, start=start, end=start + dt.timedelta(hours=1))
    make_session(10)
    page = calendar_page(
        block_value(programmes=[yoga.pk]), block_value(programmes=[aqua.pk], first_view="list")
    )
    later = (local_today() + dt.timedelta(days=10)).isoformat()
    # The first calendar's own parameter names, from its links: the block's id in its
    # StreamField where Wagtail gives blocks their id (8), a digest of its settings before.
    first_links = (
        client.get(page.url).content.decode().split('class="wp-passes wp-passes--calendar"')[1]
    )
    view_name = re.search(r"(passes_view_\w+)=", first_links).group(1)
    from_name = view_name.replace("passes_view_", "passes_from_")
    response = client.get(page.url, {view_name: "month", from_name: later})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<div class="wp-passes wp-passes--calendar">') == 2
    assert html.count("passes.css") == 1  # the stylesheet once per page
    first, second = html.split('<div class="wp-passes wp-passes--calendar">')[1:]
    assert "<table" in first
    assert "<table" not in second and "From " in second


def test_cal1_editor_adds_the_block_to_a_page_and_it_renders(
    yoga, make_session, client, calendar_page
):
    make_session(1)
    page = calendar_page(block_value(programmes=[yoga.pk], first_view="list"))
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<main" in html and '<div class="wp-passes wp-passes--calendar">' in html
    assert "Yoga Flow" in html and "Log in to book" in html


def test_cal2_anonymous_log_in_link_comes_back_to_the_booking_page(
    yoga, make_session, render_block
):
    session = make_session(2)
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"))
    link = re.search(r'href="(/accounts/login/\?next=[^"]+)"', html).group(1)
    assert f"%2Fpasses%2Fsessions%2F{session.pk}%2Fbook%2F" in link


@pytest.mark.parametrize("back", ["", "/timetable/?cal-b1-view=list&cal-b1-from=2027-03-01", "/é/"])
def test_cal2_login_and_book_links_carry_the_way_back_encoded_once(back):
    """The links are built from parts encoded once per calendar: they must equal encoding
    the whole URL each time, the way a browser and the login view will read them."""
    from urllib.parse import urlencode

    from wagtail_passes.calendars.words import Links

    class FakeSession:
        pk = 4711

    links = Links(back)
    book = "/passes/sessions/4711/book/" + (f"?{urlencode({'next': back})}" if back else "")
    assert links.book(FakeSession()) == book
    assert links.login(FakeSession()) == f"/accounts/login/?{urlencode({'next': book})}"


def test_cal2_a_login_url_with_its_own_query_keeps_next_as_a_parameter(settings):
    from urllib.parse import parse_qs, urlsplit

    from wagtail_passes.calendars.words import Links

    settings.LOGIN_URL = "/accounts/login/?source=site"

    class FakeSession:
        pk = 12

    link = urlsplit(Links("/timetable/").login(FakeSession()))
    query = parse_qs(link.query)
    assert link.path == "/accounts/login/" and query["source"] == ["site"]
    assert query["next"] == ["/passes/sessions/12/book/?next=%2Ftimetable%2F"]
