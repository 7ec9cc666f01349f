"""N3: the reminder names what is left in the pass's own words, the limit status, the
last valid day in the site's language and time zone, and links to book, to renew and to
turn the reminders off. Every expected sentence is written out by hand: Friday 5 June
2026 is "today", the week runs Monday 1 to Sunday 7 June, the last day is Friday 12 June.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    member_pass,
)

pytestmark = pytest.mark.django_db

# WAGTAILADMIN_BASE_URL of tests/settings.py: never the default Site's "localhost".
SITE = "http://testserver"
SETTINGS_LINK = f"{SITE}/passes/my/settings/"
MY_PASSES_LINK = f"{SITE}/passes/my/"


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    """Run the reminders today and return the one email sent."""

    def go(today=None):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.send_expiry_reminders(today)
        (message,) = mail.outbox
        return message

    return go


def html_of(message):
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def session_on(klass, day, hour=18):
    start = timezone.make_aware(dt.datetime(2026, 6, day, hour))  # London wall clock
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def product_url(page):
    return f"{SITE}/{page.get_parent().slug}/{page.slug}/"


def test_n3_entry_pass_with_a_weekly_limit(remind, member, yoga, flow, now):
    product = PassPageFactory(
        title="Ten classes",
        quantity=Decimal(10),
        duration_days=7,
        period_limit="week",
        period_max_uses=2,
        programmes=[yoga],
    )
    mp = member_pass(member, product)
    services.book(member, session_on(flow, 6), member_pass=mp)  # Saturday: 1 of 2 this week

    message = remind()

    assert message.subject == "Your pass “Ten classes” ends in 7 days"
    body = message.body
    assert "Hello Lee Park," in body
    assert "Your pass “Ten classes” ends in 7 days:" in body
    assert (
        "9 entries left, valid until Friday, 12 June 2026; weekly limit 2 — 1 left this week."
        in body
    )
    assert f"- Yoga: {SITE}/passes/programmes/yoga/sessions/" in body
    assert f"Your passes: {MY_PASSES_LINK}" in body
    assert f"Renew it: {product_url(product)}" in body
    assert f"turn them off in your settings: {SETTINGS_LINK}" in body
    assert "renews automatically" not in body
    html = html_of(message)
    assert f'<a href="{SITE}/passes/programmes/yoga/sessions/">Yoga</a>' in html
    assert f'<a href="{product_url(product)}">Renew it</a>' in html
    assert f'<a href="{SETTINGS_LINK}">turn them off in your settings</a>' in html
    assert "9 entries left, valid until Friday, 12 June 2026; weekly limit 2 — 1 left" in html


def test_n3_a_weekly_limit_reached_says_when_it_lifts(remind, member, yoga, flow, now):
    product = PassPageFactory(
        title="Two a week",
        quantity=Decimal(10),
        duration_days=7,
        period_limit="week",
        period_max_uses=2,
        programmes=[yoga],
    )
    mp = member_pass(member, product)
    services.book(member, session_on(flow, 6), member_pass=mp)
    services.book(member, session_on(flow, 7), member_pass=mp)

    body = remind().body

    assert (
        "8 entries left, valid until Friday, 12 June 2026; Weekly limit reached (2 of 2): "
        "available again on Monday, 8 June 2026." in body
    )


def test_n3_fewer_entries_than_the_week_allows_is_what_is_left(remind, member, now):
    mp = member_pass(
        member, quantity=Decimal(1), duration_days=7, period_limit="week", period_max_uses=2
    )
    assert mp.balance == 1
    body = remind().body
    assert "1 entry left, valid until Friday, 12 June 2026; weekly limit 2 — 1 left this week." in (
        body
    )


def test_n3_credit_pack(remind, member, now):
    member_pass(
        member, title="Twenty credits", kind="credits", quantity=Decimal(20), duration_days=7
    )
    message = remind()
    assert message.subject == "Your pass “Twenty credits” ends in 7 days"
    assert "20 credits left, valid until Friday, 12 June 2026." in message.body


def test_n3_money_credit_with_its_currency(remind, member, now):
    member_pass(
        member,
        title="Studio credit",
        kind="money",
        quantity=Decimal("50.00"),
        currency="GBP",
        duration_days=7,
    )
    assert "£50.00 left, valid until Friday, 12 June 2026." in remind().body


def test_n3_unlimited_pass(remind, member, now):
    member_pass(member, title="Open week", kind="unlimited", quantity=None, duration_days=7)
    assert "Unlimited sessions, valid until Friday, 12 June 2026." in remind().body


def test_n3_day_pass(remind, member, now):
    member_pass(member, title="Five days", kind="days", quantity=Decimal(5), duration_days=7)
    assert "5 days of access left, valid until Friday, 12 June 2026." in remind().body


def test_n3_a_pass_valid_everywhere_links_to_my_passes_only(remind, member, now):
    member_pass(member, quantity=Decimal(10), duration_days=7)
    body = remind().body
    assert "Book a session before it ends" not in body
    assert f"Your passes: {MY_PASSES_LINK}" in body


def test_n3_book_links_for_each_programme_and_class_covered(remind, member, yoga, flow, now):
    swim = ProgrammeFactory(name="Aqua", slug="aqua")
    other_class = ProgrammeClassFactory(
        programme=ProgrammeFactory(name="Pilates", slug="pilates"), name="Mat"
    )
    product = PassPageFactory(
        quantity=Decimal(10), duration_days=7, programmes=[yoga, swim], classes=[other_class]
    )
    member_pass(member, product)
    body = remind().body
    assert (
        "Book a session before it ends:\n"
        f"- Aqua: {SITE}/passes/programmes/aqua/sessions/\n"
        f"- Pilates: {SITE}/passes/programmes/pilates/sessions/\n"
        f"- Yoga: {SITE}/passes/programmes/yoga/sessions/\n"
    ) in body


def test_n3_no_renew_link_when_the_product_is_off_sale(remind, member, now):
    product = PassPageFactory(quantity=Decimal(10), duration_days=7)
    member_pass(member, product)
    product.unpublish()
    assert "Renew it" not in remind().body


def test_n3_a_pass_that_renews_when_it_expires_says_so_without_a_renew_link(remind, member, now):
    product = PassPageFactory(
        title="Monthly",
        quantity=Decimal(10),
        duration_days=7,
        allow_auto_renew=True,
        renew_when="expired",
    )
    services.issue_member_pass(member, product, paid=True, auto_renew=True)
    body = remind().body
    assert "It renews automatically when it expires: there is nothing you need to do." in body
    assert "Renew it" not in body


def test_n3_a_pass_that_renews_when_used_up_says_it_does_not_renew_now(remind, member, now):
    product = PassPageFactory(
        title="Top-up",
        quantity=Decimal(10),
        duration_days=7,
        allow_auto_renew=True,
        renew_when="used_up",
    )
    services.issue_member_pass(member, product, paid=True, auto_renew=True)
    body = remind().body
    assert "It renews automatically once it is used up, not when it expires." in body
    assert f"Renew it: {product_url(product)}" in body


def test_n3_the_email_is_in_the_members_language_and_the_sites_time_zone(
    remind, member, now, settings
):
    from wagtail.users.models import UserProfile

    settings.TIME_ZONE = "UTC"
    settings.WAGTAIL_PASSES_TIME_ZONE = "Europe/Berlin"
    profile = UserProfile.get_for_user(member)
    profile.preferred_language = "de"
    profile.save()
    member_pass(member, quantity=Decimal(10), duration_days=7)
    body = remind().body
    # The date is written by babel in German: Freitag, 12. Juni 2026.
    assert "Freitag, 12. Juni 2026" in body
