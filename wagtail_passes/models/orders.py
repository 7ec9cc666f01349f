"""Orders: what a member buys (lines), how it is paid (payments) and what they agreed to (A5).

An order is written only by ``services.orders``; its state moves one way:

    pending ──► paid ──► refunded / partially refunded
       │
       ├──► cancelled   (the member or staff, before paying)
       └──► expired     (its hold ran out unpaid; a payment arriving later is still honoured
                         when its stock and discount code use can be taken again, C5)

An unpaid order stops holding its stock and its discount code the moment its hold runs out,
before it is marked expired (``models.holds``).

Prices are copied onto the lines when the order is placed: a later price change of the product
changes nothing for an order already placed, and the amount charged is the amount the member
saw (A6).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..compat import PAGE_MODEL
from ..rules.money import CURRENCY_CHOICES, Money
from .bookings import PaymentMethod
from .programmes import PRICE_FIELD

#: Units of one product in one order (the Buy button sends 1).
MAX_LINE_QUANTITY = 20


class OrderState(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


# Whether an order holds its stock and discount code depends on the clock as well as its
# state (a pending order's hold runs out): see ``models.holds.holding``.
PAID_STATES = (OrderState.PAID, OrderState.REFUNDED, OrderState.PARTIALLY_REFUNDED)


class Order(models.Model):
    reference = models.CharField(
        _("reference"),
        max_length=16,
        unique=True,
        help_text=_("Short and unambiguous: members quote it with a bank transfer."),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="passes_orders",
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=OrderState.choices,
        default=OrderState.PENDING,
        db_index=True,
    )
    provider = models.CharField(
        _("payment method"),
        max_length=30,
        help_text=_("The payment provider chosen at checkout: manual, stripe, or free."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    total = models.DecimalField(_("total"), **PRICE_FIELD)
    created_at = models.DateTimeField(_("placed at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(
        _("held until"),
        null=True,
        blank=True,
        help_text=_("An unpaid order holds its stock until then, then expires."),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or expired at"), null=True, blank=True)
    # The checkout form's one-time token: the same form sent twice (a double click, a
    # reload) finds the order it placed instead of placing a second one.
    checkout_token = models.CharField(
        _("checkout token"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    book_session = models.ForeignKey(
        "wagtail_passes.Session",
        verbose_name=_("session to book"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The member pressed Book on this session and bought a pass instead: once the "
            "order's pass exists, it books the session."
        ),
    )
    registration = models.ForeignKey(
        "wagtail_passes.Registration",
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("The programme registration this order pays for."),
    )
    # A sale at the front desk (C2, C6): who sold it. Such an order never expires: unpaid,
    # it is money the member owes.
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sold at the desk by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("sell_at_desk", _("Can sell at the desk and take payments")),
            ("view_reports", _("Can see the passes reports")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gte=0), name="wagtail_passes_order_total_not_negative"
            ),
            # Paid states carry their payment time, and only they do.
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in PAID_STATES], paid_at__isnull=False)
                | (~Q(state__in=[s.value for s in PAID_STATES]) & Q(paid_at__isnull=True)),
                name="wagtail_passes_order_paid_at_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return _("Order %(reference)s") % {"reference": self.reference}

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)

    @property
    def is_pending(self) -> bool:
        return self.state == OrderState.PENDING


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        PAGE_MODEL,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A line pays a booking's amount due (C6) instead of buying a product: never both.
    booking = models.ForeignKey(
        "wagtail_passes.Booking",
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
        help_text=_("The booking whose amount due this line pays."),
    )
    # F1: who the pass bought with this line is for; empty means the account holder.
    person = models.ForeignKey(
        "wagtail_passes.Person",
        verbose_name=_("for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    # Or a charge (L1-L3: a late cancellation or no-show fee) owed for a booking.
    charge = models.ForeignKey(
        "wagtail_passes.AttendanceCharge",
        verbose_name=_("charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
        help_text=_("The late cancellation or no-show fee this line pays."),
    )
    title = models.CharField(
        _("title"),
        max_length=255,
        help_text=_("The product's title, or the booked session, when ordered."),
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), **PRICE_FIELD)
    discount = models.DecimalField(_("discount"), default=0, **PRICE_FIELD)
    total = models.DecimalField(_("total"), **PRICE_FIELD)
    holds_stock = models.BooleanField(
        _("holds stock"),
        default=False,
        help_text=_(
            "The line counts towards its product's stock limit while its order holds it "
            "(paid, or awaiting payment with its hold still running)."
        ),
    )
    # N1: the member opted into auto-renewal at checkout; the passes it issues renew.
    auto_renew = models.BooleanField(_("renew automatically"), default=False)
    # A desk sale at a price staff changed: the product's price then, and why it changed.
    list_price = models.DecimalField(_("list price"), null=True, blank=True, **PRICE_FIELD)
    price_reason = models.CharField(_("why the price changed"), max_length=255, blank=True)
    refund_needed = models.BooleanField(
        _("refund needed"),
        default=False,
        help_text=_(
            "The order was paid after the booking had been paid another way or cancelled: "
            "give this line's money back to the member."
        ),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_LINE_QUANTITY),
                name="wagtail_passes_orderline_quantity_in_range",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0), name="wagtail_passes_orderline_total_not_negative"
            ),
            # A product or a booking's amount due, never both.
            models.CheckConstraint(
                condition=Q(booking__isnull=True) | Q(product__isnull=True),
                name="wagtail_passes_orderline_product_or_booking",
            ),
            # A charge line pays that charge only: no product, no booking's amount due.
            models.CheckConstraint(
                condition=Q(charge__isnull=True)
                | (Q(booking__isnull=True) & Q(product__isnull=True)),
                name="wagtail_passes_orderline_charge_alone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def is_amount_due(self) -> bool:
        """The line pays a booking's amount due or a charge (C6)."""
        return self.booking_id is not None or self.charge_id is not None


class TermsAcceptance(models.Model):
    """A5: the member accepted a product's terms, in this wording, at this time."""

    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.CASCADE,
        related_name="terms_acceptances",
    )
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)
    terms = models.TextField(_("terms as accepted"))
    terms_digest = models.CharField(
        _("terms version"),
        max_length=64,
        help_text=_("SHA-256 of the terms' text: the same digest means the same wording."),
    )

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")

    def __str__(self) -> str:
        return _("Terms of %(line)s") % {"line": self.line.title}


class PaymentState(models.TextChoices):
    PENDING = "pending", _("Pending")
    # The member finished paying but the bank has not confirmed yet (a bank debit).
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class PaymentProblem(models.TextChoices):
    """Why money that arrived did not simply pay its order (``services.payments``)."""

    SHORT = "short", _("Less than the order's total")
    CURRENCY = "currency", _("Not in the order's currency")
    OVERPAID = "overpaid", _("More than the order needed")
    NOT_HONOURED = "not_honoured", _("The order could not take it")


class Payment(models.Model):
    """Money that arrived (or was attempted) for an order, as its provider reported it."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    provider = models.CharField(_("provider"), max_length=30)
    provider_id = models.CharField(
        _("provider's id"),
        max_length=255,
        blank=True,
        help_text=_("The provider's own id of this payment (a Checkout Session, say)."),
    )
    amount = models.DecimalField(_("amount"), **PRICE_FIELD)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    state = models.CharField(
        _("state"), max_length=20, choices=PaymentState.choices, default=PaymentState.PENDING
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raw = models.JSONField(_("provider data"), default=dict, blank=True)
    intent_id = models.CharField(
        _("provider's charge id"),
        max_length=255,
        blank=True,
        db_index=True,
        help_text=_(
            "What the provider refunds and reports refunds of (a Stripe PaymentIntent); "
            "empty while not known."
        ),
    )
    # How money recorded by staff was taken (cash, card terminal, transfer, other).
    method = models.CharField(
        _("paid by"), max_length=16, choices=PaymentMethod.choices, blank=True
    )
    problem = models.CharField(
        _("problem"),
        max_length=20,
        choices=PaymentProblem.choices,
        blank=True,
        help_text=_("Set when the money did not simply pay the order; staff were told."),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["created_at", "pk"]
        constraints = [
            # One record per payment of a provider: a retried webhook cannot add a second.
            models.UniqueConstraint(
                fields=["provider", "provider_id"],
                condition=~Q(provider_id=""),
                name="wagtail_passes_payment_unique_provider_id",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="wagtail_passes_payment_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return _("%(amount)s by %(provider)s") % {
            "amount": Money(self.amount, self.currency),
            "provider": self.provider,
        }


class RefundState(models.TextChoices):
    # Written (and committed) before the provider is asked: it reserves the amount, so two
    # refunds at once can never give back more than was paid. The provider's answer makes
    # it pending, succeeded or failed.
    REQUESTED = "requested", _("Requested")
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money given back for an order line (C4): recorded by staff for a bank transfer, or
    made (or reported by webhook) through the provider. A whole-order refund is one per
    line."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    provider = models.CharField(_("provider"), max_length=30)
    provider_id = models.CharField(_("provider's id"), max_length=255, blank=True)
    amount = models.DecimalField(_("amount"), **PRICE_FIELD)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    state = models.CharField(
        _("state"), max_length=20, choices=RefundState.choices, default=RefundState.PENDING
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raw = models.JSONField(_("provider data"), default=dict, blank=True)
    request_key = models.CharField(
        _("request key"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_(
            "Shared by the rows of one refund request (one provider refund over several "
            "lines); the provider's idempotency key is made from it."
        ),
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id"],
                condition=~Q(provider_id=""),
                name="wagtail_passes_refund_unique_provider_id",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="wagtail_passes_refund_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return _("Refund of %(amount)s") % {"amount": Money(self.amount, self.currency)}


class PaymentEvent(models.Model):
    """A provider's notification (a Stripe webhook event), stored once by its id: the same
    event delivered again finds its row and changes nothing."""

    provider = models.CharField(_("provider"), max_length=30)
    event_id = models.CharField(_("event id"), max_length=255)
    event_type = models.CharField(_("event type"), max_length=100)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="wagtail_passes_paymentevent_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
