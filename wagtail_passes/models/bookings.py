"""Bookings of sessions by members, and waiting lists.

What paid for a booking is either a member pass (``member_pass``, with its redemption
in the pass's ledger) or nothing yet: then ``amount_due`` is what the member owes
(P1), the effective unit price times the attendees. Free sessions owe nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .households import fill_attendee


class PaymentMethod(models.TextChoices):
    """How an amount due was paid outside a member pass (C6): at the desk, or online with
    an order (``ONLINE``, never chosen at the desk)."""

    CASH = "cash", _("Cash at the desk")
    CARD_TERMINAL = "card_terminal", _("Card terminal at the desk")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ONLINE = "online", _("Paid online")
    OTHER = "other", _("Other")


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_BOOKING = ~Q(status=BookingStatus.CANCELLED)


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ACTIVE_BOOKING)

    def unpaid(self):
        """Active bookings that owe an amount (R2, S2)."""
        return self.active().filter(amount_due__gt=0)


class Booking(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="passes_bookings",
    )
    # F1: who attends (the account holder themself or a dependant); ``member`` pays.
    person = models.ForeignKey(
        "wagtail_passes.Person",
        verbose_name=_("attending"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    session = models.ForeignKey(
        "wagtail_passes.Session",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    attendees = models.PositiveIntegerField(
        _("attendees"), default=1, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What paid: a member pass, or an amount the member owes.
    member_pass = models.ForeignKey(
        "wagtail_passes.MemberPass",
        verbose_name=_("paid with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        help_text=_("Effective unit price times attendees when it was booked."),
    )
    amount_due = models.DecimalField(
        _("amount due"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # An amount due paid outside a pass (at the desk): what, how, when and who recorded it.
    amount_paid = models.DecimalField(
        _("amount paid"), max_digits=12, decimal_places=2, default=Decimal(0)
    )
    payment_method = models.CharField(
        _("paid by"), max_length=16, choices=PaymentMethod.choices, blank=True
    )
    amount_paid_at = models.DateTimeField(_("amount paid at"), null=True, blank=True)
    payment_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payment recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attendance_marked_at = models.DateTimeField(_("attendance marked at"), null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendance marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # The booking form's one-time token (``services.book(token=...)``): the same form sent
    # again, even after the booking was cancelled, finds this booking instead of making one.
    # Written with the booking's own insert, so a double click costs no extra write.
    token = models.CharField(
        _("booking form token"), max_length=64, null=True, blank=True, unique=True, editable=False
    )

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["session__start", "created_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            # P2, F1: at most one active booking per person and session.
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=ACTIVE_BOOKING,
                name="passes_booking_one_active_per_person",
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="passes_booking_attendees"),
            models.CheckConstraint(
                condition=Q(amount_due__gte=0) & Q(price__gte=0) & Q(amount_paid__gte=0),
                name="passes_booking_amounts_gte_0",
            ),
            # A pass pays or an amount is owed, never both.
            models.CheckConstraint(
                condition=Q(member_pass__isnull=True) | Q(amount_due=0),
                name="passes_booking_pass_or_amount_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.session}"

    def save(self, *args, **kwargs):
        fill_attendee(self)
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.status != BookingStatus.CANCELLED


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BOOKED = "booked", _("Booked from the waiting list")
    BOOKED_DIRECTLY = "booked_directly", _("Booked the session directly")
    LEFT = "left", _("Left the waiting list")
    CANCELLED = "cancelled", _("Session cancelled")


class WaitlistEntry(models.Model):
    """A member waiting for a place on a full session (P7). First come, first served."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="passes_waitlist_entries",
    )
    # F1: who attends (the account holder themself or a dependant); ``member`` pays.
    person = models.ForeignKey(
        "wagtail_passes.Person",
        verbose_name=_("attending"),
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
    )
    session = models.ForeignKey(
        "wagtail_passes.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="waitlist",
    )
    attendees = models.PositiveIntegerField(
        _("attendees"), default=1, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entry",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=Q(status="waiting"),
                name="passes_waitlist_once_per_person",
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="passes_waitlist_attendees"),
        ]

    def __str__(self) -> str:
        return _("%(member)s waiting for %(session)s") % {
            "member": self.person,
            "session": self.session,
        }

    def save(self, *args, **kwargs):
        fill_attendee(self)
        super().save(*args, **kwargs)

