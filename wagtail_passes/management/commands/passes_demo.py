"""Load demo data: a studio with a Pay-as-you-go yoga programme and a swim-club season, a
"Passes" index page under the default site's root with a product of every kind, a discount
code, and a session running today.

Safe to run again: everything is looked up by its natural key first, and sessions
come from the schedules' idempotent generation. Dates are relative to the moment it runs:
a run on a later day adds a session for that day (when none of its yoga classes is still to
come) and leaves everything else as it is. ``--logins`` also makes an admin, a front desk and two
member logins (only with DEBUG on, since the passwords are printed), with something to look
at: passes, bookings, a renewal due tomorrow, and a full session with the second member on
its waiting list. It never changes a user it did not create: a login that already exists is
kept as it is when it is the demo's own (demo email and password), and otherwise the command
refuses before writing anything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from ...conf import passes_settings
from ...models import (
    BuyerRestriction,
    DiscountCode,
    DiscountCodeProduct,
    DiscountKind,
    LinkPool,
    PeriodLimit,
    ProductKind,
    Programme,
    ProgrammeClass,
    ProgrammeProduct,
    RenewWhen,
    Schedule,
    Session,
    ValidityBasis,
)
from ...presentation import format_session_time, local, local_today
from ...products import registry
from ...rules.money import Money
from ...services import book, generate_sessions, issue_member_pass, join_waitlist, places_left
from ...services.renewals import DAYS_BEFORE_EXPIRY
from ...services.staff_roles import ensure_front_desk_group

DEMO_LOGINS = {
    "admin": ("admin", "passes-admin"),
    "member": ("member", "passes-member"),
    # waits for a place in the member's full private lesson (P7)
    "second member": ("member2", "passes-member2"),
    "front desk": ("desk", "passes-desk"),
}

#: A code members type at checkout (A4), printed by the command for whoever tries the demo.
DEMO_DISCOUNT_CODE = "DEMO10"
DEMO_DISCOUNT_PRODUCTS = ["10-class-pass", "credit-pack-20"]

#: One place a week: the member books the next one that can still be cancelled and the
#: second member waits for it, so the demo has a full session with a waiting list.
PRIVATE_LESSON = "Private lesson"
#: The class of the session added for today when no other is still to come today.
TODAY_CLASS = "Yoga Flow"

# programme slug -> (fields, classes); each class: (name, fields, pool name, schedules)
# schedule: (weekdays, "HH:MM", minutes)
DEMO_PROGRAMMES = {
    "pay-as-you-go-yoga": (
        {
            "name": "Pay-as-you-go Yoga",
            "description": "Drop in to any yoga class and pay per session, or use a pass.",
            "default_unit_price": Decimal("12.00"),
            "booking_opens_days_before": 28,
            "booking_closes_minutes_before": 15,
            "cancellation_cutoff_hours": 12,
            "default_capacity": 14,
        },
        [
            (
                "Yoga Flow",
                {"location": "Studio 1", "instructor": "Maya"},
                "Flow & Vinyasa",
                [([0, 2], "18:30", 60), ([5], "10:00", 75)],
            ),
            (
                "Vinyasa",
                {"location": "Studio 1", "instructor": "Leo"},
                "Flow & Vinyasa",
                [([1, 3], "07:15", 45)],
            ),
            (
                "Yin Yoga",
                {
                    "location": "Studio 2",
                    "instructor": "Maya",
                    "unit_price": Decimal("10.00"),
                    "capacity": 10,
                },
                None,
                [([4], "19:00", 75)],
            ),
            (
                PRIVATE_LESSON,
                {
                    "location": "Studio 2",
                    "instructor": "Maya",
                    "unit_price": Decimal("40.00"),
                    "capacity": 1,
                },
                None,
                [([3], "12:30", 60)],
            ),
        ],
    ),
    "swim-club-season": (
        {
            "name": "Swim Club Season",
            "description": "Training for club members with a season pass.",
            "default_unit_price": Decimal("8.00"),
            "require_valid_pass": True,
            "booking_opens_days_before": 14,
            "booking_closes_minutes_before": 60,
            "cancellation_cutoff_hours": 24,
            "default_capacity": 20,
        },
        [
            (
                "Squad training",
                {"location": "Harbour Pool, lanes 1-4", "instructor": "Coach Sam"},
                None,
                [([0, 3], "06:30", 90)],
            ),
            (
                "Masters swim",
                {"location": "Harbour Pool, lanes 5-6", "instructor": "Coach Ana"},
                None,
                [([2], "20:00", 60), ([6], "08:00", 60)],
            ),
        ],
    ),
}

YOGA = "pay-as-you-go-yoga"
SWIM = "swim-club-season"


def demo_products(
    today: dt.date, currency: str, pass_model: type, credit_model: type
) -> list[tuple[type, str, dict, list[str]]]:
    """(page type, slug, fields, programme slugs) of each demo product.

    The swim season runs from the first of this month for six months, at full price for
    its first two weeks and pro-rata after that (A3).
    """
    season_start = today.replace(day=1)
    season_end = season_start + relativedelta(months=6) - dt.timedelta(days=1)
    return [
        (
            pass_model,
            "10-class-pass",
            {
                "title": "10-class pass",
                "intro": "<p>Ten yoga classes at a better price than paying per class.</p>",
                "kind": ProductKind.ENTRIES,
                "quantity": Decimal(10),
                "validity_basis": ValidityBasis.FIRST_USE,
                "duration_days": 90,
                "price": Decimal("100.00"),
            },
            [YOGA],
        ),
        (
            pass_model,
            "unlimited-month",
            {
                "title": "Unlimited month",
                "intro": "<p>Come as often as you like for 30 days, up to two classes a day.</p>",
                "kind": ProductKind.UNLIMITED,
                "quantity": None,
                "validity_basis": ValidityBasis.PURCHASE,
                "duration_days": 30,
                "period_limit": PeriodLimit.DAY,
                "period_max_uses": 2,
                "price": Decimal("120.00"),
                "allow_auto_renew": True,
                "renew_when": RenewWhen.EXPIRED,
            },
            [],
        ),
        (
            pass_model,
            "3-day-pass",
            {
                "title": "3-day pass",
                "intro": "<p>Three days of access: take as many classes as you like each day.</p>",
                "kind": ProductKind.DAYS,
                "quantity": Decimal(3),
                "validity_basis": ValidityBasis.PURCHASE,
                "duration_days": 30,
                "price": Decimal("45.00"),
            },
            [],
        ),
        (
            credit_model,
            "credit-pack-20",
            {
                "title": "Credit pack 20",
                "intro": "<p>Twenty credits; most classes cost one credit.</p>",
                "kind": ProductKind.CREDITS,
                "quantity": Decimal(20),
                "validity_basis": ValidityBasis.PURCHASE,
                "duration_days": 180,
                "price": Decimal("180.00"),
            },
            [],
        ),
        (
            credit_model,
            "studio-credit-50",
            {
                "title": f"Studio credit {Money(Decimal(50), currency)}",
                "intro": "<p>Money on account: each booking takes the class's price.</p>",
                "kind": ProductKind.MONEY,
                "quantity": Decimal(50),
                "validity_basis": ValidityBasis.PURCHASE,
                "duration_days": 0,
                "price": Decimal("50.00"),
            },
            [],
        ),
        (
            pass_model,
            "swim-season-pass",
            {
                "title": "Swim season pass",
                "intro": "<p>Train with the club all season, up to three sessions a week.</p>",
                "kind": ProductKind.UNLIMITED,
                "quantity": None,
                "validity_basis": ValidityBasis.FIXED,
                "fixed_start": season_start,
                "fixed_end": season_end,
                "period_limit": PeriodLimit.WEEK,
                "period_max_uses": 3,
                "price": Decimal("240.00"),
                "pro_rata": True,
                "pro_rata_from": season_start + dt.timedelta(days=14),
                "pro_rata_minimum_price": Decimal("60.00"),
                "terms": "<p>The season pass is personal and cannot be refunded.</p>",
            },
            [SWIM],
        ),
        (
            pass_model,
            "5-guest-swims",
            {
                "title": "5 guest swims",
                "intro": "<p>Bring a friend: five guest swims to use any time this season.</p>",
                "kind": ProductKind.ENTRIES,
                "quantity": Decimal(5),
                "validity_basis": ValidityBasis.FIXED,
                "fixed_start": season_start,
                "fixed_end": season_end,
                "price": Decimal("35.00"),
            },
            [SWIM],
        ),
        (
            pass_model,
            "trial-class",
            {
                "title": "Trial class",
                "intro": "<p>New here? Your first yoga class is on us.</p>",
                "kind": ProductKind.ENTRIES,
                "quantity": Decimal(1),
                "validity_basis": ValidityBasis.PURCHASE,
                "duration_days": 14,
                "price": Decimal(0),
                "buyer_restriction": BuyerRestriction.NEW_JOINERS,
            },
            [YOGA],
        ),
    ]


# (programme slug, product slug, role) (P9)
DEMO_PROGRAMME_PRODUCTS = [
    (SWIM, "swim-season-pass", ProgrammeProduct.Role.MANDATORY),
    (SWIM, "5-guest-swims", ProgrammeProduct.Role.OPTIONAL),
    (YOGA, "10-class-pass", ProgrammeProduct.Role.OPTIONAL),
]


class Command(BaseCommand):
    help = "Load demo programmes, classes, schedules and sessions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Also create an admin and a member login and print their passwords "
            "(refused unless DEBUG is on).",
        )

    def handle(self, *args, logins=False, **options):
        if logins and not settings.DEBUG:
            raise CommandError("Refusing to create demo logins with known passwords: DEBUG is off.")
        # Checked before anything is written: a refusal leaves users and demo data alone.
        demo_users = self._check_logins() if logins else {}
        with transaction.atomic():
            programmes = [self._programme(slug, *spec) for slug, spec in DEMO_PROGRAMMES.items()]
            schedules = Schedule.objects.filter(programme_class__programme__in=programmes).order_by(
                "pk"
            )
            new_products = self._products({p.slug: p for p in programmes})
        created = sum(len(generate_sessions(s, horizon_days=56).created) for s in schedules)
        self.stdout.write(
            f"Demo programmes: {', '.join(p.name for p in programmes)}; "
            f"{created} new sessions over the next 8 weeks."
        )
        today = self._session_today()
        self.stdout.write(f"Running today: {format_session_time(today)}.")
        if new_products is not None:
            count, url, code = new_products
            self.stdout.write(f"Demo products: {count} new, listed at {url or 'the Passes page'}.")
            self.stdout.write(f"Discount code: {self._describe_code(code)}")
        else:
            self.stdout.write(
                self.style.WARNING(
                    "No demo products: they need a default Wagtail site and product page types "
                    "(add wagtail_passes.pages to INSTALLED_APPS, or build your own from the "
                    "mixins)."
                )
            )
        if logins:
            self._logins(demo_users)
        self._urls()

    def _programme(self, slug, fields, classes) -> Programme:
        fields = {"currency": passes_settings.DEFAULT_CURRENCY, **fields}
        programme, _ = Programme.objects.get_or_create(slug=slug, defaults=fields)
        today = local_today()
        for name, class_fields, pool_name, schedules in classes:
            pool = None
            if pool_name:
                pool, _ = LinkPool.objects.get_or_create(programme=programme, name=pool_name)
            klass, _ = ProgrammeClass.objects.get_or_create(
                programme=programme, name=name, defaults={**class_fields, "link_pool": pool}
            )
            for weekdays, start, minutes in schedules:
                Schedule.objects.get_or_create(
                    programme_class=klass,
                    start_time=dt.time.fromisoformat(start),
                    weekdays=weekdays,
                    defaults={"duration_minutes": minutes, "starts_on": today},
                )
        return programme

    def _products(
        self, programmes: dict[str, Programme]
    ) -> tuple[int, str | None, DiscountCode] | None:
        """The "Passes" index and its products, each created once and published, and the
        discount code for some of them; None when there is no default site to put them in,
        or no product page types to make them of (``products.registry``: the ready-made
        pages, or a host's own)."""
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        pass_model = registry.first_model(registry.pass_models())
        credit_model = registry.first_model(registry.credit_pack_models())
        index_model = registry.first_model(registry.index_models())
        if site is None or None in (pass_model, credit_model, index_model):
            return None
        index = self._index_page(site.root_page, index_model)
        existing = set(index.get_children().values_list("slug", flat=True))
        today = local_today()
        currency = passes_settings.DEFAULT_CURRENCY
        new = 0
        products = demo_products(today, currency, pass_model, credit_model)
        for page_type, slug, fields, programme_slugs in products:
            if slug in existing:
                continue
            page = page_type(slug=slug, currency=currency, **fields)
            page.programmes = [programmes[p] for p in programme_slugs]
            index.add_child(instance=page)
            page.save_revision().publish()
            new += 1
        products = {page.slug: page for page in index.get_children()}
        for programme_slug, product_slug, role in DEMO_PROGRAMME_PRODUCTS:
            ProgrammeProduct.objects.get_or_create(
                programme=programmes[programme_slug],
                product=products[product_slug],
                defaults={"role": role},
            )
        return new, index.get_url(), self._discount_code(products)

    def _discount_code(self, products: dict) -> DiscountCode:
        """A4: 10 % off two products. A code of that name that is already there (the demo's
        own, or a host's) is used as it is."""
        code, created = DiscountCode.objects.get_or_create(
            code=DEMO_DISCOUNT_CODE,
            defaults={"kind": DiscountKind.PERCENTAGE, "value": Decimal(10), "max_uses": 100},
        )
        if created:
            for slug in DEMO_DISCOUNT_PRODUCTS:
                if slug in products:
                    DiscountCodeProduct.objects.create(code=code, product=products[slug])
        return code

    @staticmethod
    def _describe_code(code: DiscountCode) -> str:
        titles = [link.product.title for link in code.product_links.select_related("product")]
        applies_to = ", ".join(titles) if titles else "every product"
        return f"{code.code} ({code.describe_value} off {applies_to}): type it at checkout."

    def _session_today(self) -> Session:
        """A yoga class running today, in the site's time zone: the next one that has not
        ended yet, or else one added for today, starting at the next full hour at least half
        an hour away (so it can still be booked), or late in the evening at the current hour
        (it has started). A later run on the same day finds it again."""
        now = timezone.now()
        today = local_today()
        tz = passes_settings.tzinfo
        midnight = dt.datetime.combine(today, dt.time(), tzinfo=tz)
        tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        yoga_classes = ProgrammeClass.objects.filter(programme__slug=YOGA).exclude(
            name=PRIVATE_LESSON
        )
        running = (
            Session.objects.filter(programme_class__in=yoga_classes, is_cancelled=False)
            .filter(start__gte=midnight, start__lt=tomorrow, end__gt=now)
            .select_related("programme_class")
            .order_by("start", "pk")
            .first()
        )
        if running is not None:
            return running
        hour = local(now).replace(minute=0, second=0, microsecond=0)
        start = hour + dt.timedelta(hours=1)
        if start - now < dt.timedelta(minutes=30):
            start += dt.timedelta(hours=1)
        if start >= tomorrow:
            start = hour
        session = Session(
            programme_class=yoga_classes.get(name=TODAY_CLASS),
            start=start,
            end=start + dt.timedelta(minutes=60),
        )
        session.full_clean()
        session.save()
        return session

    def _index_page(self, root, index_model):
        index = index_model.objects.child_of(root).order_by("path").first()
        if index is not None:
            return index
        taken = set(root.get_children().values_list("slug", flat=True))
        slug, n = "passes", 1
        while slug in taken:
            n += 1
            slug = f"passes-{n}"
        index = index_model(
            title="Passes",
            slug=slug,
            intro="<p>Passes and credit packs for the studio's classes and the swim club.</p>",
        )
        # The site's menu links to it (a custom base page model may have no such field).
        if any(field.name == "show_in_menus" for field in index_model._meta.get_fields()):
            index.show_in_menus = True
        root.add_child(instance=index)
        index.save_revision().publish()
        return index

    @staticmethod
    def _demo_email(username: str) -> str:
        return f"{username}@harbour-studio.example"

    def _check_logins(self) -> dict[str, bool]:
        """Whether each demo login already exists (username -> True); refuses when a
        username is taken by a user the demo did not create.

        The demo's own login is recognised by its demo email address and demo password.
        The password is checked without ``User.check_password``, which may re-hash and
        save it."""
        User = get_user_model()
        email_field = User.get_email_field_name()
        existing, taken = {}, []
        for username, password in DEMO_LOGINS.values():
            user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
            existing[username] = user is not None
            if user is None:
                continue
            demo_email = self._demo_email(username)
            ours = getattr(user, email_field, None) == demo_email and check_password(
                password, user.password
            )
            if not ours:
                taken.append(username)
        if taken:
            names = " and ".join(f"'{name}'" for name in taken)
            if len(taken) == 1:
                what = f"A user named {names} already exists and was not created by passes_demo"
                it, them = "it was", "that user"
            else:
                what = f"Users named {names} already exist and were not created by passes_demo"
                it, them = "they were", "those users"
            raise CommandError(
                f"{what}; {it} left unchanged and nothing was written. Run passes_demo "
                f"without --logins (and log in with your own account), or run it against "
                f"a database without {them}."
            )
        return existing

    def _logins(self, existing: dict[str, bool]):
        """Create the demo logins that do not exist yet; existing ones (the demo's own,
        see ``_check_logins``) are left exactly as they are, and so is what they hold."""
        User = get_user_model()
        users, new = {}, set()
        for role, (username, password) in DEMO_LOGINS.items():
            if existing.get(username):
                users[role] = User.objects.get(**{User.USERNAME_FIELD: username})
            else:
                user = User(**{User.USERNAME_FIELD: username})
                user.email = self._demo_email(username)
                user.is_staff = user.is_superuser = role == "admin"
                user.is_active = True
                user.set_password(password)
                user.save()
                if role == "front desk":
                    user.groups.add(ensure_front_desk_group()[0])
                users[role] = user
                new.add(role)
            self.stdout.write(f"{role.capitalize()} login: {username} / {password}")
        ten = self._member_history(users["member"]) if "member" in new else None
        if "second member" in new:
            self._full_session(users["member"], users["second member"], ten)

    def _member_history(self, member):
        """Something to look at for a new demo member: a 10-class pass (returned) paying for
        the next group yoga class that is at least two days away (so it can still be
        cancelled), and an "Unlimited month" set to renew (N1)."""
        self._renewing_pass(member)
        product = registry.product_pages().filter(slug="10-class-pass").first()
        product = product.specific if product is not None else None
        if product is None:
            return None
        ten = issue_member_pass(member, product, paid=True, reason="Demo: bought at the desk")
        session = (
            self._bookable_later(YOGA)
            .exclude(programme_class__name=PRIVATE_LESSON)
            .order_by("start", "pk")
            .first()
        )
        if session is not None:
            book(member, session, member_pass=ten)
        return ten

    @staticmethod
    def _bookable_later(programme_slug: str):
        """Sessions of the programme at least two days away: still open to cancelling."""
        soon = timezone.now() + dt.timedelta(days=2)
        return Session.objects.upcoming(soon).filter(
            programme_class__programme__slug=programme_slug
        )

    def _full_session(self, member, waiting, member_pass=None):
        """P7: the member takes the one place of the next private lesson that can still be
        cancelled, and ``waiting`` joins its waiting list: when the member cancels, the
        place goes to them (and the worker prints their email)."""
        session = (
            self._bookable_later(YOGA)
            .filter(programme_class__name=PRIVATE_LESSON)
            .order_by("start", "pk")
            .first()
        )
        if session is None:
            return
        if places_left(session) > 0:
            book(member, session, member_pass=member_pass)
        join_waitlist(waiting, session)

    def _renewing_pass(self, member):
        page = registry.product_pages().filter(slug="unlimited-month").first()
        product = page.specific if page is not None else None
        if product is None or not product.allow_auto_renew:
            return
        # Its renewal order is due tomorrow (renewal_due_on: DAYS_BEFORE_EXPIRY days before
        # its last day), so every "Renews on" date the demo shows is still to come; bought at
        # noon, so the day it starts is the same in every time zone change.
        today = local_today()
        last_day = today + dt.timedelta(days=DAYS_BEFORE_EXPIRY + 1)
        first_day = min(today, last_day - dt.timedelta(days=product.duration_days))
        bought = dt.datetime.combine(first_day, dt.time(12), tzinfo=passes_settings.tzinfo)
        issue_member_pass(
            member,
            product,
            paid=True,
            purchased_at=bought,
            auto_renew=True,
            reason="Demo: renews automatically",
        )

    def _urls(self):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        # Where the site is served (`make demo PORT=...` sets it through the environment).
        base = (
            getattr(settings, "WAGTAIL_PASSES_BASE_URL", "")
            or getattr(settings, "WAGTAILADMIN_BASE_URL", "")
            or "http://127.0.0.1:8000"
        ).rstrip("/")
        self.stdout.write(f"Site:  {base}/")
        self.stdout.write(f"Admin: {base}/admin/  (Passes menu)")
        if site is None:
            self.stdout.write(
                self.style.WARNING("No default Wagtail site: create one in the admin.")
            )
