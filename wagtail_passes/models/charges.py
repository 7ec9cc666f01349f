"""What a late cancellation or a no-show cost a booking (L1-L3).

A charge records the outcome of an attendance policy (``rules.attendance_policy``) on one
booking: a fee (or a kept price) owed as an amount due (C6), an entry kept, or nothing
(the entry went back: a free or graced no-show). The database keeps at most one charge per
booking and kind that is not waived, so applying a policy twice cannot charge twice.
At the programmes' default policies nothing is recorded (today's behaviour).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..rules import attendance_policy as policies
from ..rules.money import Money
from .bookings import PaymentMethod


class ChargeKind(models.TextChoices):
    LATE_CANCEL = policies.LATE_CANCEL, _("Late cancellation")
    NO_SHOW = policies.NO_SHOW, _("No-show")


class ChargeState(models.TextChoices):
    DUE = policies.DUE, _("Due")
    PAID = "paid", _("Paid")
    KEPT = policies.KEPT, _("Entry kept")
    FREE = policies.NOTHING, _("Free")
    WAIVED = "waived", _("Waived")


#: States that hold the booking's one charge of a kind (the waived ones are history).
CURRENT_STATES = (ChargeState.DUE, ChargeState.PAID, ChargeState.KEPT, ChargeState.FREE)


class ChargeQuerySet(models.QuerySet):
    def current(self):
        return self.exclude(state=ChargeState.WAIVED)

    def due(self):
        return self.filter(state=ChargeState.DUE)


class AttendanceCharge(models.Model):
    booking = models.ForeignKey(
        "wagtail_passes.Booking",
        verbose_name=_("booking"),
        on_delete=models.PROTECT,
        related_name="charges",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ChargeKind.choices)
    state = models.CharField(_("state"), max_length=8, choices=ChargeState.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=Decimal(0))
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(
        _("reason"), max_length=255, help_text=_("What the member reads with the charge.")
    )
    # A free or graced no-show gave the entry (or the amount due) back; undoing the
    # no-show takes it again: what was given back, to take back the same.
    entry_returned = models.DecimalField(
        _("entry given back"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    due_cleared = models.DecimalField(
        _("amount due cleared"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_method = models.CharField(
        _("paid by"), max_length=16, choices=PaymentMethod.choices, blank=True
    )
    payment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payment recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    waived_at = models.DateTimeField(_("waived at"), null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("waived by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    waived_reason = models.CharField(_("why it was waived"), max_length=255, blank=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attendance charge")
        verbose_name_plural = _("attendance charges")
        constraints = [
            # L1, L2: a policy applies once per booking and kind (idempotent by constraint).
            models.UniqueConstraint(
                fields=["booking", "kind"],
                condition=~Q(state="waived"),
                name="passes_charge_one_current_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(entry_returned__gte=0) & Q(due_cleared__gte=0),
                name="passes_charge_amounts_gte_0",
            ),
            # A fee owed or paid is more than nothing; a kept entry or a free one costs none.
            models.CheckConstraint(
                condition=(Q(state__in=["due", "paid"]) & Q(amount__gt=0))
                | (Q(state__in=["kept", "free"]) & Q(amount=0))
                | Q(state="waived"),
                name="passes_charge_amount_matches_state",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(paid_at__isnull=False),
                name="passes_charge_paid_has_moment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def is_fee(self) -> bool:
        return self.amount > 0

    @property
    def refund_needed(self) -> bool:
        """A paid fee waived since (its no-show undone, or staff waived it): the money
        goes back to the member by hand."""
        return self.state == ChargeState.WAIVED and self.paid_at is not None
