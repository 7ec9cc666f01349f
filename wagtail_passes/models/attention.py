"""Money problems a person must look at ("Payments needing attention").

A row is written by the services whenever money does not simply do what it should: more
arrived than an order needed, less, in another currency, for an order that can no longer
take it, a refund the provider refused or that failed, a refund that stays unconfirmed too
long, or money that only staff can give back (a bank transfer). The same moment the
order's history gets its entry and the site's managers an email
(``services.staff_alerts``).

An issue is *open* until it is resolved: by the system when the money is settled (the
automatic refund it asked for succeeded) or by staff, with a note.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..rules.money import CURRENCY_CHOICES, Money
from .orders import Order, Payment, Refund
from .programmes import PRICE_FIELD


class IssueKind(models.TextChoices):
    OVERPAID = "overpaid", _("Paid more than needed")
    SHORT = "short", _("Paid less than the total")
    CURRENCY = "currency", _("Paid in another currency")
    NOT_HONOURED = "not_honoured", _("Paid, but the order could not take it")
    REFUND_NEEDED = "refund_needed", _("Refund needed by hand")
    REFUND_FAILED = "refund_failed", _("Refund failed")
    REFUND_STUCK = "refund_stuck", _("Refund not confirmed")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")


class PaymentIssueQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)


class PaymentIssue(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="issues"
    )
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issues",
    )
    refund = models.ForeignKey(
        Refund,
        verbose_name=_("refund"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issues",
    )
    kind = models.CharField(_("problem"), max_length=20, choices=IssueKind.choices)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **PRICE_FIELD)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    message = models.TextField(_("what happened"))
    created_at = models.DateTimeField(_("noticed at"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)

    objects = PaymentIssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment needing attention")
        verbose_name_plural = _("payments needing attention")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open issue of a kind per refund: the tidy job flags a stuck refund once.
            models.UniqueConstraint(
                fields=["kind", "refund"],
                condition=Q(resolved_at__isnull=True, refund__isnull=False),
                name="wagtail_passes_issue_once_per_refund",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def amount_money(self) -> Money | None:
        if self.amount is None or not self.currency:
            return None
        return Money(self.amount, self.currency)
