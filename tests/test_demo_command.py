import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from wagtail.models import Site

from tests.page_types import CreditPackPage, PassPage, ProductIndexPage
from wagtail_passes.models import (
    LinkPool,
    Programme,
    ProgrammeClass,
    ProgrammeProduct,
    Renewal,
    Schedule,
    Session,
)
from wagtail_passes.presentation import local_today

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
        )
    }


def test_demo_builds_yoga_and_swim_programmes_with_eight_weeks_of_sessions(settings, capsys):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    yoga = Programme.objects.get(slug="pay-as-you-go-yoga")
    swim = Programme.objects.get(slug="swim-club-season")
    assert yoga.classes.count() == 3
    linked = yoga.classes.filter(link_pool__isnull=False)
    assert linked.count() == 2 and len({c.link_pool_id for c in linked}) == 1
    assert swim.require_valid_pass
    # Yoga Flow: Mon + Wed + Sat for 8 weeks (today's session may already be past).
    flow_sessions = Session.objects.filter(programme_class__name="Yoga Flow").count()
    assert 23 <= flow_sessions <= 24
    out = capsys.readouterr().out
    assert "Admin login: admin / passes-admin" in out
    assert "Member login: member / passes-member" in out
    assert "http://127.0.0.1:8000/admin/" in out
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    member = User.objects.get(username="member")
    assert not member.is_staff and member.check_password("passes-member")
    # Something to look at: a 10-class pass paying for an upcoming yoga class.
    held = member.passes_member_passes.get(title="10-class pass")
    (booking,) = member.passes_bookings.all()
    assert booking.member_pass == held
    assert held.balance == 9 and booking.session.programme == yoga
    # N1: an "Unlimited month" set to renew, its last day tomorrow: the daily job renews it.
    renewing = member.passes_member_passes.get(title="Unlimited month")
    assert renewing.auto_renew and renewing.renew_when == "expired"
    assert renewing.valid_until == local_today() + dt.timedelta(days=1)
    call_command("passes_daily")
    (renewal,) = Renewal.objects.filter(member_pass=renewing)
    assert renewal.order.member == member and renewal.order.total == Decimal("120.00")
    assert renewal.starts_on == local_today() + dt.timedelta(days=2)


def test_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    first = counts()
    call_command("passes_demo", "--logins")
    assert counts() == first
    assert get_user_model().objects.count() == 3


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
    assert User.objects.count() == 3 and counts() == first
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
