"""Issue 19 item 2 (CAL2): the calendar's filters — programme, class, location, instructor,
time of day, "only what my passes cover", "only with places left" — as plain GET parameters
of the host page, namespaced per block, checked against what the block offers, applied in the
sessions' query, kept by every link; and a query count that does not grow with them."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.presentation import local_today
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    UserFactory,
    member_pass,
)

from .conftest import BLOCK_ID, KEY, block_value

pytestmark = pytest.mark.django_db

VIEW, FROM = f"passes_view_{KEY}", f"passes_from_{KEY}"


def p(name):
    return f"passes_{name}_{KEY}"


def shown(html):
    return {int(pk) for pk in re.findall(r'data-session="(\d+)"', html)}


@pytest.fixture
def timetable(yoga, flow, make_session):
    """Yoga (Yoga Flow in Studio 1 with Ana, Yin in Studio 2 with Ben) and Aqua (Swim in the
    Pool with Cy) on the block; Dance (Salsa in the Hall with Dee) is not on it."""
    yin = ProgrammeClassFactory(programme=yoga, name="Yin", location="Studio 2", instructor="Ben")
    aqua = ProgrammeFactory(name="Aqua", default_unit_price=Decimal("8.00"), currency="EUR")
    swim = ProgrammeClassFactory(programme=aqua, name="Swim", location="Pool", instructor="Cy")
    dance = ProgrammeFactory(name="Dance")
    salsa = ProgrammeClassFactory(programme=dance, name="Salsa", location="Hall", instructor="Dee")
    full = make_session(2, 11, 30, capacity=1)
    services.book(UserFactory(username="early"), full)
    sessions = {
        "flow9": make_session(1, 9),
        "yin13": make_session(1, 13, klass=yin),
        "swim19": make_session(1, 19, klass=swim),
        "full": full,
        "cancelled": make_session(3, 10, klass=swim, is_cancelled=True),
        "salsa": make_session(1, 10, klass=salsa),
    }
    ids = {name: s.pk for name, s in sessions.items()}
    value = block_value(programmes=[yoga.pk, aqua.pk], first_view="next")
    return {
        "ids": ids,
        "value": value,
        "yoga": yoga,
        "aqua": aqua,
        "dance": dance,
        "flow": flow,
        "yin": yin,
        "salsa": salsa,
    }


def names(timetable, *keys):
    return {timetable["ids"][k] for k in keys}


EVERYTHING = ("flow9", "yin13", "swim19", "full", "cancelled")


def test_cal2_without_filters_the_block_shows_its_programmes_sessions(timetable, render_block):
    assert shown(render_block(timetable["value"])) == names(timetable, *EVERYTHING)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("programme", "aqua", ("swim19", "cancelled")),
        ("programme", "yoga", ("flow9", "yin13", "full")),
        ("class", "yin", ("yin13",)),
        ("where", "Pool", ("swim19", "cancelled")),
        ("where", "Studio 1", ("flow9", "full")),
        ("teacher", "Ben", ("yin13",)),
        ("time", "morning", ("flow9", "full", "cancelled")),
        ("time", "afternoon", ("yin13",)),
        ("time", "evening", ("swim19",)),
        ("open", "1", ("flow9", "yin13", "swim19")),
    ],
)
def test_cal2_each_filter_narrows_the_sessions(timetable, render_block, name, value, expected):
    value = {"aqua": timetable["aqua"].pk, "yoga": timetable["yoga"].pk}.get(value, value)
    value = timetable["yin"].pk if value == "yin" else value
    html = render_block(timetable["value"], **{p(name): str(value)})
    assert shown(html) == names(timetable, *expected)
    assert "(1 applied)" in html and '<details class="wp-filters" open>' in html


def test_cal2_filters_combine(timetable, render_block):
    html = render_block(
        timetable["value"],
        **{p("programme"): str(timetable["yoga"].pk), p("time"): "morning", p("open"): "1"},
    )
    assert shown(html) == names(timetable, "flow9")
    assert "(3 applied)" in html


def test_cal2_time_of_day_is_the_sites_local_clock(settings, yoga, flow, render_block):
    """11:59 is morning, 12:00 afternoon, 16:59 afternoon, 17:00 evening — on the site's
    clock (here Tokyo, nine hours from UTC), not the database's."""
    from .conftest import at

    settings.WAGTAIL_PASSES_TIME_ZONE = "Asia/Tokyo"
    from wagtail_passes.test.factories import SessionFactory

    def session(hour, minute):
        start = at(1, hour, minute)
        return SessionFactory(programme_class=flow, start=start, end=start + dt.timedelta(hours=1))

    morning, noon, late, five = session(11, 59), session(12, 0), session(16, 59), session(17, 0)
    value = block_value(programmes=[yoga.pk], first_view="next")
    assert shown(render_block(value, **{p("time"): "morning"})) == {morning.pk}
    assert shown(render_block(value, **{p("time"): "afternoon"})) == {noon.pk, late.pk}
    assert shown(render_block(value, **{p("time"): "evening"})) == {five.pk}


def test_cal2_only_the_blocks_own_choices_are_offered(timetable, render_block):
    html = render_block(timetable["value"])
    form = html[html.index('<details class="wp-filters"') : html.index("</details>")]
    assert '<form method="get"' in form and '<button type="submit"' in form
    for offered in ("Yoga", "Aqua", "Yoga – Yoga Flow", "Aqua – Swim", "Studio 1", "Pool"):
        assert f">{offered}</option>" in form
    for other in ("Dance", "Salsa", "Hall", "Dee"):
        assert other not in form
    assert "Morning (before 12:00)" in form and "Evening (from 17:00)" in form
    assert "Only with places left" in form
    assert "Only what my passes cover" not in form  # a visitor has no passes


def test_cal2_a_select_with_a_single_choice_is_not_offered(yoga, flow, make_session, render_block):
    make_session(1)
    html = render_block(block_value(programmes=[yoga.pk], first_view="next"))
    form = html[html.index('<details class="wp-filters"') : html.index("</details>")]
    assert p("programme") not in form and p("class") not in form and p("where") not in form
    assert p("time") in form


@pytest.mark.parametrize(
    "params",
    [
        {"programme": "999999"},
        {"programme": "dance"},  # replaced by the Dance programme's id: not on the block
        {"class": "salsa"},
        {"class": "1; DROP TABLE"},
        {"where": "Hall"},
        {"where": "x" * 5000},
        {"teacher": "Nobody"},
        {"time": "night"},
        {"open": "yes"},
        {"mine": "1"},  # a visitor: not offered, not applied
        {"programme": "１"},  # a full-width digit is not an id
    ],
)
def test_cal2_bad_filter_values_are_ignored_and_show_as_not_applied(
    timetable, client, calendar_page, params
):
    page = calendar_page(timetable["value"])
    # The block's parameter names as the page writes them: its id in the StreamField where
    # Wagtail passes it to the block (8), a digest of its settings before (Wagtail 7.0).
    key = re.search(r"passes_view_(\w+)=", client.get(page.url).content.decode()).group(1)
    query = {}
    for name, value in params.items():
        value = {"dance": timetable["dance"].pk, "salsa": timetable["salsa"].pk}.get(value, value)
        query[f"passes_{name}_{key}"] = str(value)
    response = client.get(page.url, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert shown(html) == names(timetable, *EVERYTHING)
    assert "applied)" not in html and '<details class="wp-filters">' in html
    assert "Clear the filters" not in html
    # Every select shows "any", and a bad value is not carried on by the links.
    assert re.findall(r'<option value=""( selected)?>Any', html) == [(" selected")] * 5
    assert "DROP" not in html and "Nobody" not in html


def test_cal2_links_keep_the_filters_and_the_form_keeps_the_view_and_the_page(
    timetable, render_block
):
    later = (local_today() + dt.timedelta(days=1)).isoformat()
    html = render_block(
        timetable["value"],
        q="yoga",
        **{VIEW: "list", FROM: later, p("time"): "evening", p("where"): "Pool"},
    )
    kept = f"{p('where')}=Pool&amp;{p('time')}=evening"
    links = re.findall(r'href="(/classes/\?[^"]+)"', html)
    period_links = [link for link in links if "data-passes-nav" in html.split(link)[1][:30]]
    assert period_links and all(kept in link and "q=yoga" in link for link in period_links)
    # the view switch, previous / next and Today all keep them
    assert any(f"{VIEW}=month" in link for link in period_links)
    # the booking links come back to the filtered calendar
    login = re.search(r'href="(/accounts/login/[^"]+)"', html).group(1)
    assert "q%253Dyoga" in login and "passes_time_" in login  # encoded twice: next of next
    form = html[html.index('<details class="wp-filters"') : html.index("</details>")]
    assert '<input type="hidden" name="q" value="yoga">' in form
    assert f'<input type="hidden" name="{VIEW}" value="list">' in form
    assert f'<input type="hidden" name="{FROM}" value="{later}">' in form
    assert '<option value="evening" selected>' in form
    assert '<option value="Pool" selected>' in form
    # "Clear the filters" keeps the view, the period and the page's own parameters.
    clear = re.search(r'<a href="([^"]+)">Clear the filters</a>', form).group(1)
    assert "q=yoga" in clear and f"{VIEW}=list" in clear and "passes_time_" not in clear


def test_cal2_two_calendars_keep_their_own_filters(timetable, request_for):
    from wagtail_passes.calendars.blocks import CalendarBlock

    request = request_for(**{p("where"): "Pool"})
    first = CalendarBlock().render(timetable["value"], context={"request": request, "id": BLOCK_ID})
    second = CalendarBlock().render(
        timetable["value"],
        context={"request": request, "id": "ffff0001-0000-4000-8000-000000000000"},
    )
    assert shown(first) == names(timetable, "swim19", "cancelled")
    assert shown(second) == names(timetable, *EVERYTHING)
    assert "passes_where_ffff0001=Pool" not in second
    assert f"{p('where')}=Pool" in second  # the other calendar's filter, kept as it is


def test_cal2_only_what_my_passes_cover_uses_the_same_verdicts_as_booking(
    timetable, render_block, member
):
    """A pass for Yoga, one a day: on the day it already paid for Yoga Flow, Yin is covered
    but would not be paid (the daily limit, R4) and is left out; the member's own bookings
    stay; Aqua is not covered at all."""
    member_pass(
        member,
        title="One a day",
        quantity=Decimal(10),
        programmes=[timetable["yoga"]],
        period_limit="day",
        period_max_uses=1,
    )
    from wagtail_passes.models import Session

    services.book(member, Session.objects.get(pk=timetable["ids"]["flow9"]))
    html = render_block(timetable["value"], user=member, **{p("mine"): "1"})
    assert shown(html) == names(timetable, "flow9", "full")
    assert "Only what my passes cover" in html and "(1 applied)" in html
    # Without the filter the same member sees everything, and why Yin would not be paid.
    html = render_block(timetable["value"], user=member)
    assert shown(html) == names(timetable, *EVERYTHING)
    assert "One a day: " in html


def test_cal2_only_what_my_passes_cover_with_no_pass_shows_nothing(timetable, render_block, member):
    html = render_block(timetable["value"], user=member, **{p("mine"): "1"})
    assert shown(html) == set()
    assert "Nothing on in these 7 days with these filters." in html


def test_cal2_a_class_pass_covers_its_link_pool(timetable, render_block, member):
    """P5: a pass for Yoga Flow covers Yin when the two are linked: the query says so too."""
    from wagtail_passes.models import LinkPool

    pool = LinkPool.objects.create(programme=timetable["yoga"], name="Flow and Yin")
    for klass in (timetable["flow"], timetable["yin"]):
        klass.link_pool = pool
        klass.save()
    member_pass(member, title="Flow pass", quantity=Decimal(10), classes=[timetable["flow"]])
    html = render_block(timetable["value"], user=member, **{p("mine"): "1"})
    assert shown(html) == names(timetable, "flow9", "yin13", "full")


FILTERS = [
    {},
    {"programme": "yoga"},
    {"class": "yin"},
    {"where": "Studio 2"},
    {"teacher": "Ana"},
    {"time": "afternoon"},
    {"open": "1"},
    {"mine": "1"},
    {"programme": "yoga", "time": "morning", "open": "1", "mine": "1", "teacher": "Ana"},
]


@pytest.mark.parametrize("who, queries", [("anonymous", 2), ("member", 7)])  # F1: dependants
@pytest.mark.parametrize("filters", FILTERS)
def test_cal2_filters_do_not_add_queries(
    timetable, render_block, member, django_assert_num_queries, who, queries, filters
):
    """The same fixed count with any filter as without: 2 for a visitor (the block's classes
    for the choices, the sessions), 6 for a member (plus their bookings, waiting entries,
    passes and the passes' redemptions near the range)."""
    member_pass(member, title="Any class", quantity=Decimal(10))
    query = {}
    for name, value in filters.items():
        value = {"yoga": timetable["yoga"].pk, "yin": timetable["yin"].pk}.get(value, value)
        query[p(name)] = str(value)
    user = member if who == "member" else None
    with django_assert_num_queries(queries):
        html = render_block(timetable["value"], user=user, **query)
    assert shown(html)  # something is shown: the count is not that of an empty calendar


def test_cal2_the_filters_and_the_day_strip_have_namespaced_ids(timetable, render_block, member):
    """Their ids come from code (``{{ field.id }}``, ``{{ check.id }}``,
    ``{{ calendar.strip_id }}``): rendered, each starts with ``wp-`` (test_template_classes
    counts on this test)."""
    html = render_block(timetable["value"], user=member)
    ids = re.findall(r'\bid="([^"]*)"', html)
    assert any(i.endswith("-days") for i in ids) and any(i.endswith("-programme") for i in ids)
    assert [i for i in ids if not i.startswith("wp-")] == []
