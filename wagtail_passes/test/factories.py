"""factory-boy factories for wagtail_passes models, shipped so host sites can use
them in their own tests::

    from wagtail_passes.test.factories import SessionFactory
    session = SessionFactory(programme_class__programme__require_valid_pass=True)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from ..compat import PAGE_MODEL
from ..models import (
    Booking,
    DiscountCode,
    DiscountCodeProduct,
    DiscountKind,
    LinkPool,
    ProductKind,
    Programme,
    ProgrammeClass,
    Schedule,
    Session,
    ValidityBasis,
)
from ..presentation import local_today
from ..products import registry


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("password")


STAFF_PERMISSIONS = (
    "add_booking",
    "change_booking",
    "view_booking",
    "add_memberpass",
    "change_memberpass",
    "view_memberpass",
    "change_session",
    "view_session",
    "change_order",
    "view_order",
    "change_registration",
    "view_registration",
)


class StaffFactory(UserFactory):
    """A studio staff member: Wagtail admin access and the passes permissions, not a
    superuser and not Django's ``is_staff``."""

    class Meta:
        skip_postgeneration_save = True  # permissions are a relation; nothing to re-save

    username = factory.Sequence(lambda n: f"staff{n}")

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        if not create:
            return
        from django.contrib.auth.models import Permission

        codenames = extracted if extracted is not None else STAFF_PERMISSIONS
        self.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="wagtail_passes", codename__in=codenames
            ),
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        )


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    currency = "EUR"
    default_unit_price = Decimal("12.00")
    booking_opens_days_before = None
    booking_closes_minutes_before = 0
    cancellation_cutoff_hours = 24
    default_capacity = 10


class LinkPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkPool

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Pool {n}")


class ProgrammeClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeClass

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Class {n}")


def _next_hour(days_ahead: int = 2) -> dt.datetime:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now + dt.timedelta(days=days_ahead, hours=1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    programme_class = factory.SubFactory(ProgrammeClassFactory)
    start = factory.LazyFunction(_next_hour)
    end = factory.LazyAttribute(lambda s: s.start + dt.timedelta(hours=1))


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule

    programme_class = factory.SubFactory(ProgrammeClassFactory)
    weekdays = [0, 2]
    start_time = dt.time(18, 0)
    duration_minutes = 60
    starts_on = factory.LazyFunction(local_today)
    ends_on = None


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    member = factory.SubFactory(UserFactory)
    session = factory.SubFactory(SessionFactory)
    attendees = 1


# ---- products and member passes --------------------------------------------------


def default_site_root():
    """The default site's root page, creating Wagtail's tree and site when they are
    missing (as after a transactional test's flush, which removes what migrations made)."""
    from django.apps import apps
    from django.conf import settings
    from django.utils.translation import get_supported_language_variant
    from wagtail.models import Locale, Site

    Page = apps.get_model(PAGE_MODEL)  # the site's base page model

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page
    Locale.objects.get_or_create(
        language_code=get_supported_language_variant(settings.LANGUAGE_CODE)
    )
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=Page(title="Home", slug="home"))
    Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    return home


class _PageFactory(factory.django.DjangoModelFactory):
    """Pages are created as children of ``parent`` (default: the default site's root)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            parent = default_site_root()
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page


def _page_type(models, fallback: str) -> str:
    """The page type the factories make, from ``products.registry``: the ready-made page when
    ``wagtail_passes.pages`` is installed, else the site's own page type built on the mixin."""
    model = registry.first_model(models())
    return model._meta.label if model is not None else fallback


class ProductIndexPageFactory(_PageFactory):
    class Meta:
        model = _page_type(registry.index_models, "wagtail_passes_pages.ProductIndexPage")

    title = "Passes"
    slug = factory.Sequence(lambda n: f"passes-{n}")


class _ProductFactory(_PageFactory):
    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("50.00")
    currency = "EUR"
    validity_basis = ValidityBasis.PURCHASE
    duration_days = 0

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        programmes = kwargs.pop("programmes", [])
        classes = kwargs.pop("classes", [])
        if parent is None:
            parent = ProductIndexPageFactory()
        page = super()._create(model_class, *args, parent=parent, **kwargs)
        if programmes or classes:
            page.programmes.set(programmes)
            page.classes.set(classes)
            page.save()
        return page


class PassPageFactory(_ProductFactory):
    class Meta:
        model = _page_type(registry.pass_models, "wagtail_passes_pages.PassPage")

    slug = factory.Sequence(lambda n: f"pass-{n}")
    kind = ProductKind.ENTRIES
    quantity = Decimal(10)


class CreditPackPageFactory(_ProductFactory):
    class Meta:
        model = _page_type(registry.credit_pack_models, "wagtail_passes_pages.CreditPackPage")

    slug = factory.Sequence(lambda n: f"credit-pack-{n}")  # never the same as a pass's
    kind = ProductKind.CREDITS
    quantity = Decimal(20)


def member_pass(member=None, product=None, *, paid=True, purchased_at=None, **product_fields):
    """A member pass issued through the service, as a purchase would make it.

    ``member_pass(kind="unlimited", quantity=None, duration_days=30)`` builds the product
    page too.
    """
    from ..services import issue_member_pass

    if product is None:
        factory_class = (
            CreditPackPageFactory
            if product_fields.get("kind") in (ProductKind.CREDITS, ProductKind.MONEY)
            else PassPageFactory
        )
        product = factory_class(**product_fields)
    return issue_member_pass(member or UserFactory(), product, paid=paid, purchased_at=purchased_at)


def sell(product, quantity: int = 1, *, member=None):
    """``quantity`` units of ``product`` sold to ``member`` (a new one by default): an order
    placed and paid through the services, so the product's stock limit counts them (A1).
    Returns the paid order."""
    from ..services import fulfil_order, place_order

    order = place_order(member or UserFactory(), product, quantity=quantity, accepted_terms=True)
    return fulfil_order(order, provider="manual")


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    """A discount code (A4): 10 % off every product, no limit, no dates.

    ``DiscountCodeFactory(products=[page, ...])`` limits it to those products.
    """

    class Meta:
        model = DiscountCode
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"CODE-{n}")
    kind = DiscountKind.PERCENTAGE
    value = Decimal(10)
    currency = ""

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        for product in extracted or ():
            DiscountCodeProduct.objects.create(code=self, product=product)
