"""How fast does a calendar view render? Prints queries per render and the median time,
against a floor: a bare Django view listing the same sessions' titles and times from one
query. Not a timed test: figures to read and to put in docs/how-to/calendar.md.

(Named calendar_view.py, not calendar.py: a bench/calendar.py would shadow the standard
library's ``calendar`` for every script run from this folder, and Django would not start.)

A 4-week view (the list view, 28 days) with 50, 500 and 5,000 sessions in range, for an
anonymous visitor and for a member holding 5 passes with 500 past bookings.

    .venv/bin/python bench/calendar_view.py            # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/calendar_view.py
"""

import statistics
import sys
import time
from functools import partial

from _django import setup, teardown

SIZES = (50, 500, 5000)
RUNS = {50: 30, 500: 15, 5000: 5}


def main():
    connection = setup()
    # setup() prepares the test environment (an in-memory mail box, "testserver" allowed),
    # which also wraps every template render to record it for test assertions. A site in
    # production has no such wrapper, and the calendar renders one template per session
    # where the floor renders one in all: take it off so the ratio compares like with like.
    from django.template.base import Template
    from django.test.utils import _TestState

    Template._render = _TestState.saved_data.template_render
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import reset_queries
    from django.template import Context, Template
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from tests.calendars.conftest import block_value, bulk_sessions, past_history
    from wagtail_passes.calendars.blocks import CalendarBlock
    from wagtail_passes.calendars.render import _midnight
    from wagtail_passes.models import Session
    from wagtail_passes.presentation import local_today
    from wagtail_passes.test.factories import (
        ProgrammeClassFactory,
        ProgrammeFactory,
        UserFactory,
        member_pass,
    )

    floor_template = Template(
        "<ul>{% for s in sessions %}<li>{{ s.programme_class.name }} "
        '{{ s.start|date:"D j M H:i" }}</li>{% endfor %}</ul>'
    )

    def floor(programme, start, end):
        sessions = Session.objects.filter(
            programme_class__programme=programme, start__gte=start, start__lt=end
        ).select_related("programme_class")
        return floor_template.render(Context({"sessions": sessions}))

    def request_for(user):
        request = RequestFactory().get("/timetable/")
        request.user = user
        request.session = SessionStore()
        return request

    def timed(fn, runs):
        timings = []
        for _ in range(runs):
            begin = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - begin) * 1000)
            reset_queries()
        return statistics.median(timings)

    block = CalendarBlock()

    def render(value, context):
        return block.render(value, context=dict(context))

    print(f"calendar block, 4-week list view, on {connection.vendor}")
    print(
        f"{'sessions':>8} {'visitor':>8} {'queries':>8} {'median ms':>10} "
        f"{'floor ms':>9} {'ratio':>6}"
    )
    member = UserFactory()
    passes = [member_pass(member, quantity=Decimal(1000)) for _ in range(5)]  # valid everywhere
    past_history(member, passes, 500, ProgrammeClassFactory())
    for size in SIZES:
        programme = ProgrammeFactory(default_unit_price=Decimal("12.00"))
        klass = ProgrammeClassFactory(programme=programme, name="Yoga Flow", instructor="Ana")
        bulk_sessions(size, klass, days=28, first_day=0)
        value = block_value(programmes=[programme.pk], first_view="list")
        start = _midnight(local_today())
        end = start + dt.timedelta(days=28)
        floor_ms = timed(partial(floor, programme, start, end), RUNS[size])
        for who, user in (("anonymous", AnonymousUser()), ("member", member)):
            context = {"request": request_for(user), "id": "bench0001"}
            with CaptureQueriesContext(connection) as ctx:
                block.render(value, context=dict(context))
            queries = len(ctx.captured_queries)
            ms = timed(partial(render, value, context), RUNS[size])
            print(
                f"{size:>8} {who:>8} {queries:>8} {ms:>10.1f} {floor_ms:>9.1f} "
                f"{ms / floor_ms:>5.1f}x"
            )
    teardown(connection)


if __name__ == "__main__":
    sys.exit(main())
