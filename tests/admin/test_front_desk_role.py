"""The "Front desk" staff group (issue 18, S3, C2, C6, S4, S5): a user in it sees and can
do exactly what a studio's desk does — the registers, bookings, sessions, member passes,
orders and registrations to look at; attendance, booking a member, cancelling a booking,
"Paid at the desk" and "Mark paid" to do — and nothing else: no refunds, no cancelled
orders, no discount codes, no reports, no programme settings, no pass tools. Each refusal
is checked three ways: no button, the view refuses, the service refuses.

Also: ``manage.py passes_front_desk_group`` (idempotent, puts changed permissions back) and
the data migration 0014 (groups that could change orders also get "sell at the desk" and
"see the reports")."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError, PassError
from wagtail_passes.models import (
    BookingStatus,
    DiscountCode,
    Hold,
    LedgerEntry,
    MemberPass,
    Order,
    OrderState,
    PaymentMethod,
    Session,
)
from wagtail_passes.services.staff_roles import (
    FRONT_DESK_GROUP,
    FRONT_DESK_PERMISSIONS,
    ensure_front_desk_group,
)
from wagtail_passes.test.factories import (
    DiscountCodeFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    ScheduleFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, form_token, post_form

pytestmark = pytest.mark.django_db

HOME_URL = reverse("wagtailadmin_home")
DESK_URL_PREFIX = "/admin/passes-desk/"

#: The "Passes" menu of the front desk, in order (the front desk's own screens under
#: /admin/passes-desk/ — check-in, desk sale — are left out here: their helpers test them).
FRONT_DESK_MENU = [
    "Sessions",
    "Bookings",
    "Member passes",
    "Orders",
    # Whoever may see orders sees the money problems on them; resolving and refunding
    # need "change order" (see test_s4_the_front_desk_cannot_refund).
    "Payments needing attention",
    "Registrations",
]


# ---- fixtures --------------------------------------------------------------------------


@pytest.fixture
def desk_user():
    group, _ = ensure_front_desk_group()
    user = UserFactory(username="desk", first_name="Dee", last_name="Desk")
    user.groups.add(group)
    return user


@pytest.fixture
def desk(desk_user):
    client = Client()
    client.force_login(desk_user)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.org")


@pytest.fixture
def yoga():
    programme = ProgrammeFactory(name="Yoga", default_unit_price=Decimal("12.00"))
    return ProgrammeClassFactory(programme=programme, name="Flow")


def session_in(programme_class, hours):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=hours)
    return SessionFactory(
        programme_class=programme_class, start=start, end=start + dt.timedelta(hours=1)
    )


@pytest.fixture
def ten(ann):
    return member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)


@pytest.fixture
def started(yoga):
    """A session booked ahead that started ten minutes ago (``begin``): its attendance can
    be marked."""
    return session_in(yoga, 24)


def begin(session):
    """The session started ten minutes ago (after its members booked it)."""
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    Session.objects.filter(pk=session.pk).update(start=start, end=start + dt.timedelta(hours=1))
    session.refresh_from_db()


@pytest.fixture
def paid_order(ann):
    product = PassPageFactory(title="Month pass", price=Decimal("60.00"))
    order = services.place_order(ann, product, accepted_terms=True)
    return services.mark_paid(order, by=None)


@pytest.fixture
def pending_order(ann):
    product = PassPageFactory(title="Five classes", price=Decimal("45.00"))
    return services.place_order(ann, product, accepted_terms=True)


def menu_items(response) -> dict[str, list[tuple[str, str]]]:
    """The admin's main menu: ``{label: [(sub-item label, url), ...]}``."""
    soup = BeautifulSoup(response.content, "html.parser")
    props = json.loads(soup.find(id="wagtail-sidebar-props").string)
    main = next(m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule")
    menu = {}
    for item in main["_args"][0]:
        attrs, *rest = item["_args"]
        children = rest[0] if item["_type"] == "wagtail.sidebar.SubMenuItem" else []
        menu[attrs["label"]] = [(c["_args"][0]["label"], c["_args"][0]["url"]) for c in children]
    return menu


def refused(response) -> bool:
    """Wagtail's "permission denied": a redirect to the dashboard (modeladmin views), or a
    403 (the reports)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == HOME_URL
    )


def page_text(response) -> str:
    return response.content.decode()


# ---- the group -------------------------------------------------------------------------


def test_s5_the_front_desk_group_holds_exactly_its_permissions(desk_user):
    group = Group.objects.get(name=FRONT_DESK_GROUP)
    held = {(p.content_type.app_label, p.codename) for p in group.permissions.all()}

    assert held == set(FRONT_DESK_PERMISSIONS)
    perms = desk_user.get_all_permissions()
    for allowed in (
        "wagtail_passes.view_booking",
        "wagtail_passes.add_booking",
        "wagtail_passes.change_booking",
        "wagtail_passes.view_session",
        "wagtail_passes.view_memberpass",
        "wagtail_passes.view_order",
        "wagtail_passes.view_registration",
        "wagtail_passes.sell_at_desk",
    ):
        assert allowed in perms
    for refused_permission in (
        "wagtail_passes.change_order",
        "wagtail_passes.view_reports",
        "wagtail_passes.view_discountcode",
        "wagtail_passes.change_programme",
        "wagtail_passes.change_schedule",
        "wagtail_passes.change_session",
        "wagtail_passes.add_memberpass",
        "wagtail_passes.change_memberpass",
        "wagtail_passes.change_registration",
    ):
        assert refused_permission not in perms


def test_s5_the_front_desk_sees_exactly_its_menu_items(desk):
    menu = menu_items(desk.get(HOME_URL))

    passes = [label for label, url in menu["Passes"] if not url.startswith(DESK_URL_PREFIX)]
    assert passes == FRONT_DESK_MENU
    for absent in ("Programmes", "Classes", "Schedules", "Discount codes"):
        assert absent not in passes
    for report in ("Pass holders", "Outstanding payments"):
        assert report not in passes


def test_s3_the_front_desk_opens_the_lists_and_pages_it_works_with(
    desk, ann, ten, started, paid_order
):
    booking = services.book(ann, started, member_pass=ten)
    begin(started)
    registration = services.register(ann, ProgrammeFactory(name="Swim")).registration

    for url in (
        admin_url("session", "index"),
        admin_url("session", "register", started.pk),
        admin_url("booking", "index"),
        admin_url("booking", "inspect", booking.pk),
        admin_url("memberpass", "index"),
        admin_url("memberpass", "inspect", ten.pk),
        admin_url("order", "index"),
        admin_url("order", "inspect", paid_order.pk),
        admin_url("paymentissue", "index"),
        admin_url("registration", "index"),
        admin_url("registration", "inspect", registration.pk),
    ):
        assert desk.get(url).status_code == 200, url


# ---- what the front desk does ------------------------------------------------------------


def test_s3_the_front_desk_marks_attendance(desk, ann, ten, started):
    booking = services.book(ann, started, member_pass=ten)
    begin(started)
    url = admin_url("booking", "attendance", booking.pk)

    assert url in page_text(desk.get(admin_url("booking", "inspect", booking.pk)))
    response = post_form(desk, url, {"mark": "attended"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ATTENDED


def test_s3_the_front_desk_books_a_member(desk, ann, ten, yoga):
    session = session_in(yoga, 48)

    response = post_form(
        desk,
        admin_url("session", "book", session.pk),
        {
            "member": ann.pk,
            "attendees": 1,
        },
    )

    assert response.status_code == 302
    (booking,) = session.bookings.all()
    assert (booking.member, booking.member_pass) == (ann, ten)


def test_s3_the_front_desk_cancels_a_booking(desk, ann, ten, yoga):
    booking = services.book(ann, session_in(yoga, 72), member_pass=ten)
    url = admin_url("booking", "cancel", booking.pk)

    assert url in page_text(desk.get(admin_url("booking", "inspect", booking.pk)))
    response = post_form(desk, url, {"return_entry": "on"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    ten.refresh_from_db()
    assert ten.balance == 10


def test_c6_the_front_desk_records_paid_at_the_desk(desk, ann, yoga):
    booking = services.book(ann, session_in(yoga, 24))  # no pass: 12.00 due
    assert booking.amount_due == Decimal("12.00")
    url = admin_url("booking", "desk_payment", booking.pk)

    assert url in page_text(desk.get(admin_url("booking", "inspect", booking.pk)))
    response = post_form(desk, url, {"method": PaymentMethod.CASH, "note": "Receipt 12"})

    assert response.status_code == 302
    booking.refresh_from_db()
    assert (booking.amount_due, booking.amount_paid) == (0, Decimal("12.00"))
    assert booking.payment_method == PaymentMethod.CASH


def test_c2_the_front_desk_marks_an_order_paid(desk, pending_order):
    url = admin_url("order", "mark_paid", pending_order.pk)

    assert url in page_text(desk.get(admin_url("order", "inspect", pending_order.pk)))
    response = post_form(
        desk, url, {"method": "cash", "reference": "Receipt 7", "confirm": "on"}
    )

    assert response.status_code == 302
    pending_order.refresh_from_db()
    assert pending_order.state == OrderState.PAID
    assert pending_order.payments.get().method == "cash"


# ---- what the front desk does not do ---------------------------------------------------


def test_s4_the_front_desk_cannot_refund(desk, desk_user, paid_order):
    url = admin_url("order", "refund", paid_order.pk)

    assert url not in page_text(desk.get(admin_url("order", "inspect", paid_order.pk)))
    assert refused(desk.get(url))
    assert refused(desk.post(url, {"form_token": "x", "confirm": "on", "reason": "Asked"}))
    with pytest.raises(CheckoutError) as refusal:
        services.refund_order(paid_order, desk_user, reason="Asked")
    assert refusal.value.code == "not_allowed"
    paid_order.refresh_from_db()
    assert paid_order.state == OrderState.PAID


def test_c5_the_front_desk_cannot_cancel_an_order(desk, desk_user, pending_order):
    url = admin_url("order", "cancel", pending_order.pk)

    assert url not in page_text(desk.get(admin_url("order", "inspect", pending_order.pk)))
    assert refused(desk.get(url))
    assert refused(desk.post(url, {"form_token": "x"}))
    with pytest.raises(CheckoutError) as refusal:
        services.cancel_order(pending_order, desk_user)
    assert refusal.value.code == "not_allowed"
    pending_order.refresh_from_db()
    assert pending_order.state == OrderState.PENDING


def test_a4_the_front_desk_has_no_discount_codes(desk):
    code = DiscountCodeFactory(code="SPRING")

    for url in (
        admin_url("discountcode", "index"),
        admin_url("discountcode", "create"),
        admin_url("discountcode", "edit", code.pk),
        admin_url("discountcode", "delete", code.pk),
    ):
        assert refused(desk.get(url)), url
    assert refused(desk.post(admin_url("discountcode", "delete", code.pk)))
    assert refused(
        desk.post(admin_url("discountcode", "create"), {"code": "FREE", "kind": "percentage"})
    )
    assert list(DiscountCode.objects.values_list("code", flat=True)) == ["SPRING"]


def test_s1_s2_the_front_desk_has_no_reports(desk, ann, ten):
    for name in ("pass_holders", "outstanding", "pass_holders_results", "outstanding_results"):
        url = reverse(f"wagtail_passes_reports:{name}")
        assert refused(desk.get(url)), url
        assert refused(desk.get(url, {"export": "csv"})), url
    home = page_text(desk.get(HOME_URL))
    assert reverse("wagtail_passes_reports:pass_holders") not in home
    assert reverse("wagtail_passes_reports:outstanding") not in home


def test_p1_the_front_desk_cannot_change_programme_settings(desk, yoga):
    programme = yoga.programme
    schedule = ScheduleFactory(programme_class=yoga)
    session = session_in(yoga, 24)
    urls = [
        admin_url("programme", "index"),
        admin_url("programme", "create"),
        admin_url("programme", "edit", programme.pk),
        admin_url("programme", "delete", programme.pk),
        admin_url("programmeclass", "index"),
        admin_url("programmeclass", "create"),
        admin_url("programmeclass", "edit", yoga.pk),
        admin_url("schedule", "index"),
        admin_url("schedule", "create"),
        admin_url("schedule", "edit", schedule.pk),
        admin_url("schedule", "generate", schedule.pk),
        admin_url("session", "create"),
        admin_url("session", "edit", session.pk),
        admin_url("session", "delete", session.pk),
        admin_url("session", "cancel_session", session.pk),
    ]
    for url in urls:
        assert refused(desk.get(url)), url
    for url in (
        admin_url("programme", "edit", programme.pk),
        admin_url("schedule", "generate", schedule.pk),
        admin_url("session", "cancel_session", session.pk),
    ):
        assert refused(desk.post(url, {"name": "Renamed", "form_token": "x"})), url
    programme.refresh_from_db()
    session.refresh_from_db()
    assert programme.name == "Yoga" and not session.is_cancelled
    register = page_text(desk.get(admin_url("session", "register", session.pk)))
    assert admin_url("session", "cancel_session", session.pk) not in register


def test_s4_the_front_desk_has_no_pass_tools(desk, desk_user, ann, ten):
    product = PassPageFactory(title="Trial week")
    tools = {
        action: admin_url("memberpass", action, ten.pk)
        for action in ("hold", "adjust", "extend", "cancel", "stop_renewal")
    }
    assign = admin_url("memberpass", "assign")

    inspect = page_text(desk.get(admin_url("memberpass", "inspect", ten.pk)))
    index = page_text(desk.get(admin_url("memberpass", "index")))
    for url in tools.values():
        assert url not in inspect
        assert refused(desk.get(url)), url
        assert refused(desk.post(url, {"form_token": form_token(desk.get(url)), "reason": "x"}))
    assert assign not in index
    assert refused(desk.get(assign))
    assert refused(desk.post(assign, {"member": ann.pk, "product": product.pk}))

    today = timezone.localdate()
    calls = [
        lambda: services.assign_pass(ann, product, by=desk_user),
        lambda: services.hold_pass(
            ten, today + dt.timedelta(days=3), today + dt.timedelta(days=4), by=desk_user
        ),
        lambda: services.adjust_pass(ten, Decimal(1), desk_user, "goodwill"),
        lambda: services.extend_pass(ten, 7, desk_user),
        lambda: services.cancel_pass(ten, desk_user, "mistake"),
    ]
    for call in calls:
        with pytest.raises(PassError) as refusal:
            call()
        assert refusal.value.code == "not_allowed"
    ten.refresh_from_db()
    assert (ten.balance, ten.status) == (10, "active")
    assert MemberPass.objects.count() == 1
    assert not Hold.objects.exists()
    assert LedgerEntry.objects.count() == 1


# ---- the command and the migration -----------------------------------------------------


def test_s5_the_command_creates_the_group_and_is_idempotent(db):
    out = StringIO()
    call_command("passes_front_desk_group", stdout=out)
    assert f"Created the group '{FRONT_DESK_GROUP}'" in out.getvalue()
    group = Group.objects.get(name=FRONT_DESK_GROUP)
    first = set(group.permissions.values_list("pk", flat=True))

    out = StringIO()
    call_command("passes_front_desk_group", stdout=out)

    assert f"Updated the group '{FRONT_DESK_GROUP}'" in out.getvalue()
    assert Group.objects.filter(name=FRONT_DESK_GROUP).count() == 1
    assert set(group.permissions.values_list("pk", flat=True)) == first
    assert len(first) == len(FRONT_DESK_PERMISSIONS)


def test_s5_the_command_puts_changed_permissions_back(db):
    group, created = ensure_front_desk_group()
    assert created
    sell = Permission.objects.get(codename="sell_at_desk")
    refund = Permission.objects.get(codename="change_order")
    group.permissions.remove(sell)
    group.permissions.add(refund)

    call_command("passes_front_desk_group", stdout=StringIO())

    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "sell_at_desk" in codenames and "change_order" not in codenames
    assert codenames == {codename for _, codename in FRONT_DESK_PERMISSIONS}


def test_s5_the_command_names_another_group(db):
    call_command("passes_front_desk_group", "--name", "Reception", stdout=StringIO())

    reception = Group.objects.get(name="Reception")
    assert reception.permissions.count() == len(FRONT_DESK_PERMISSIONS)
    assert not Group.objects.filter(name=FRONT_DESK_GROUP).exists()


BEFORE_0014 = ("wagtail_passes", "0013_desk_sales_checkin_and_staff_roles")
WITH_0014 = ("wagtail_passes", "0014_grant_new_staff_permissions")


@pytest.mark.django_db(transaction=True)
def test_s5_migration_0014_keeps_what_existing_groups_could_do():
    """Before 0013 the reports followed "view member passes / view orders" and taking a
    payment followed "change orders": 0014 gives those groups the two new permissions."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_0014])
    try:
        apps = executor.loader.project_state([BEFORE_0014]).apps
        HistoricalGroup = apps.get_model("auth", "Group")
        HistoricalPermission = apps.get_model("auth", "Permission")
        mine = HistoricalPermission.objects.filter(content_type__app_label="wagtail_passes")
        # As a host upgraded from before 0013: the two permissions are not given to anyone.
        managers = HistoricalGroup.objects.create(name="Managers")
        managers.permissions.add(mine.get(codename="change_order"))
        viewers = HistoricalGroup.objects.create(name="Pass viewers")
        viewers.permissions.add(mine.get(codename="view_memberpass"))
        editors = HistoricalGroup.objects.create(name="Programme editors")
        editors.permissions.add(mine.get(codename="change_programme"))

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([WITH_0014])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    def codenames(name):
        return set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="wagtail_passes")
            .values_list("codename", flat=True)
        )

    assert codenames("Managers") == {"change_order", "sell_at_desk", "view_reports"}
    assert codenames("Pass viewers") == {"view_memberpass", "view_reports"}
    assert codenames("Programme editors") == {"change_programme"}


def test_s5_a_front_desk_user_without_the_group_has_nothing(db, ann):
    """The group is what opens the screens: the same user outside it sees no Passes menu."""
    user = UserFactory(username="temp")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client = Client()
    client.force_login(user)

    assert "Passes" not in menu_items(client.get(HOME_URL))
    assert refused(client.get(admin_url("booking", "index")))
    assert Order.objects.count() == 0
