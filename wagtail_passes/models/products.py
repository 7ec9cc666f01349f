"""Products: pass and credit-pack pages that editors place in the page tree.

Following Wagtail's guide for reusable apps (and ``wagtail.contrib.forms``), every product
rule lives in abstract mixins: ``ProductMixin`` (shared by all), ``PassProductMixin`` and
``CreditPackProductMixin`` (which kinds a page type sells), and ``ProductIndexMixin`` for the
page that lists them. The ready-made concrete pages live in the separate app
``wagtail_passes.pages``; a host site on a custom base page model leaves that app out and
builds its own page types from the mixins and its base page. Everything else finds product
page types through ``products.registry``. Anything that points at a product uses
``compat.PAGE_MODEL``.

Stock is never a counter: the units taken are counted afresh from the orders that hold them
at the moment asked (``models.holds``), so a hold stops counting the instant it runs out.
``ProductStock`` is the row locked to sell, kept off the page: a page revision published
later must not race a sale.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
    TitleFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.search import index

from ..bounds import (
    DATE_VALIDATORS,
    MAX_COMMITMENT_PAYMENTS,
    MAX_COUNTED_QUANTITY,
    MAX_DURATION_DAYS,
    MAX_MONEY_QUANTITY,
    MAX_PERIOD_USES,
    MAX_STOCK,
)
from ..compat import PAGE_MODEL
from ..conf import passes_settings
from ..presentation import local_day, local_today
from ..products.forms import ProductPageForm
from ..products.offer import ProductOffer
from ..products.visibility import visible_to_request, with_privacy_hint
from ..rules.ages import MAX_AGE
from ..rules.ages import describe as describe_ages
from ..rules.buyers import who_may_buy
from ..rules.describe import describe_product, summarize
from ..rules.money import CURRENCY_CHOICES, SUPPORTED_CURRENCIES, Money, has_valid_precision
from ..rules.pricing import pro_rata_price
from ..rules.selling import SaleState, sale_state
from .programmes import PRICE_FIELD, Programme, ProgrammeClass, default_currency

PRODUCT_TEMPLATE = "wagtail_passes/pages/product_page.html"
INDEX_TEMPLATE = "wagtail_passes/pages/product_index_page.html"


class ProductChooserPanel(PageChooserPanel):
    """A page chooser limited to product pages, whichever page types the site has (read from
    the registry when the editor form is built, once every app is loaded)."""

    def get_form_options(self):
        from ..products.registry import product_models

        self.page_type = product_models() or None
        return super().get_form_options()


class ProductEditHandler:
    """The product editor's tabs, built for each page type from its own panels, so a host's
    base page keeps its promote and settings fields (``edit_handler`` is read once per
    page type by Wagtail)."""

    def __get__(self, instance, owner):
        return TabbedInterface(
            [
                ObjectList(owner.content_panels, heading=_("Content")),
                ObjectList(owner.gives_panels, heading=_("What it gives")),
                ObjectList(owner.validity_panels, heading=_("Validity & limits")),
                ObjectList(owner.selling_panels, heading=_("Selling")),
                ObjectList(owner.renewal_panels, heading=_("Renewal")),
                ObjectList(owner.promote_panels, heading=_("Promote")),
                ObjectList(owner.settings_panels, heading=_("Settings")),
            ]
        )


class TemplateWithFallback:
    """Page types built on a mixin render their own template when the host made one (Wagtail's
    ``<app>/<model>.html``), else the app's."""

    default_template = ""

    def get_template(self, request, *args, **kwargs):
        own = super().get_template(request, *args, **kwargs)
        if own == self.default_template:
            return own
        return [own, self.default_template]


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


class ProductMixin(TemplateWithFallback, models.Model):
    """Every rule of a pass or credit-pack offer (SPEC K, V, U, A, N sections).

    Build a page type as ``class MyPassPage(PassProductMixin, MyBasePage)``; it is then a
    product everywhere (see ``products.registry``). It is placed under a page type built on
    ``ProductIndexMixin`` and has no children.
    """

    allowed_kinds: tuple[str, ...] = tuple(ProductKind.values)
    default_template = PRODUCT_TEMPLATE
    subpage_types: list[str] = []

    intro = RichTextField(_("description"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    price = models.DecimalField(
        _("price"), help_text=_("0 makes it free, for example a trial."), **PRICE_FIELD
    )
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
        # Counted kinds are further held to whole numbers up to MAX_COUNTED_QUANTITY (clean()).
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_MONEY_QUANTITY)],
        help_text=_(
            "Entries, days or credits it holds (a whole number up to 100,000), or the money "
            "amount of a prepaid credit (up to 1,000,000). Leave empty for an unlimited pass."
        ),
    )

    # Validity (V1-V4)
    validity_basis = models.CharField(
        _("valid"), max_length=16, choices=ValidityBasis.choices, default=ValidityBasis.PURCHASE
    )
    duration_days = models.PositiveIntegerField(
        _("duration (days)"),
        default=0,
        validators=[MaxValueValidator(MAX_DURATION_DAYS)],
        help_text=_("0 means it never expires; at most 3660 (ten years)."),
    )
    fixed_start = models.DateField(
        _("valid from"), null=True, blank=True, validators=DATE_VALIDATORS
    )
    fixed_end = models.DateField(
        _("valid until"), null=True, blank=True, validators=DATE_VALIDATORS
    )

    # Usage limits and restrictions (U1-U3)
    period_limit = models.CharField(
        _("limit uses"), max_length=8, choices=PeriodLimit.choices, blank=True
    )
    period_max_uses = models.PositiveIntegerField(
        _("at most"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PERIOD_USES)],
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
        help_text=_("Classes linked to a chosen class are covered too."),
    )
    allows_additional_attendees = models.BooleanField(
        _("valid for additional attendees"),
        default=False,
        help_text=_(
            "A member can book several places in one booking, each using an entry. Otherwise "
            "it pays for one place per session."
        ),
    )

    # Selling (A1-A5, U5, U6)
    stock_limit = models.PositiveIntegerField(
        _("stock"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_STOCK)],
        help_text=_("How many can be sold in total. Leave empty for no limit."),
    )
    sale_starts_at = models.DateTimeField(
        _("on sale from"), null=True, blank=True, validators=DATE_VALIDATORS
    )
    sale_ends_at = models.DateTimeField(
        _("on sale until"), null=True, blank=True, validators=DATE_VALIDATORS
    )
    is_archived = models.BooleanField(
        _("archived"),
        default=False,
        help_text=_("No longer sold; passes members already bought keep working."),
    )
    pro_rata = models.BooleanField(
        _("pro-rata price"),
        default=False,
        help_text=_("Reduce the price daily by the share of days left (needs fixed dates)."),
    )
    pro_rata_from = models.DateField(
        _("full price until"), null=True, blank=True, validators=DATE_VALIDATORS
    )
    pro_rata_minimum_price = models.DecimalField(
        _("minimum price"), null=True, blank=True, **PRICE_FIELD
    )
    terms = RichTextField(
        _("terms"), blank=True, help_text=_("Buyers must accept these before buying.")
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
        help_text=_("Only members holding an active pass of this product may buy."),
    )
    access_code = models.CharField(
        _("access code"),
        max_length=64,
        blank=True,
        help_text=_("When set, only buyers who enter this code can buy it."),
    )

    # Renewal, stored for later (N1, N2) and member holds (V7)
    allow_auto_renew = models.BooleanField(_("members may opt into auto-renewal"), default=False)
    renew_when = models.CharField(
        _("renew"), max_length=8, choices=RenewWhen.choices, default=RenewWhen.EXPIRED
    )
    commitment_payments = models.PositiveIntegerField(
        _("minimum payments before stopping renewal"),
        default=0,
        validators=[MaxValueValidator(MAX_COMMITMENT_PAYMENTS)],
    )
    member_can_hold = models.BooleanField(
        _("members may put it on hold"),
        default=False,
        help_text=_(
            "Members may pause their pass for a while: it cannot be used during the pause, and "
            "its expiry date moves out by the pause's length. Staff can always do this."
        ),
    )

    # ---- page editor (Wagtail) ---------------------------------------------------
    base_form_class = ProductPageForm

    content_panels = [TitleFieldPanel("title"), FieldPanel("intro"), FieldPanel("image")]
    gives_panels = [
        FieldPanel("kind", widget=forms.RadioSelect),
        FieldPanel("quantity"),
        MultiFieldPanel(
            [
                FieldPanel("programmes", widget=forms.CheckboxSelectMultiple),
                FieldPanel("classes", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Valid for"),
        ),
        FieldPanel("allows_additional_attendees"),
    ]
    validity_panels = [
        MultiFieldPanel(
            [
                FieldPanel("validity_basis", widget=forms.RadioSelect),
                FieldPanel("duration_days"),
                FieldRowPanel([FieldPanel("fixed_start"), FieldPanel("fixed_end")]),
            ],
            heading=_("Validity"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("period_limit"), FieldPanel("period_max_uses")])],
            heading=_("Usage limit"),
        ),
        FieldPanel("member_can_hold"),
    ]
    selling_panels = [
        FieldRowPanel([FieldPanel("price"), FieldPanel("currency")]),
        MultiFieldPanel(
            [
                FieldPanel("pro_rata"),
                FieldPanel("pro_rata_from"),
                FieldPanel("pro_rata_minimum_price"),
            ],
            heading=_("Pro-rata price"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("stock_limit"),
                FieldRowPanel([FieldPanel("sale_starts_at"), FieldPanel("sale_ends_at")]),
                FieldPanel("is_archived"),
            ],
            heading=_("Availability"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("buyer_restriction"),
                ProductChooserPanel("required_product"),
                FieldPanel("access_code"),
                InlinePanel(
                    "passes_age_limits",
                    max_num=1,
                    label=_("Age range of the holder"),
                    help_text=_(
                        "Only people of these ages on the session's date may hold it "
                        "(18 and over: adults only). Their date of birth is asked for."
                    ),
                ),
            ],
            heading=_("Who may buy"),
        ),
        FieldPanel("terms"),
    ]
    renewal_panels = [
        FieldPanel("allow_auto_renew"),
        FieldPanel("renew_when"),
        FieldPanel("commitment_payments"),
    ]
    edit_handler = ProductEditHandler()

    #: Add these to the page type's ``search_fields`` (with the base page's own).
    product_search_fields = [
        index.SearchField("intro"),
        index.FilterField("kind"),
        index.FilterField("is_archived"),
    ]

    class Meta:
        abstract = True

    @classmethod
    def clean_parent_page_models(cls):
        """Products live under a products index, of whichever page type the site has."""
        from ..products.registry import index_models

        return index_models()

    # ---- validation -------------------------------------------------------------
    def clean(self):
        super().clean()
        errors: dict[str, str] = {}
        self._clean_kind(errors)
        self._clean_validity(errors)
        self._clean_limits_and_selling(errors)
        self._clean_renewal(errors)
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
        elif kind in COUNTED_KINDS and quantity > MAX_COUNTED_QUANTITY:
            errors["quantity"] = _("Enter at most %(max)s entries, days or credits.") % {
                "max": number_format(MAX_COUNTED_QUANTITY, force_grouping=True)
            }
        elif kind == ProductKind.MONEY and quantity <= 0:
            errors["quantity"] = _("Enter an amount greater than 0.")
        amounts = ["price", "pro_rata_minimum_price"]
        if kind == ProductKind.MONEY and "quantity" not in errors:
            amounts.append("quantity")
        for field in amounts:
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
                "An unlimited pass needs a time frame: a duration in days or fixed dates."
            )

    def _clean_renewal(self, errors):
        """N1: a renewal must have an end to follow. A season (fixed dates) is not renewed
        (its next season is another product), a pass that never expires cannot renew when
        it expires, and an unlimited pass is never used up."""
        if not self.allow_auto_renew:
            return
        if self.validity_basis == ValidityBasis.FIXED:
            errors["allow_auto_renew"] = _(
                "Fixed-dates passes cannot renew: sell the next season as its own product."
            )
        elif self.renew_when == RenewWhen.EXPIRED and not self.duration_days:
            errors["renew_when"] = _(
                "A pass without an expiry never expires: set a duration or renew it when "
                "it is used up."
            )
        elif self.renew_when == RenewWhen.USED_UP and self.kind == ProductKind.UNLIMITED:
            errors["renew_when"] = _(
                "An unlimited pass is never used up: renew it when it expires."
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
                errors["pro_rata"] = _("Pro-rata pricing needs fixed validity dates.")
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
        """Whether it can be bought now: the same answer the product page gives."""
        return self.availability(now).can_buy

    # ---- what visitors see (read-only) -------------------------------------------
    def price_today(self, today: date | None = None) -> Money:
        """Today's price (A3): pro-rata when switched on, judged in the site's time zone."""
        full = self.full_price
        if not (
            self.pro_rata
            and self.validity_basis == ValidityBasis.FIXED
            and self.fixed_start
            and self.fixed_end
            and self.fixed_start <= self.fixed_end
            and self.pro_rata_from
            and self.pro_rata_minimum_price is not None
        ):
            return full
        return pro_rata_price(
            full,
            fixed_start=self.fixed_start,
            fixed_end=self.fixed_end,
            pro_rata_from=self.pro_rata_from,
            minimum=Money(self.pro_rata_minimum_price, self.currency),
            today=today or local_today(),
        )

    def sold_count(self, now: datetime | None = None) -> int:
        """Units taken at ``now`` (A1): sold, or held by an unpaid order whose hold still
        runs (``models.holds``); 0 before the first sale."""
        if self.pk is None:
            return 0
        return units_taken_of([self.pk], now or timezone.now()).get(self.pk, 0)

    def availability(self, now: datetime | None = None, *, sold: int | None = None) -> SaleState:
        """Whether it can be bought now, and if not why (A1, A2, U6). ``sold`` (units taken,
        ``sold_count``) saves the stock query when the caller already knows it."""
        now = now or timezone.now()
        if sold is None:
            sold = self.sold_count(now) if self.stock_limit is not None else 0
        return sale_state(
            now=now,
            tz=passes_settings.tzinfo,
            is_archived=self.is_archived,
            sale_starts_at=self.sale_starts_at,
            sale_ends_at=self.sale_ends_at,
            fixed_end=self.fixed_end if self.validity_basis == ValidityBasis.FIXED else None,
            stock_limit=self.stock_limit,
            sold=sold,
            access_code_required=bool(self.access_code),
        )

    def description(self, today: date | None = None) -> tuple[str, ...]:
        """The product in plain words, phrase by phrase (see ``rules.describe``)."""
        return describe_product(
            kind=self.kind,
            quantity=self.quantity,
            currency=self.currency,
            validity_basis=self.validity_basis,
            duration_days=self.duration_days or 0,
            fixed_start=self.fixed_start,
            fixed_end=self.fixed_end,
            period=self.period_limit or None,
            period_max_uses=self.period_max_uses,
            programme_names=[str(p) for p in self.programmes.all()],
            class_names=[str(c) for c in self.classes.all()],
            allows_additional_attendees=self.allows_additional_attendees,
            today=today,
        )

    def summary(self, today: date | None = None) -> str:
        """One sentence: "10 entries, valid 90 days from first use, for Yoga"."""
        return summarize(self.description(today))

    def buyer_notes(self) -> tuple[str, ...]:
        """Who may buy it (U5) and hold it (F2, an age range), for the visitor; empty when
        anyone may."""
        required = self.required_product.title if self.required_product_id else None
        ages = describe_ages(*self.age_range)
        return (*who_may_buy(self.buyer_restriction, required), *([ages] if ages else []))

    @property
    def age_range(self) -> tuple[int | None, int | None]:
        """F2: (from age, up to age) of whoever holds it; (None, None) for anyone."""
        limit = next(iter(self.passes_age_limits.all()), None)
        return (limit.min_age, limit.max_age) if limit is not None else (None, None)

    def offer(self, now: datetime | None = None, *, sold: int | None = None) -> ProductOffer:
        """Everything the product page and the index show about this product."""
        now = now or timezone.now()
        today = local_day(now)
        phrases = self.description(today)
        return ProductOffer(
            page=self,
            phrases=phrases,
            summary=summarize(phrases),
            price=self.price_today(today),
            full_price=self.full_price,
            availability=self.availability(now, sold=sold),
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["offer"] = self.offer()
        context["registers_for"] = self.registers_for()
        return context

    def registers_for(self):
        """The programmes this product is mandatory for: members get it by registering (P9)."""
        return Programme.objects.filter(
            products__product_id=self.pk, products__role=ProgrammeProduct.Role.MANDATORY
        ).order_by("name")


class PassProductMixin(ProductMixin):
    """An entry, unlimited or day pass (K1-K3)."""

    allowed_kinds = (ProductKind.ENTRIES, ProductKind.UNLIMITED, ProductKind.DAYS)

    class Meta:
        abstract = True


class CreditPackProductMixin(ProductMixin):
    """A credit pack or prepaid money credit (K4, K5)."""

    allowed_kinds = (ProductKind.CREDITS, ProductKind.MONEY)

    class Meta:
        abstract = True


class ProductIndexMixin(TemplateWithFallback, models.Model):
    """A page that lists the passes and credit packs placed under it."""

    intro = RichTextField(_("introduction"), blank=True)

    default_template = INDEX_TEMPLATE
    content_panels = [TitleFieldPanel("title"), FieldPanel("intro")]
    #: Add these to the page type's ``search_fields``.
    index_search_fields = [index.SearchField("intro")]

    class Meta:
        abstract = True

    @classmethod
    def clean_subpage_models(cls):
        """Any product page type of the site (see ``products.registry``)."""
        from ..products.registry import product_models

        return product_models()

    def products(self) -> list[ProductMixin]:
        """The live products under this page, in the editors' order, with what they cover
        fetched in one query per page type; private ones included (``offers`` is what a
        visitor is shown)."""
        products = [
            page
            for page in with_privacy_hint(self.get_children().live()).specific()
            if isinstance(page, ProductMixin)
        ]
        for page_type in {type(page) for page in products}:
            same_type = [page for page in products if type(page) is page_type]
            models.prefetch_related_objects(
                same_type, "programmes", "classes", "passes_age_limits"
            )
        return products

    def offers(self, now: datetime | None = None, *, request=None) -> list[ProductOffer]:
        """The offers of the products under this page that the visitor of ``request`` may
        view (A2, Wagtail's page privacy; None: an anonymous visitor)."""
        products = visible_to_request(self.products(), request)
        now = now or timezone.now()
        taken = units_taken_of([page.pk for page in products if page.stock_limit is not None], now)
        return [page.offer(now, sold=taken.get(page.pk, 0)) for page in products]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["offers"] = self.offers(request=request)
        return context


class ProductStock(models.Model):
    """The row locked to sell a product with a stock limit (A1): whoever takes stock locks
    it, then counts the units taken afresh (``models.holds.units_taken``)."""

    product = models.OneToOneField(
        PAGE_MODEL,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="passes_stock",
    )

    class Meta:
        verbose_name = _("product stock")

    def __str__(self) -> str:
        return _("Stock of %(product)s") % {"product": self.product}


def units_taken_of(product_ids, now: datetime) -> dict[int, int]:
    """``models.holds.units_taken`` (imported when called: ``holds`` reads the member
    passes, whose module imports this one)."""
    from .holds import units_taken

    return units_taken(product_ids, now)


class ProgrammeProduct(models.Model):
    """A product attached to a programme as mandatory or optional (P9)."""

    class Role(models.TextChoices):
        MANDATORY = "mandatory", _("Mandatory")
        OPTIONAL = "optional", _("Optional add-on")

    programme = ParentalKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="products"
    )
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


class ProductAgeLimit(models.Model):
    """F2: who may hold a product, by age on the session's date: a range, or one bound
    ("adults only" is 18 and over). A row of the product page, edited in its "Who may buy"
    panel; a page without one is for anyone."""

    product = ParentalKey(
        PAGE_MODEL,
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="passes_age_limits",
    )
    min_age = models.PositiveSmallIntegerField(
        _("from age"), null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("up to age"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_AGE)],
        help_text=_("Included: up to 12 lets a 12-year-old in, not a 13-year-old."),
    )

    panels = [FieldRowPanel([FieldPanel("min_age"), FieldPanel("max_age")])]

    class Meta:
        verbose_name = _("age range")
        verbose_name_plural = _("age ranges")
        constraints = [
            models.UniqueConstraint(fields=["product"], name="passes_age_limit_once"),
            models.CheckConstraint(
                condition=Q(min_age__isnull=False) | Q(max_age__isnull=False),
                name="passes_age_limit_bounded",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=F("max_age")),
                name="passes_age_limit_ordered",
            ),
        ]

    def __str__(self) -> str:
        return describe_ages(self.min_age, self.max_age)

    def clean(self):
        super().clean()
        if self.min_age is None and self.max_age is None:
            raise ValidationError(_("Give a lowest age, a highest age or both."))
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The highest age must not be below the lowest.")})
