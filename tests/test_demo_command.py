import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from tests.page_types import CreditPackPage, PassPage, ProductIndexPage
from wagtail_passes.conf import passes_settings
from wagtail_passes.models import (
    Booking,
    DiscountCode,
    LinkPool,
    MemberPass,
    Programme,
    ProgrammeClass,
    ProgrammeProduct,
    Renewal,
    Schedule,
    Session,
    WaitlistEntry,
)
from wagtail_passes.presentation import format_day, local, local_day, local_today
from wagtail_passes.rules.money import Money
from wagtail_passes.services import cancel_booking, places_left
from wagtail_passes.services.discounts import apply_code, find_code
from wagtail_passes.services.renewals import renewal_due_on

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Programme,
            ProgrammeClass,
            LinkPool,
            Schedule,
            Session,
            ProductIndexPage,
            PassPage,
            CreditPackPage,
            ProgrammeProduct,
            DiscountCode,
            MemberPass,
            Booking,
            WaitlistEntry,
        )
    }


def demo_user(username):
    return get_user_model().objects.get(username=username)


def test_demo_builds_yoga_and_swim_programmes_with_eight_weeks_of_sessions(settings, capsys):
    settings.DEBUG = True
    # The URLs it prints are where the site is served (`make demo PORT=8123` sets it).
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8123"
    call_command("passes_demo", "--logins")
    yoga = Programme.objects.get(slug="pay-as-you-go-yoga")
    swim = Programme.objects.get(slug="swim-club-season")
    assert yoga.classes.count() == 4
    linked = yoga.classes.filter(link_pool__isnull=False)
    assert linked.count() == 2 and len({c.link_pool_id for c in linked}) == 1
    assert swim.require_valid_pass
    # Yoga Flow: Mon + Wed + Sat for 8 weeks (today's session may already be past).
    flow_sessions = Session.objects.filter(
        programme_class__name="Yoga Flow", schedule__isnull=False
    ).count()
    assert 23 <= flow_sessions <= 24
    out = capsys.readouterr().out
    assert "Admin login: admin / passes-admin" in out
    assert "Member login: member / passes-member" in out
    assert "Second member login: member2 / passes-member2" in out
    assert "http://127.0.0.1:8123/admin/" in out
    assert "8000" not in out
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    member = User.objects.get(username="member")
    assert not member.is_staff and member.check_password("passes-member")
    # Something to look at: a 10-class pass paying for an upcoming group yoga class and
    # for the private lesson (test_p7_...), both still open to cancelling.
    held = member.passes_member_passes.get(title="10-class pass")
    bookings = list(member.passes_bookings.order_by("session__start"))
    assert len(bookings) == 2 and {b.member_pass for b in bookings} == {held}
    assert held.balance == 8 and {b.session.programme for b in bookings} == {yoga}
    assert all(b.session.member_may_cancel() for b in bookings)
    assert sorted(b.session.programme_class.name == "Private lesson" for b in bookings) == [
        False,
        True,
    ]


def test_n1_demo_renewal_is_due_tomorrow_and_every_renewal_date_is_still_to_come(settings, client):
    """The member's "Unlimited month" renews: its renewal order is due tomorrow, never on a
    day already past (My passes said "Renews on" yesterday); the daily job of tomorrow
    creates it."""
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    today = local_today()
    tomorrow = today + dt.timedelta(days=1)
    member = demo_user("member")
    renewing = member.passes_member_passes.get(title="Unlimited month")
    assert renewing.auto_renew and renewing.renew_when == "expired"
    assert renewing.status == "active" and renewing.valid_from <= today
    assert renewal_due_on(renewing) == tomorrow
    dues = [renewal_due_on(p) for p in MemberPass.objects.all()]
    assert all(due is None or due > today for due in dues) and tomorrow in dues
    client.force_login(member)
    page = client.get(reverse("wagtail_passes:my_passes")).content.decode()
    assert f"Renews on {format_day(tomorrow)}" in page

    call_command("passes_daily")
    assert not Renewal.objects.exists()
    call_command("passes_daily", "--date", tomorrow.isoformat())
    (renewal,) = Renewal.objects.filter(member_pass=renewing)
    assert renewal.order.member == member and renewal.order.total == Decimal("120.00")
    assert renewal.starts_on == renewing.valid_until + dt.timedelta(days=1)


def test_p7_demo_has_a_full_session_with_the_second_member_waiting(settings):
    """The member holds the one place of the next private lesson; the second member waits,
    and gets the place when the member cancels."""
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    member, waiting = demo_user("member"), demo_user("member2")
    (entry,) = WaitlistEntry.objects.filter(status="waiting")
    session = entry.session
    assert entry.member == waiting and session.programme_class.name == "Private lesson"
    assert session.start > timezone.now() and places_left(session) == 0
    (booking,) = session.bookings.active()
    assert booking.member == member

    cancel_booking(booking)

    (promoted,) = session.bookings.active()
    assert promoted.member == waiting
    entry.refresh_from_db()
    assert entry.status != "waiting"


def test_a4_demo_discount_code_is_printed_and_takes_ten_percent_off_the_ten_class_pass(capsys):
    call_command("passes_demo")
    out = capsys.readouterr().out
    assert "Discount code: DEMO10 (10 % off 10-class pass, Credit pack 20)" in out
    code = find_code(" demo10 ")
    ten = PassPage.objects.get(slug="10-class-pass")
    assert apply_code(code, ten, Money(Decimal("100.00"), "EUR"), timezone.now()).amount == Money(
        Decimal("10.00"), "EUR"
    )
    covered = {link.product.slug for link in code.product_links.select_related("product")}
    assert covered == {"10-class-pass", "credit-pack-20"}


def today_sessions():
    """Yoga sessions of the site's today that have not ended yet."""
    now, today = timezone.now(), local_today()
    return [
        s
        for s in Session.objects.filter(programme_class__programme__slug="pay-as-you-go-yoga")
        if local_day(s.start) == today and s.end > now and not s.is_cancelled
    ]


LONDON = passes_settings.tzinfo


@pytest.mark.parametrize(
    "clock, start",
    [
        # A Sunday, when no yoga class is scheduled: one is added at the next full hour at
        # least half an hour away (still bookable) ...
        (dt.datetime(2027, 3, 7, 10, 50, tzinfo=LONDON), dt.time(12, 0)),
        (dt.datetime(2027, 3, 7, 10, 20, tzinfo=LONDON), dt.time(11, 0)),
        # ... or, late in the evening, at the current hour: it has started.
        (dt.datetime(2027, 3, 7, 23, 40, tzinfo=LONDON), dt.time(23, 0)),
        (dt.datetime(2027, 3, 7, 22, 50, tzinfo=LONDON), dt.time(22, 0)),
    ],
)
def test_demo_has_a_session_running_today_in_the_sites_time_zone(clock, start, capsys):
    assert clock.weekday() == 6
    with time_machine.travel(clock, tick=False):
        call_command("passes_demo")
        (session,) = today_sessions()
        assert session.programme_class.name == "Yoga Flow" and session.schedule is None
        assert local(session.start).time() == start and local_day(session.start) == clock.date()
        assert "Running today: Yoga Flow, 7 March 2027" in capsys.readouterr().out
        call_command("passes_demo")
        assert today_sessions() == [session]


def test_demo_adds_no_session_today_when_a_yoga_class_is_still_to_come():
    monday_noon = dt.datetime(2027, 3, 8, 12, 0, tzinfo=LONDON)  # Yoga Flow at 18:30
    with time_machine.travel(monday_noon, tick=False):
        call_command("passes_demo")
        (session,) = today_sessions()
    assert session.programme_class.name == "Yoga Flow" and session.schedule is not None
    assert not Session.objects.filter(schedule__isnull=True).exists()


def test_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    first = counts()
    call_command("passes_demo", "--logins")
    assert counts() == first
    assert get_user_model().objects.count() == 4


def test_demo_refuses_printed_logins_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("passes_demo", "--logins")
    assert get_user_model().objects.count() == 0


def user_state(user):
    user.refresh_from_db()
    return (
        user.password,
        user.email,
        user.is_superuser,
        user.is_staff,
        user.is_active,
        user.last_login,
    )


def test_demo_logins_refuse_a_host_admin_and_change_nothing(settings):
    settings.DEBUG = True
    User = get_user_model()
    host = User.objects.create_user(
        "admin", email="owner@host.example", password="host-secret", is_active=False
    )
    before = user_state(host)
    empty = counts()

    with pytest.raises(CommandError, match="'admin' already exists") as excinfo:
        call_command("passes_demo", "--logins")

    assert "left unchanged" in str(excinfo.value)
    assert "without --logins" in str(excinfo.value)
    assert user_state(host) == before
    assert host.check_password("host-secret")
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]
    assert counts() == empty


def test_demo_logins_refuse_a_host_user_with_the_demo_password_but_another_email(settings):
    settings.DEBUG = True
    User = get_user_model()
    host = User.objects.create_superuser(
        "admin", email="owner@host.example", password="passes-admin"
    )
    before = user_state(host)

    with pytest.raises(CommandError, match="'admin'"):
        call_command("passes_demo", "--logins")

    assert user_state(host) == before
    assert User.objects.count() == 1 and Programme.objects.count() == 0


def test_demo_logins_twice_keeps_the_demo_logins_as_they_are(settings, capsys):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    User = get_user_model()
    admin, member = User.objects.get(username="admin"), User.objects.get(username="member")
    # A change the demo would have undone: it must not touch its own logins again.
    User.objects.filter(pk=member.pk).update(is_staff=True)
    before = (user_state(admin), user_state(member))
    first = counts()
    capsys.readouterr()

    call_command("passes_demo", "--logins")

    assert (user_state(admin), user_state(member)) == before
    assert User.objects.count() == 4 and counts() == first
    out = capsys.readouterr().out
    assert "Admin login: admin / passes-admin" in out
    assert "Member login: member / passes-member" in out


def test_demo_logins_refuse_a_demo_login_whose_password_was_changed(settings):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    User = get_user_model()
    member = User.objects.get(username="member")
    member.set_password("my-own-secret")
    member.save()
    admin = User.objects.get(username="admin")
    before = (user_state(admin), user_state(member))
    first = counts()

    with pytest.raises(CommandError, match="'member' already exists") as excinfo:
        call_command("passes_demo", "--logins")

    assert "'admin'" not in str(excinfo.value)
    assert (user_state(admin), user_state(member)) == before
    assert member.check_password("my-own-secret")
    assert counts() == first


def test_demo_logins_name_every_taken_username(settings):
    settings.DEBUG = True
    User = get_user_model()
    User.objects.create_user("admin", password="x")
    User.objects.create_user("member", password="y")

    with pytest.raises(CommandError, match="'admin' and 'member' already exist"):
        call_command("passes_demo", "--logins")

    assert User.objects.count() == 2 and Programme.objects.count() == 0


def test_demo_builds_a_passes_page_with_a_product_of_every_kind(client):
    call_command("passes_demo")

    root = Site.objects.get(is_default_site=True).root_page
    index = ProductIndexPage.objects.child_of(root).get()
    assert (index.title, index.slug, index.live) == ("Passes", "passes", True)
    # in the site's menu, where Wagtail's page has the field (a custom base page may not)
    assert getattr(index, "show_in_menus", True) is True
    products = {page.slug: page.specific for page in index.get_children()}
    assert all(page.live and page.latest_revision_id for page in products.values())
    kinds = {slug: page.kind for slug, page in products.items()}
    assert kinds == {
        "10-class-pass": "entries",
        "unlimited-month": "unlimited",
        "3-day-pass": "days",
        "credit-pack-20": "credits",
        "studio-credit-50": "money",
        "swim-season-pass": "unlimited",
        "5-guest-swims": "entries",
        "trial-class": "entries",
    }
    assert products["studio-credit-50"].title == "Studio credit €50.00"
    trial = products["trial-class"]
    assert (trial.price, trial.quantity, trial.buyer_restriction) == (
        Decimal(0),
        Decimal(1),
        "new_joiners",
    )
    season = products["swim-season-pass"]
    assert season.pro_rata and season.validity_basis == "fixed"
    assert (season.period_limit, season.period_max_uses) == ("week", 3)
    assert season.fixed_start.day == 1 and season.fixed_end - season.fixed_start > dt.timedelta(
        days=150
    )
    assert [p.slug for p in season.programmes.all()] == ["swim-club-season"]
    assert [p.slug for p in products["10-class-pass"].programmes.all()] == ["pay-as-you-go-yoga"]
    # P9: the season pass is mandatory for the swim club, with guest swims as its add-on; the
    # 10-class pass is optional for yoga.
    links = {
        (link.programme.slug, link.product.slug, link.role)
        for link in ProgrammeProduct.objects.select_related("programme", "product")
    }
    assert links == {
        ("swim-club-season", "swim-season-pass", "mandatory"),
        ("swim-club-season", "5-guest-swims", "optional"),
        ("pay-as-you-go-yoga", "10-class-pass", "optional"),
    }
    # Every demo product page and the index render.
    assert client.get(index.url).status_code == 200
    for page in products.values():
        assert client.get(page.url).status_code == 200


def test_demo_twice_creates_the_products_once(capsys):
    call_command("passes_demo")
    assert "Demo products: 8 new" in capsys.readouterr().out
    call_command("passes_demo")
    assert "Demo products: 0 new" in capsys.readouterr().out
    assert ProductIndexPage.objects.count() == 1
    assert PassPage.objects.count() == 6
    assert CreditPackPage.objects.count() == 2
    assert ProgrammeProduct.objects.count() == 3


def test_demo_restores_a_deleted_product_only(capsys):
    call_command("passes_demo")
    PassPage.objects.get(slug="trial-class").delete()
    capsys.readouterr()

    call_command("passes_demo")

    assert "Demo products: 1 new" in capsys.readouterr().out
    assert PassPage.objects.filter(slug="trial-class").count() == 1
    assert ProductIndexPage.objects.count() == 1


def test_demo_front_desk_login_is_in_the_front_desk_group(settings):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")

    desk = get_user_model().objects.get(username="desk")

    assert not desk.is_superuser
    assert [group.name for group in desk.groups.all()] == ["Front desk"]
    assert desk.has_perm("wagtail_passes.sell_at_desk")
    assert not desk.has_perm("wagtail_passes.change_order")


def test_install_doc_lists_every_product_and_class_the_demo_creates():
    """docs/how-to/install.md, 8.: the products and classes passes_demo really creates."""
    call_command("passes_demo")
    doc = (Path(__file__).resolve().parent.parent / "docs/how-to/install.md").read_text()
    section = doc[doc.index("## 8. Try it with demo data") : doc.index("## 9.")]
    products = ProductIndexPage.objects.get().get_children()
    assert products.count() == 8
    for page in products:
        assert f"| {page.title} | `{page.slug}` |" in section
    for klass in ProgrammeClass.objects.select_related("programme"):
        assert klass.programme.name in section and klass.name in section
    assert "DEMO10" in section and DiscountCode.objects.filter(code="DEMO10").exists()
