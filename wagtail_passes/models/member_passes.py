"""Member passes: one product bought by (or given to) one member, with its own copy
of the product's rules, its validity window, holds and an append-only ledger.

The balance is cached on the pass and changed only by inserting a ledger movement
in the same transaction, with a guarded update (see services/ledger.py). A database
constraint keeps it from going negative; tests check it always equals the sum.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..compat import PAGE_MODEL
from ..rules.money import CURRENCY_CHOICES, Money
from .households import fill_attendee
from .products import PeriodLimit, ProductKind, ValidityBasis

AMOUNT_FIELD = {"max_digits": 12, "decimal_places": 2}


class PassStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")  # shown while today lies inside a hold
    EXPIRED = "expired", _("Expired")
    USED_UP = "used_up", _("Used up")
    CANCELLED = "cancelled", _("Cancelled")


class MemberPassQuerySet(models.QuerySet):
    def usable(self):
        """Passes that may still pay for something (not cancelled, expired or used up)."""
        return self.filter(status__in=[PassStatus.ACTIVE, PassStatus.ON_HOLD])


class MemberPass(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="passes_member_passes",
    )
    # F1: who attends (the account holder themself or a dependant); ``member`` pays.
    person = models.ForeignKey(
        "wagtail_passes.Person",
        verbose_name=_("attending"),
        on_delete=models.PROTECT,
        related_name="member_passes",
    )
    product = models.ForeignKey(
        PAGE_MODEL,
        verbose_name=_("product"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The product page it was bought from; its rules were copied below."),
    )
    title = models.CharField(_("title"), max_length=255)
    order_line = models.ForeignKey(
        "wagtail_passes.OrderLine",
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member_passes",
        help_text=_("The order it was bought with; empty when staff assigned it."),
    )

    # The product's rules at purchase time: later edits of the page do not change them.
    kind = models.CharField(_("kind"), max_length=16, choices=ProductKind.choices)
    quantity = models.DecimalField(_("quantity"), null=True, blank=True, **AMOUNT_FIELD)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    price = models.DecimalField(_("price"), default=Decimal(0), **AMOUNT_FIELD)
    validity_basis = models.CharField(_("valid"), max_length=16, choices=ValidityBasis.choices)
    duration_days = models.PositiveIntegerField(_("duration (days)"), default=0)
    fixed_start = models.DateField(_("valid from"), null=True, blank=True)
    fixed_end = models.DateField(_("valid until"), null=True, blank=True)
    period_limit = models.CharField(
        _("limit uses"), max_length=8, choices=PeriodLimit.choices, blank=True
    )
    period_max_uses = models.PositiveIntegerField(_("at most"), null=True, blank=True)
    programme_ids = models.JSONField(_("programmes"), default=list, blank=True)
    class_ids = models.JSONField(_("classes"), default=list, blank=True)
    allows_additional_attendees = models.BooleanField(
        _("valid for additional attendees"), default=False
    )
    # F2: who may hold it, by age on the session's date, copied from the product.
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("up to age"), null=True, blank=True)
    member_can_hold = models.BooleanField(_("members may put it on hold"), default=False)
    auto_renew = models.BooleanField(_("auto-renew"), default=False)
    # Copied from the product for renewals (N1, N2): when it renews, and how many payments
    # the member committed to before they may stop renewing.
    renew_when = models.CharField(_("renew"), max_length=8, blank=True)
    commitment_payments = models.PositiveIntegerField(_("committed payments"), default=0)
    # A renewal's window starts the day after the pass it renews ends (see Renewal).
    starts_on = models.DateField(_("starts on"), null=True, blank=True)

    # Life
    status = models.CharField(
        _("status"), max_length=16, choices=PassStatus.choices, default=PassStatus.ACTIVE
    )
    balance = models.DecimalField(_("balance"), default=Decimal(0), **AMOUNT_FIELD)
    is_paid = models.BooleanField(_("paid"), default=False)
    purchased_at = models.DateTimeField(_("purchased at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Cached validity window, recomputed on every write that can move it; lists and
    # reports filter on it. Eligibility recomputes it from the rules.
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Local dates of the earliest and latest session it pays for (V3), kept with the
    # window so eligibility needs no aggregate over the whole ledger.
    first_use_day = models.DateField(_("first used on"), null=True, blank=True, editable=False)
    last_use_day = models.DateField(_("last used on"), null=True, blank=True, editable=False)
    # The holds' date ranges, copied here by the hold service in the same transaction
    # as the Hold rows, so eligibility needs no extra query. [["2027-03-01", "2027-03-07"]]
    hold_ranges = models.JSONField(_("holds"), default=list, blank=True, editable=False)
    # Days staff added to the end of the window: the sum of the ledger's "extend"
    # movements, kept here for the same reason.
    extended_days = models.PositiveIntegerField(_("extended by (days)"), default=0, editable=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Staff member who gave it by hand, without payment."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MemberPassQuerySet.as_manager()

    class Meta:
        ordering = ["purchased_at", "pk"]
        verbose_name = _("member pass")
        verbose_name_plural = _("member passes")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="passes_pass_balance_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="passes_pass_quantity_gte_0",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status"], name="passes_pass_member_status"),
            models.Index(fields=["person", "status"], name="passes_pass_person_status"),
        ]

    def __str__(self) -> str:
        return f"{self.title} – {self.person}"

    def save(self, *args, **kwargs):
        fill_attendee(self)
        super().save(*args, **kwargs)

    @property
    def is_unlimited(self) -> bool:
        return self.kind == ProductKind.UNLIMITED

    @property
    def hold_periods(self) -> list[tuple[date, date]]:
        return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in self.hold_ranges]

    @property
    def balance_money(self) -> Money | None:
        return Money(self.balance, self.currency) if self.kind == ProductKind.MONEY else None


class LedgerKind(models.TextChoices):
    ISSUE = "issue", _("Issued")
    REDEEM = "redeem", _("Redeemed")
    RETURN = "return", _("Returned")
    ADJUST = "adjust", _("Adjusted")
    EXPIRE = "expire", _("Expired")
    EXTEND = "extend", _("Extended")
    CANCEL = "cancel", _("Cancelled")


class LedgerEntry(models.Model):
    """One movement on a member pass (R3). Rows are only ever inserted."""

    member_pass = models.ForeignKey(
        MemberPass, on_delete=models.CASCADE, related_name="ledger", verbose_name=_("member pass")
    )
    kind = models.CharField(_("movement"), max_length=8, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **AMOUNT_FIELD)
    balance_after = models.DecimalField(_("balance after"), **AMOUNT_FIELD)
    # Redemptions record the session they paid for and its local date, so period
    # limits (U1), day passes (K3) and first use (V3) count by session dates.
    session = models.ForeignKey(
        "wagtail_passes.Session",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("session"),
    )
    session_day = models.DateField(_("session date"), null=True, blank=True)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    # An extension moves the end of the validity window out by this many days.
    days = models.PositiveIntegerField(_("days"), default=0)
    booking = models.ForeignKey(
        "wagtail_passes.Booking",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        verbose_name=_("booking"),
    )
    # A return points at the movement it gives back (a redemption, or an expiry undone
    # by an extension); one return per movement.
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        verbose_name=_("gives back"),
    )
    reason = models.TextField(_("why"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ledger movement")
        verbose_name_plural = _("ledger movements")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="passes_ledger_balance_after_gte_0"
            ),
            models.CheckConstraint(
                condition=~Q(kind="redeem") | (Q(session__isnull=False) & Q(amount__lte=0)),
                name="passes_ledger_redeem_has_session",
            ),
            models.CheckConstraint(
                condition=~Q(kind="return") | (Q(reverses__isnull=False) & Q(amount__gte=0)),
                name="passes_ledger_return_reverses",
            ),
            models.CheckConstraint(
                condition=(Q(kind="extend") & Q(days__gte=1) & Q(amount=0))
                | (~Q(kind="extend") & Q(days=0)),
                name="passes_ledger_extend_days",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["expire", "cancel"]) | Q(amount__lte=0),
                name="passes_ledger_write_off_not_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["member_pass", "kind", "session_day"], name="passes_ledger_days"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.member_pass_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Ledger movements are append-only; insert a new movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger movements are append-only and cannot be deleted.")


class Hold(models.Model):
    """A period during which a member pass cannot be redeemed; expiry moves out by it (V7)."""

    member_pass = models.ForeignKey(
        MemberPass, on_delete=models.CASCADE, related_name="holds", verbose_name=_("member pass")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.TextField(_("why"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="passes_hold_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1
