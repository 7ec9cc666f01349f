"""Bookings of sessions by members.

Only the booking's core lives here for now; what paid for it (a member pass or an
amount due) arrives with the booking services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_BOOKING = ~Q(status=BookingStatus.CANCELLED)


class BookingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ACTIVE_BOOKING)


class Booking(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="passes_bookings",
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

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["session__start", "created_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            # P2: at most one active booking per member and session.
            models.UniqueConstraint(
                fields=["member", "session"],
                condition=ACTIVE_BOOKING,
                name="passes_booking_one_active_per_member",
            ),
            models.CheckConstraint(condition=Q(attendees__gte=1), name="passes_booking_attendees"),
        ]

    def __str__(self) -> str:
        return f"{self.member} – {self.session}"

    @property
    def is_active(self) -> bool:
        return self.status != BookingStatus.CANCELLED
