"""A tool that would be refused is not offered (issue 18, S4): each pass tool's button on
the pass's page asks the same refusal its service raises (``services.passes``:
``hold_refusal``, ``adjust_refusal``, ``extend_refusal``, ``cancel_pass_refusal``), and an
order's "Cancel order" asks ``services.orders.cancel_refusal``. Also: the session form's
confirmation box says what it does (P8), and member names in the lists link to the member's
profile once it is installed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import PassError
from wagtail_passes.models import MemberPass, ProductKind, ValidityBasis
from wagtail_passes.services.passes import (
    adjust_refusal,
    cancel_pass_refusal,
    extend_refusal,
    hold_refusal,
)
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url

pytestmark = pytest.mark.django_db

TOOLS = ("hold", "adjust", "extend", "cancel")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")


def offered(client, member_pass_) -> set[str]:
    """The pass tools its page offers."""
    page = client.get(admin_url("memberpass", "inspect", member_pass_.pk)).content.decode()
    return {tool for tool in TOOLS if admin_url("memberpass", tool, member_pass_.pk) in page}


def refusals(member_pass_) -> dict[str, PassError | None]:
    member_pass_ = MemberPass.objects.get(pk=member_pass_.pk)
    return {
        "hold": hold_refusal(member_pass_),
        "adjust": adjust_refusal(member_pass_),
        "extend": extend_refusal(member_pass_),
        "cancel": cancel_pass_refusal(member_pass_),
    }


def try_each_tool(member_pass_, by) -> dict[str, str]:
    """Each tool called with good input: "" when it did it, else its refusal's code (each in
    a transaction rolled back, so one does not change what the next sees)."""
    from django.db import transaction

    today = timezone.localdate()
    calls = {
        "hold": lambda p: services.hold_pass(
            p, today + dt.timedelta(days=5), today + dt.timedelta(days=6), by=by
        ),
        "adjust": lambda p: services.adjust_pass(p, Decimal(1), by, "goodwill"),
        "extend": lambda p: services.extend_pass(p, 7, by),
        "cancel": lambda p: services.cancel_pass(p, by, "sold by mistake"),
    }
    outcome = {}
    for tool, call in calls.items():
        try:
            with transaction.atomic():
                call(MemberPass.objects.get(pk=member_pass_.pk))
                outcome[tool] = ""
                transaction.set_rollback(True)
        except PassError as error:
            outcome[tool] = error.code
    return outcome


def assert_one_rule(client, member_pass_, by):
    """The page offers exactly the tools whose refusal is None, and each service refuses
    exactly the others, with that refusal's code."""
    answers = refusals(member_pass_)
    done = try_each_tool(member_pass_, by)
    assert offered(client, member_pass_) == {tool for tool, no in answers.items() if no is None}
    assert done == {tool: (no.code if no else "") for tool, no in answers.items()}


def test_S4_adjust_balance_is_not_offered_on_an_unlimited_pass(admin, ann, superuser):
    unlimited = member_pass(
        ann, title="Unlimited month", kind=ProductKind.UNLIMITED, quantity=None, duration_days=30
    )

    assert offered(admin, unlimited) == {"hold", "extend", "cancel"}
    refusal = adjust_refusal(unlimited)
    assert refusal.code == "not_adjustable"
    with pytest.raises(PassError) as raised:
        services.adjust_pass(unlimited, Decimal(1), superuser, "goodwill")
    assert (raised.value.code, raised.value.message) == (refusal.code, refusal.message)
    assert_one_rule(admin, unlimited, superuser)


def test_S4_an_active_pass_offers_every_tool_and_each_is_accepted(admin, ann, superuser):
    ten = member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)

    assert offered(admin, ten) == set(TOOLS)
    assert_one_rule(admin, ten, superuser)


def test_S4_a_cancelled_pass_offers_no_tool(admin, ann, superuser):
    ten = member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)
    services.cancel_pass(ten, superuser, "sold by mistake")

    assert offered(admin, ten) == set()
    assert_one_rule(admin, ten, superuser)


def test_S4_an_expired_pass_offers_extend_and_cancel_only(admin, ann, superuser):
    old = member_pass(
        ann,
        title="Ten classes",
        quantity=Decimal(10),
        duration_days=30,
        purchased_at=timezone.now() - dt.timedelta(days=60),
    )

    assert offered(admin, old) == {"extend", "cancel"}
    assert hold_refusal(old).code == "hold_not_allowed"
    assert "extend it first" in adjust_refusal(old).message
    assert_one_rule(admin, old, superuser)


def test_S4_a_pass_that_never_expires_is_not_offered_extend(admin, ann, superuser):
    forever = member_pass(
        ann, quantity=Decimal(5), validity_basis=ValidityBasis.PURCHASE, duration_days=0
    )

    assert extend_refusal(forever).code == "not_extendable"
    assert offered(admin, forever) == {"hold", "adjust", "cancel"}
    assert_one_rule(admin, forever, superuser)


def test_S4_cancel_pass_is_not_offered_while_it_pays_for_an_upcoming_session(admin, ann, superuser):
    ten = member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)
    start = timezone.now() + dt.timedelta(days=2)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(name="Flow"),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    booking = services.book(ann, session, member_pass=ten)

    refusal = cancel_pass_refusal(ten)
    assert refusal.code == "pass_has_bookings" and "Flow" in refusal.message
    assert offered(admin, ten) == {"hold", "adjust", "extend"}
    assert_one_rule(admin, ten, superuser)

    services.cancel_booking(booking, by=superuser)
    assert "cancel" in offered(admin, ten)


def test_S4_stop_renewal_is_offered_only_while_the_pass_renews(admin, ann):
    renewing = member_pass(ann, title="Month", quantity=Decimal(8), duration_days=30)
    stop = admin_url("memberpass", "stop_renewal", renewing.pk)
    inspect = admin_url("memberpass", "inspect", renewing.pk)

    assert stop not in admin.get(inspect).content.decode()
    MemberPass.objects.filter(pk=renewing.pk).update(auto_renew=True)
    assert stop in admin.get(inspect).content.decode()


def test_S4_cancel_order_is_offered_only_while_cancel_order_would_accept_it(admin, ann, superuser):
    product = PassPageFactory(title="Five classes", price=Decimal("45.00"))
    pending = services.place_order(ann, product, accepted_terms=True)
    cancel = admin_url("order", "cancel", pending.pk)
    inspect = admin_url("order", "inspect", pending.pk)

    assert services.orders.cancel_refusal(pending, superuser) is None
    assert cancel in admin.get(inspect).content.decode()
    services.mark_paid(pending, by=superuser)
    pending.refresh_from_db()
    assert services.orders.cancel_refusal(pending, superuser).code == "not_pending"
    assert cancel not in admin.get(inspect).content.decode()


# ---- labels that say what a field does (P8) -----------------------------------------------


def test_P8_the_session_forms_confirmation_box_says_what_saving_does(admin, ann):
    bob = UserFactory(username="bob")
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    session = SessionFactory(start=start, end=start + dt.timedelta(hours=1))
    edit = admin_url("session", "edit", session.pk)

    assert "Save it with a start in the past" in admin.get(edit).content.decode()
    services.book(ann, session)
    services.book(bob, session)

    page = admin.get(edit).content.decode()
    assert "Move the session and email the 2 booked members" in page
    assert "Go ahead" not in page
    moved = timezone.localtime(start + dt.timedelta(hours=1))
    response = admin.post(
        edit,
        {
            "programme_class": session.programme_class_id,
            "start": f"{moved:%Y-%m-%d %H:%M}",
            "end": f"{moved + dt.timedelta(hours=1):%Y-%m-%d %H:%M}",
            "capacity": "",
        },
    )
    errors = response.context["form"].errors["confirm"]
    assert "Tick “Move the session and email the 2 booked members” to save." in errors[0]


# ---- member names link to the profile --------------------------------------------------------


def test_S1_member_names_in_the_lists_link_to_the_member_profile(admin, ann):
    try:
        profile = reverse("wagtail_passes_desk:member", args=[ann.pk])
    except NoReverseMatch:
        pytest.skip("the member profile (admin/desk/profile.py) is not installed here")
    member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)
    services.place_order(ann, PassPageFactory(price=Decimal("9.00")), accepted_terms=True)
    start = timezone.now() + dt.timedelta(days=2)
    services.book(ann, SessionFactory(start=start, end=start + dt.timedelta(hours=1)))

    for model in ("booking", "memberpass", "order"):
        page = admin.get(admin_url(model, "index")).content.decode()
        assert f'href="{profile}"' in page, model
