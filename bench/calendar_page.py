"""How much does the calendar cost a page? The example site's home page (a heading, text, the
calendar block and the product list block, as ``passes_demo --logins`` and ``demo_home``
build it) against a plain Wagtail page: a HomePage whose body holds only a heading and a
paragraph, with the same base.html. Both are requested through the test Client, DEBUG off,
warm, anonymous and as the demo member; printed: server CPU per request (median of
``time.process_time`` over many requests), statements per request, and the ratios.

Issue 20's targets: the home page at most 2x the plain page anonymous, 2.5x for a member.

    .venv/bin/python bench/calendar_page.py              # SQLite in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/calendar_page.py
    .venv/bin/python bench/calendar_page.py --profile    # and the member's render, top 25

A test database is created (``test_`` + the database's name) and dropped at the end.
"""

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = 60
WARM_UP = 5


def setup():
    sys.path[:0] = [ROOT, os.path.join(ROOT, "example_site")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "example.settings"
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.template.base import Template
    from django.test.utils import _TestState, setup_test_environment

    setup_test_environment()
    # The test environment wraps every template render to record it for assertions; a site
    # in production has no such wrapper (and the calendar renders more templates than the
    # plain page): take it off so the ratio compares like with like.
    Template._render = _TestState.saved_data.template_render
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    return connection


def build_site():
    """The demo data and home page, and the plain page beside it (under the home page)."""
    from django.conf import settings
    from django.core.management import call_command
    from home.models import HomePage
    from wagtail.models import Site

    settings.DEBUG = True  # passes_demo makes its logins only with DEBUG on
    try:
        call_command("passes_demo", logins=True, stdout=open(os.devnull, "w"))
    finally:
        settings.DEBUG = False
    call_command("demo_home", stdout=open(os.devnull, "w"))
    home = Site.objects.get(is_default_site=True).root_page.specific
    plain = HomePage(title="Plain", slug="plain")
    plain.body = [
        ("heading", "Coming up at the studio"),
        ("paragraph", "<p>Book a class with your pass, or see what would pay for it.</p>"),
    ]
    home.add_child(instance=plain)
    plain.save_revision().publish()
    return home.url, plain.url


def statements(client, url) -> int:
    from django.db import connection

    found = []
    # Counted at the cursor: CaptureQueriesContext loses them to request_started's reset.
    with connection.execute_wrapper(
        lambda execute, sql, *args: found.append(sql) or execute(sql, *args)
    ):
        assert client.get(url).status_code == 200
    return len(found)


def cpu_ms(client, urls, runs=RUNS) -> list[float]:
    """The median CPU time of a request to each of ``urls``, requested in turn (a machine
    busy with something else slows both alike)."""
    for _ in range(WARM_UP):
        for url in urls:
            assert client.get(url).status_code == 200
    timings = [[] for _ in urls]
    for _ in range(runs):
        for url, found in zip(urls, timings, strict=True):
            begin = time.process_time()
            client.get(url)
            found.append((time.process_time() - begin) * 1000)
    return [statistics.median(found) for found in timings]


def profile(client, url, top=25):
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main():
    connection = setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from wagtail_passes.models import Session

    try:
        home_url, plain_url = build_site()
        member = get_user_model().objects.get(username="member")
        visitors = {"anonymous": Client(), "member": Client()}
        visitors["member"].force_login(member)
        response = visitors["member"].get(home_url)
        rows = response.content.count(b'data-session="')
        print(
            f"calendar page vs plain page, on {connection.vendor}: {rows} sessions shown "
            f"({Session.objects.count()} in the database), median of {RUNS} requests"
        )
        print(
            f"{'visitor':>9} {'page ms':>8} {'plain ms':>9} {'ratio':>6} "
            f"{'statements':>11} {'plain':>6}"
        )
        for who, client in visitors.items():
            ms, plain_ms = cpu_ms(client, [home_url, plain_url])
            print(
                f"{who:>9} {ms:>8.1f} {plain_ms:>9.1f} {ms / plain_ms:>5.2f}x "
                f"{statements(client, home_url):>11} {statements(client, plain_url):>6}"
            )
        if "--profile" in sys.argv:
            profile(visitors["member"], home_url)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
