"""Discount codes (A4) and their uses.

A code is stored in upper case without surrounding spaces (``normalise_code``), so
"  spring " typed at checkout finds ``SPRING``; the database refuses anything else.

How often a code was used is never a counter: it is a fresh count of its redemptions whose
order holds it at that moment (``models.holds``: paid, or awaiting payment with its hold still
running — like stock, A1). A cancelled or expired order, or one whose hold ran out, keeps its
redemption row as history but no longer counts; a late payment counts again only when it can
re-claim a use (``services.holds``). ``services.orders`` counts under the code row's lock, so
the limit holds whatever the concurrency.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from ..bounds import DATE_VALIDATORS, MAX_DISCOUNT_USES, MAX_PRICE
from ..compat import PAGE_MODEL
from ..rules import discounts as rules
from ..rules.money import CURRENCY_CHOICES, Money, has_valid_precision
from .holds import holding
from .orders import Order
from .programmes import PRICE_FIELD

CODE_MIN_LENGTH = 3
CODE_MAX_LENGTH = 32
CODE_PATTERN = rf"^[A-Z0-9-]{{{CODE_MIN_LENGTH},{CODE_MAX_LENGTH}}}$"


def normalise_code(value) -> str:
    """A code as stored: surrounding spaces dropped, upper case."""
    return str(value or "").strip().upper()


class DiscountKind(models.TextChoices):
    PERCENTAGE = rules.PERCENTAGE, _("Percentage")
    FIXED = rules.FIXED, _("Fixed amount")


class DiscountCode(ClusterableModel):
    code = models.CharField(
        _("code"),
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                _("Use 3 to 32 letters A–Z, digits and hyphens."),
                code="invalid_code",
            )
        ],
        help_text=_(
            "What members type at checkout; letters A–Z, digits and hyphens. Upper and lower "
            "case are the same code."
        ),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=DiscountKind.choices, default=DiscountKind.PERCENTAGE
    )
    value = models.DecimalField(
        _("value"),
        help_text=_("A percentage from 1 to 100, or the amount taken off each product's line."),
        **PRICE_FIELD,
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=CURRENCY_CHOICES,
        blank=True,
        help_text=_(
            "For a fixed amount: its currency. Products priced in another currency get no "
            "discount from it."
        ),
    )
    products = models.ManyToManyField(
        PAGE_MODEL,
        verbose_name=_("products"),
        through="DiscountCodeProduct",
        blank=True,
        related_name="+",
    )
    max_uses = models.PositiveIntegerField(
        _("use limit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DISCOUNT_USES)],
        help_text=_(
            "How many orders may use it; unpaid orders awaiting payment count too. Empty: no limit."
        ),
    )
    valid_from = models.DateTimeField(
        _("valid from"), null=True, blank=True, validators=DATE_VALIDATORS
    )
    valid_until = models.DateTimeField(
        _("valid until"), null=True, blank=True, validators=DATE_VALIDATORS
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to stop the code at once.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code=Upper("code")), name="wagtail_passes_discount_code_upper_case"
            ),
            models.CheckConstraint(
                condition=Q(value__gt=0)
                & (
                    Q(kind=rules.FIXED, value__lte=MAX_PRICE)
                    | Q(kind=rules.PERCENTAGE, value__lte=100)
                ),
                name="wagtail_passes_discount_value_in_range",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="wagtail_passes_discount_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self):
        super().clean()
        self.code = normalise_code(self.code)
        errors: dict[str, str] = {}
        if self.value is not None:
            self._clean_value(errors)
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("The end must be after the start.")
        if errors:
            raise ValidationError(errors)

    def _clean_value(self, errors) -> None:
        if self.kind == DiscountKind.PERCENTAGE:
            self.currency = ""
            if not 1 <= self.value <= 100:
                errors["value"] = _("A percentage is between 1 and 100.")
            return
        if self.value <= 0:
            errors["value"] = _("Enter an amount above zero.")
        if not self.currency:
            errors["currency"] = _("Say which currency the amount is in.")
        elif not has_valid_precision(self.value, self.currency):
            errors["value"] = _("%(currency)s amounts have no smaller units than this allows.") % {
                "currency": self.currency
            }

    # ---- reading ----------------------------------------------------------------------

    @property
    def describe_value(self) -> str:
        if self.kind == DiscountKind.PERCENTAGE:
            return f"{self.value.normalize():f} %"
        return str(Money(self.value, self.currency))

    def covers(self, product) -> bool:
        """The code applies to ``product`` (no products chosen: to every product)."""
        links = self.product_links.all()
        return not links.exists() or links.filter(product_id=product.pk).exists()

    def uses(self, now=None, *, excluding: Order | None = None) -> int:
        """Orders using it at ``now`` (those holding it, ``models.holds``), counted afresh;
        ``excluding`` leaves one order out (its own late payment)."""
        redemptions = self.redemptions.filter(holding(now or timezone.now(), through="order"))
        if excluding is not None:
            redemptions = redemptions.exclude(order_id=excluding.pk)
        return redemptions.count()

    @classmethod
    def with_uses(cls, codes: QuerySet, now=None) -> QuerySet:
        """``codes`` annotated with ``current_uses`` (``uses`` for each, in the same query)."""
        holders = (
            DiscountRedemption.objects.filter(code=OuterRef("pk"))
            .filter(holding(now or timezone.now(), through="order"))
            .order_by()
            .values("code")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return codes.annotate(current_uses=Coalesce(Subquery(holders), Value(0)))


class DiscountCodeProduct(models.Model):
    """A product a discount code applies to."""

    code = ParentalKey(
        DiscountCode,
        verbose_name=_("discount code"),
        on_delete=models.CASCADE,
        related_name="product_links",
    )
    product = models.ForeignKey(
        PAGE_MODEL, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("discount code product")
        verbose_name_plural = _("discount code products")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "product"], name="wagtail_passes_discount_product_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.product}"


class DiscountRedemption(models.Model):
    """An order used a discount code (one code per order)."""

    order = models.OneToOneField(
        Order,
        verbose_name=_("order"),
        on_delete=models.CASCADE,
        related_name="discount_redemption",
    )
    code = models.ForeignKey(
        DiscountCode,
        verbose_name=_("discount code"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    amount = models.DecimalField(_("amount taken off"), **PRICE_FIELD)
    created_at = models.DateTimeField(_("used at"), auto_now_add=True)

    class Meta:
        verbose_name = _("discount code use")
        verbose_name_plural = _("discount code uses")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.code} – {self.order}"
