"""Issue 19 item 2 (CAL1, CAL2, M3): the calendar opens on the next 7 days from today; a day
with nothing shows nothing; previous / next move by 7 days; a narrow screen gets a day strip."""

import datetime as dt
import re

import pytest

from wagtail_passes.calendars.blocks import CalendarBlock
from wagtail_passes.presentation import local_today

from .conftest import KEY, block_value

pytestmark = pytest.mark.django_db

VIEW, FROM, DAY = f"passes_view_{KEY}", f"passes_from_{KEY}", f"passes_day_{KEY}"


def sections(html):
    return re.findall(r'<section class="wp-day[^"]*" id="wp-calendar-\w+-day-([\d-]+)"', html)


def test_cal1_the_block_opens_on_the_next_7_days_unless_the_editor_chose_another_view(
    yoga, render_block
):
    assert CalendarBlock().child_blocks["first_view"].get_default() == "next"
    value = block_value(programmes=[yoga.pk])
    del value["first_view"]  # a block saved before the choice existed: the default
    html = render_block(CalendarBlock().to_python(dict(value)))
    assert "wp-calendar--next" in html and ">Next 7 days</h2>" in html
    # A block saved with "week" keeps its week.
    html = render_block(block_value(programmes=[yoga.pk], first_view="week"))
    assert "wp-calendar--week" in html


def test_cal2_next_7_days_shows_only_the_days_with_sessions_from_today(
    yoga, make_session, render_block
):
    make_session(1, 9)
    make_session(5, 18)
    make_session(7, 9)  # the eighth day: the following period
    html = render_block(block_value(programmes=[yoga.pk], first_view="next"))
    today = local_today()
    assert sections(html) == [
        (today + dt.timedelta(days=1)).isoformat(),
        (today + dt.timedelta(days=5)).isoformat(),
    ]
    assert "Past" not in html and "No sessions" not in html
    following = (today + dt.timedelta(days=7)).isoformat()
    assert f"{FROM}={following}" in html and 'rel="next"' in html
    assert 'rel="prev"' not in html  # nothing before today
    assert ">Today<" not in html  # already on today


def test_cal2_an_empty_7_days_says_so_once_with_a_link_to_the_following_7(
    yoga, make_session, render_block
):
    make_session(9)
    html = render_block(block_value(programmes=[yoga.pk], first_view="next"))
    assert html.count("Nothing on in these 7 days.") == 1
    following = (local_today() + dt.timedelta(days=7)).isoformat()
    link = re.search(r'Nothing on in these 7 days\. <a href="([^"]+)"', html).group(1)
    assert f"{VIEW}=next&amp;{FROM}={following}" in link
    assert sections(html) == []


def test_cal2_previous_and_next_move_by_7_days_and_today_comes_back(yoga, render_block):
    today = local_today()
    later = today + dt.timedelta(days=10)
    html = render_block(
        block_value(programmes=[yoga.pk], first_view="next"),
        **{VIEW: "next", FROM: later.isoformat()},
    )
    back, forward = today + dt.timedelta(days=3), today + dt.timedelta(days=17)
    assert re.search(rf'{FROM}={back.isoformat()}#wp-calendar-{KEY}" rel="prev"', html)
    assert re.search(rf'{FROM}={forward.isoformat()}#wp-calendar-{KEY}" rel="next"', html)
    assert f'href="/classes/?{VIEW}=next#wp-calendar-{KEY}" data-passes-nav>Today<' in html
    # The title names the days when they are not today's 7.
    assert ">Next 7 days<" not in html.split("wp-calendar__title")[1][:200]
    assert str(later.day) in html.split("wp-calendar__title")[1][:200]
    # Three days on, "previous" stops at today rather than before it.
    html = render_block(
        block_value(programmes=[yoga.pk]),
        **{VIEW: "next", FROM: (today + dt.timedelta(days=3)).isoformat()},
    )
    assert re.search(rf'{FROM}={today.isoformat()}#wp-calendar-{KEY}" rel="prev"', html)


@pytest.mark.parametrize("start", ["1999-01-01", "nonsense", "9999-01-01"])
def test_cal2_a_bad_start_shows_the_next_7_days_from_today(yoga, render_block, start):
    html = render_block(block_value(programmes=[yoga.pk]), **{VIEW: "next", FROM: start})
    assert ">Next 7 days</h2>" in html


def test_cal2_the_day_strip_has_a_tab_per_day_with_its_count_and_one_chosen(
    yoga, make_session, render_block
):
    today = local_today()
    make_session(1, 9)
    make_session(1, 18)
    make_session(4, 9)
    value = block_value(programmes=[yoga.pk], first_view="next")
    html = render_block(value)
    strip = html[
        html.index('<nav class="wp-daystrip"') : html.index("</nav>", html.index("wp-daystrip"))
    ]
    tabs = re.findall(r'<a class="wp-daystrip__day[^>]*>.*?</a>', strip)
    assert len(tabs) == 2
    assert ", 2 sessions" in tabs[0] and ", 1 session<" in tabs[1]
    # Today has nothing: the first day with sessions is chosen, its section marked so.
    assert 'aria-current="true"' in tabs[0] and "aria-current" not in tabs[1]
    day1, day4 = (today + dt.timedelta(days=1)), (today + dt.timedelta(days=4))
    assert f'wp-day--chosen" id="wp-calendar-{KEY}-day-{day1.isoformat()}"' in html
    # Each tab is a link that chooses its day without JavaScript, and keeps the view.
    assert f"{VIEW}=next&amp;" in tabs[1]
    assert f"&amp;{DAY}={day4.isoformat()}#wp-calendar-{KEY}-days" in tabs[1]
    html = render_block(value, **{DAY: day4.isoformat()})
    assert f'wp-day--chosen" id="wp-calendar-{KEY}-day-{day4.isoformat()}"' in html
    assert html.count("wp-day--chosen") == 1
    # A day not in the strip (or garbage) is ignored.
    for bad in ["2001-01-01", "x", (today + dt.timedelta(days=2)).isoformat()]:
        html = render_block(value, **{DAY: bad})
        assert f'wp-day--chosen" id="wp-calendar-{KEY}-day-{day1.isoformat()}"' in html


def test_cal2_the_week_strip_has_all_seven_days_and_one_day_needs_no_strip(
    yoga, make_session, render_block
):
    session = make_session(1)
    html = render_block(block_value(programmes=[yoga.pk], first_view="week"))
    assert html.count('class="wp-daystrip__day') == 7
    assert "wp-calendar__days--strip" in html
    # The first day from today with sessions is chosen; today when the week has none left.
    today, tomorrow = local_today(), session.start.date()
    same_week = tomorrow.weekday() > today.weekday()
    chosen = (tomorrow if same_week else today).isoformat()
    assert f'wp-day--chosen" id="wp-calendar-{KEY}-day-{chosen}"' in html
    html = render_block(block_value(programmes=[yoga.pk], first_view="next"))
    assert "wp-daystrip" not in html and "wp-calendar__days--strip" not in html
