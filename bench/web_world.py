"""The web benchmark's world (made in its own database, after the demo data) and the
invariants checked once the load is over. Runs inside Django (bench/web.py sets it up).

- a programme that requires a pass, one class of capacity 10 and its sessions, two days
  ahead (inside the booking window): distinct ones for the real booking page, the floor's
  and the in-process comparison, and one for the burst (capacity 10; the waiting list is
  always offered when a session is full);
- a pass product of 1,000 entries for that programme, and members who each hold one, paid;
- a product with a stock of 10 for the checkout burst;
- a plain Wagtail page: the example's HomePage type with only a heading and a paragraph.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

CAPACITY = 10
STOCK = 10
CURRENCY = "GBP"  # the example site's default currency
PLAIN_PAGE_SLUG = "bench-plain-page"


@dataclass
class World:
    members: list[int]  # user ids
    passes: dict[int, int]  # user id -> the member pass that pays
    session_keys: dict[int, str]  # user id -> a signed-in Django session
    ours_sessions: list[int]  # booked through the real booking page
    floor_sessions: list[int]  # booked through the floor's
    inprocess_sessions: list[int]  # services.book vs the plain ORM, in the bench process
    burst_session: int
    product: int  # sold in the checkout burst, stock STOCK
    plain_page_url: str


def build_world(members: int, bookings: int, inprocess: int) -> World:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from home.models import HomePage
    from wagtail.rich_text import RichText

    from wagtail_passes.models import ProductKind, Programme, ProgrammeClass, Session
    from wagtail_passes.services import issue_member_pass
    from wagtail_passes.test.factories import PassPageFactory, default_site_root

    programme = Programme.objects.create(
        name="Bench programme",
        slug="bench-programme",
        currency=CURRENCY,
        default_unit_price=Decimal("12.00"),
        require_valid_pass=True,
        default_capacity=CAPACITY,
    )
    klass = ProgrammeClass.objects.create(programme=programme, name="Bench class")
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    count = 2 * bookings + 2 * inprocess + 1
    sessions = Session.objects.bulk_create(
        Session(
            programme_class=klass,
            start=start + dt.timedelta(minutes=i),
            end=start + dt.timedelta(minutes=i + 60),
            capacity=CAPACITY,
        )
        for i in range(count)
    )
    ids = [s.pk for s in sessions]

    product = PassPageFactory(
        title="Bench 1000-class pass",
        kind=ProductKind.ENTRIES,
        quantity=Decimal(1000),
        duration_days=0,
        currency=CURRENCY,
        programmes=[programme],
    )
    scarce = PassPageFactory(
        title="Bench limited pass",
        kind=ProductKind.ENTRIES,
        quantity=Decimal(10),
        duration_days=0,
        currency=CURRENCY,
        price=Decimal("50.00"),
        stock_limit=STOCK,
        programmes=[programme],
        parent=product.get_parent(),
    )

    User = get_user_model()
    password = make_password("bench-not-used")  # hashed once: members never use the form
    users = User.objects.bulk_create(
        User(username=f"bench{i}", email=f"bench{i}@example.com", password=password)
        for i in range(members)
    )
    passes = {user.pk: issue_member_pass(user, product, paid=True).pk for user in users}

    root = default_site_root()
    plain = HomePage(
        title="Plain page",
        slug=PLAIN_PAGE_SLUG,
        body=[
            ("heading", "A plain page"),
            ("paragraph", RichText("<p>A heading and a paragraph, nothing else.</p>")),
        ],
    )
    root.add_child(instance=plain)
    plain.save_revision().publish()

    return World(
        members=[user.pk for user in users],
        passes=passes,
        session_keys={user.pk: sign_in(user) for user in users},
        ours_sessions=ids[:bookings],
        floor_sessions=ids[bookings : 2 * bookings],
        inprocess_sessions=ids[2 * bookings : count - 1],
        burst_session=ids[-1],
        product=scarce.pk,
        plain_page_url=plain.get_url(),
    )


def sign_in(user) -> str:
    """A signed-in Django session for ``user``, as the login view would leave it; its key
    is the session cookie's value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


# ---- invariants ----------------------------------------------------------------------


def sessions_over_capacity() -> list[str]:
    from django.db.models import Sum

    from wagtail_passes.models import Booking, Session

    taken = dict(
        Booking.objects.active()
        .order_by()
        .values("session")
        .annotate(n=Sum("attendees"))
        .values_list("session", "n")
    )
    over = Session.objects.filter(pk__in=taken).select_related("programme_class__programme")
    return [
        f"session {s.pk}: {taken[s.pk]} places taken, capacity {s.effective_capacity}"
        for s in over
        if taken[s.pk] > s.effective_capacity
    ]


def products_over_stock() -> list[str]:
    from django.utils import timezone

    from wagtail_passes.models.holds import units_taken
    from wagtail_passes.products.registry import product_pages

    limited = [p for p in (page.specific for page in product_pages()) if p.stock_limit is not None]
    taken = units_taken([p.pk for p in limited], timezone.now())
    return [
        f"product {p.pk}: {taken[p.pk]} held, stock {p.stock_limit}"
        for p in limited
        if taken.get(p.pk, 0) > p.stock_limit
    ]


def ledgers_off_balance() -> list[str]:
    from django.db.models import Sum

    from wagtail_passes.models import LedgerEntry, MemberPass

    sums = dict(
        LedgerEntry.objects.order_by()
        .values("member_pass")
        .annotate(s=Sum("amount"))
        .values_list("member_pass", "s")
    )
    return [
        f"member pass {pk}: balance {balance}, ledger sums to {sums.get(pk, 0)}"
        for pk, balance in MemberPass.objects.values_list("pk", "balance")
        if sums.get(pk, Decimal(0)) != balance
    ]


def burst_outcome(session_id: int, members: int, capacity: int = CAPACITY) -> list[str]:
    """Exactly ``capacity`` booked and every other member waiting."""
    from wagtail_passes.models import Booking, WaitlistEntry, WaitlistStatus

    booked = Booking.objects.active().filter(session_id=session_id).count()
    waiting = WaitlistEntry.objects.filter(
        session_id=session_id, status=WaitlistStatus.WAITING
    ).count()
    expected = min(members, capacity)
    if (booked, waiting) == (expected, members - expected):
        return []
    return [
        f"burst session {session_id}: {booked} booked and {waiting} waiting, expected "
        f"{expected} and {members - expected}"
    ]


def checkout_outcome(product_id: int, members: int, stock: int = STOCK) -> list[str]:
    """Exactly ``stock`` units held by orders of the product (each member buys one)."""
    from django.utils import timezone

    from wagtail_passes.models.holds import units_taken

    held = units_taken([product_id], timezone.now()).get(product_id, 0)
    expected = min(members, stock)
    return [] if held == expected else [f"product {product_id}: {held} held, expected {expected}"]


def check_invariants() -> list[str]:
    """Every problem found anywhere in the database (empty when all hold)."""
    return sessions_over_capacity() + products_over_stock() + ledgers_off_balance()
