"""Products: pass and credit-pack pages that editors place in the page tree.

Following Wagtail's guide for reusable apps under a custom base page model, every
product rule lives in the abstract ``ProductMixin``; ``PassPage`` and
``CreditPackPage`` combine it with Wagtail's ``Page``. A site with its own base page
model subclasses the mixin and its own page class instead. Anything that points at a
product uses ``compat.PAGE_MODEL``.

Counters that change on every sale (stock) live in ``ProductStock``, never on the
page: a page revision published later would otherwise write an old count back.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.fields import RichTextField
from wagtail.models import Page

from ..compat import PAGE_MODEL
from ..rules.money import CURRENCY_CHOICES, SUPPORTED_CURRENCIES, Money, has_valid_precision
from .programmes import PRICE_FIELD, Programme, ProgrammeClass, default_currency


class ProductKind(models.TextChoices):
    ENTRIES = "entries", _("Entry pass (a number of entries)")  # K1
    UNLIMITED = "unlimited", _("Unlimited pass")  # K2
    DAYS = "days", _("Day pass (a number of days)")  # K3
    CREDITS = "credits", _("Credit pack")  # K4
    MONEY = "money", _("Prepaid money credit")  # K5


class ValidityBasis(models.TextChoices):
    PURCHASE = "purchase", _("Days from purchase")  # V1
    PAYMENT = "payment", _("Days from payment")  # V2
    FIRST_USE = "first_use", _("Days from first use")  # V3
    FIXED = "fixed", _("Fixed dates")  # V4


class PeriodLimit(models.TextChoices):
    DAY = "day", _("per day")
    WEEK = "week", _("per week (Monday to Sunday)")
    MONTH = "month", _("per calendar month")


class BuyerRestriction(models.TextChoices):
    ANYONE = "anyone", _("Anyone")
    NEW_JOINERS = "new_joiners", _("Only new joiners (no earlier bookings)")
    ACTIVE_MEMBERS = "active_members", _("Only active members (earlier bookings)")


class RenewWhen(models.TextChoices):
    USED_UP = "used_up", _("When it is used up")
    EXPIRED = "expired", _("When it expires")


COUNTED_KINDS = {ProductKind.ENTRIES, ProductKind.DAYS, ProductKind.CREDITS}


class ProductMixin(models.Model):
    """Every rule of a pass or credit-pack offer (SPEC K, V, U, A, N sections)."""

    allowed_kinds: tuple[str, ...] = tuple(ProductKind.values)

    intro = RichTextField(_("description"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    price = models.DecimalField(_("price"), help_text=_("0 makes it free (K6)."), **PRICE_FIELD)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=default_currency
    )

    # What it gives (K1-K5)
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind.choices)
    quantity = models.DecimalField(
        _("entries / days / credits / amount"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_(
            "Entries, days or credits it holds, or the money amount of a prepaid credit. "
            "Leave empty for an unlimited pass."
        ),
    )

    # Validity (V1-V4)
    validity_basis = models.CharField(
        _("valid"), max_length=16, choices=ValidityBasis.choices, default=ValidityBasis.PURCHASE
    )
    duration_days = models.PositiveIntegerField(
        _("duration (days)"), default=0, help_text=_("0 means it never expires.")
    )
    fixed_start = models.DateField(_("valid from"), null=True, blank=True)
    fixed_end = models.DateField(_("valid until"), null=True, blank=True)

    # Usage limits and restrictions (U1-U3)
    period_limit = models.CharField(
        _("limit uses"), max_length=8, choices=PeriodLimit.choices, blank=True
    )
    period_max_uses = models.PositiveIntegerField(
        _("at most"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    programmes = ParentalManyToManyField(
        Programme,
        verbose_name=_("valid for programmes"),
        blank=True,
        related_name="+",
        help_text=_("Leave programmes and classes empty to make it valid everywhere."),
    )
    classes = ParentalManyToManyField(
        ProgrammeClass,
        verbose_name=_("valid for classes"),
        blank=True,
        related_name="+",
        help_text=_("Linked classes are covered too (P5)."),
    )
    allows_additional_attendees = models.BooleanField(
        _("valid for additional attendees"),
        default=False,
        help_text=_("One booking for several places, each using an entry (U3)."),
    )

    # Selling (A1-A5, U5, U6)
    stock_limit = models.PositiveIntegerField(
        _("stock"), null=True, blank=True, help_text=_("How many can be sold in total (A1).")
    )
    sale_starts_at = models.DateTimeField(_("on sale from"), null=True, blank=True)
    sale_ends_at = models.DateTimeField(_("on sale until"), null=True, blank=True)
    is_archived = models.BooleanField(
        _("archived"),
        default=False,
        help_text=_("No longer sold; member passes already bought keep working (A2)."),
    )
    pro_rata = models.BooleanField(
        _("pro-rata price"),
        default=False,
        help_text=_("Reduce the price daily by the share of days left (needs fixed dates)."),
    )
    pro_rata_from = models.DateField(_("full price until"), null=True, blank=True)
    pro_rata_minimum_price = models.DecimalField(
        _("minimum price"), null=True, blank=True, **PRICE_FIELD
    )
    terms = RichTextField(
        _("terms"), blank=True, help_text=_("Buyers must accept these before buying (A5).")
    )
    buyer_restriction = models.CharField(
        _("who may buy"),
        max_length=16,
        choices=BuyerRestriction.choices,
        default=BuyerRestriction.ANYONE,
    )
    required_product = models.ForeignKey(
        PAGE_MODEL,
        verbose_name=_("membership required"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Only members holding an active pass of this product may buy (U5)."),
    )
    access_code = models.CharField(
        _("access code"),
        max_length=64,
        blank=True,
        help_text=_("When set, only buyers who enter this code can buy it (U6)."),
    )

    # Renewal, stored for later (N1, N2) and member holds (V7)
    allow_auto_renew = models.BooleanField(_("members may opt into auto-renewal"), default=False)
    renew_when = models.CharField(
        _("renew"), max_length=8, choices=RenewWhen.choices, default=RenewWhen.EXPIRED
    )
    commitment_payments = models.PositiveIntegerField(
        _("minimum payments before stopping renewal"), default=0
    )
    member_can_hold = models.BooleanField(
        _("members may put it on hold"), default=False, help_text=_("V7")
    )

    class Meta:
        abstract = True

    # ---- validation -------------------------------------------------------------
    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        self._clean_kind(errors)
        self._clean_validity(errors)
        self._clean_limits_and_selling(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_kind(self, errors):
        kind, quantity = self.kind, self.quantity
        if kind and kind not in self.allowed_kinds:
            errors["kind"] = _("This page type cannot sell that kind of product.")
        if kind == ProductKind.UNLIMITED:
            if quantity is not None:
                errors["quantity"] = _("An unlimited pass has no number of entries.")
        elif kind and quantity is None:
            errors["quantity"] = _("Say how many entries, days or credits, or the amount.")
        elif kind in COUNTED_KINDS and (quantity < 1 or quantity != quantity.to_integral()):
            errors["quantity"] = _("Enter a whole number of at least 1.")
        elif kind == ProductKind.MONEY and quantity <= 0:
            errors["quantity"] = _("Enter an amount greater than 0.")
        for field in ("price", "pro_rata_minimum_price"):
            amount = getattr(self, field)
            if (
                amount is not None
                and self.currency in SUPPORTED_CURRENCIES
                and not has_valid_precision(amount, self.currency)
            ):
                errors[field] = _("%(currency)s has no fractional units; enter a whole amount.") % {
                    "currency": self.currency
                }

    def _clean_validity(self, errors):
        fixed = self.validity_basis == ValidityBasis.FIXED
        if fixed and not (self.fixed_start and self.fixed_end):
            errors["fixed_end"] = _("Fixed-dates validity needs both a start and an end date.")
        if self.fixed_start and self.fixed_end and self.fixed_end < self.fixed_start:
            errors["fixed_end"] = _("The end date must not be before the start date.")
        if (
            self.kind == ProductKind.UNLIMITED
            and not fixed
            and not self.duration_days
            and "fixed_end" not in errors
        ):
            errors["duration_days"] = _(
                "An unlimited pass needs a time frame: a duration in days or fixed dates (K2)."
            )

    def _clean_limits_and_selling(self, errors):
        if self.period_limit and not self.period_max_uses:
            errors["period_max_uses"] = _("Say how many uses the period allows.")
        if self.period_max_uses and not self.period_limit:
            errors["period_limit"] = _("Choose the period the limit applies to.")
        if self.sale_starts_at and self.sale_ends_at and self.sale_ends_at <= self.sale_starts_at:
            errors["sale_ends_at"] = _("The end of the sale must be after its start.")
        if self.pro_rata:
            if self.validity_basis != ValidityBasis.FIXED or not (
                self.fixed_start and self.fixed_end
            ):
                errors["pro_rata"] = _("Pro-rata pricing needs fixed validity dates (A3).")
            elif not self.pro_rata_from:
                errors["pro_rata_from"] = _("Say until which date the full price applies.")
            elif not self.fixed_start <= self.pro_rata_from <= self.fixed_end:
                errors["pro_rata_from"] = _("This date must lie within the validity dates.")
            if self.pro_rata_minimum_price is None:
                errors["pro_rata_minimum_price"] = _("Set the lowest price pro-rata may reach.")
            elif self.price is not None and self.pro_rata_minimum_price > self.price:
                errors["pro_rata_minimum_price"] = _("The minimum cannot exceed the price.")

    # ---- derived values ---------------------------------------------------------
    @property
    def full_price(self) -> Money:
        return Money(self.price, self.currency)

    def on_sale(self, now=None) -> bool:
        now = now or timezone.now()
        if self.is_archived:
            return False
        if self.sale_starts_at and now < self.sale_starts_at:
            return False
        return not (self.sale_ends_at and now >= self.sale_ends_at)


class ProductIndexPage(Page):
    """A page that lists the passes and credit packs placed under it."""

    intro = RichTextField(_("introduction"), blank=True)

    subpage_types = ["wagtail_passes.PassPage", "wagtail_passes.CreditPackPage"]

    class Meta:
        verbose_name = _("passes and credit packs index")


class PassPage(ProductMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """An entry, unlimited or day pass (K1-K3)."""

    allowed_kinds = (ProductKind.ENTRIES, ProductKind.UNLIMITED, ProductKind.DAYS)

    parent_page_types = ["wagtail_passes.ProductIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")


class CreditPackPage(ProductMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """A credit pack or prepaid money credit (K4, K5)."""

    allowed_kinds = (ProductKind.CREDITS, ProductKind.MONEY)

    parent_page_types = ["wagtail_passes.ProductIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("credit pack")
        verbose_name_plural = _("credit packs")


class ProductStock(models.Model):
    """Units sold of a product with a stock limit; its row is locked to sell (A1)."""

    product = models.OneToOneField(
        PAGE_MODEL, on_delete=models.CASCADE, related_name="passes_stock"
    )
    sold = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("product stock")

    def __str__(self) -> str:
        return f"{self.product}: {self.sold} sold"


class ProgrammeProduct(models.Model):
    """A product attached to a programme as mandatory or optional (P9)."""

    class Role(models.TextChoices):
        MANDATORY = "mandatory", _("Mandatory")
        OPTIONAL = "optional", _("Optional add-on")

    programme = ParentalKey(Programme, on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey(
        PAGE_MODEL, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("programme product")
        verbose_name_plural = _("programme products")
        constraints = [
            # One row per programme and product, so a product is mandatory or optional,
            # never both.
            models.UniqueConstraint(
                fields=["programme", "product"], name="passes_programme_product_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.product} ({self.get_role_display()})"
