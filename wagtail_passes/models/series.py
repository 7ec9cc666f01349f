"""Series bookings (T1, T2): "book every Tuesday 18:00 from … until …" in one action.

A ``Series`` is what the member asked for: a class, a weekday and a local time, a range
of dates, the people of one household who attend. Each (date, person) gets a
``SeriesDate`` with what became of it: booked (with the booking, and so the pass that
paid), waiting (with the waiting-list entry), held until booking opens (``opens_at``),
refused (with the reason the booking service gave), cancelled, or "no session that day"
(a bank holiday, a gap in the schedule). The dates are judged one by one, each in its own
transaction under the normal locks (``services.series``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..bounds import DATE_VALIDATORS


class SeriesDateState(models.TextChoices):
    PENDING = "pending", _("Being booked")
    BOOKED = "booked", _("Booked")
    WAITING = "waiting", _("On the waiting list")
    HELD = "held", _("Booking opens later")
    REFUSED = "refused", _("Not booked")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SESSION = "no_session", _("No session that day")


class Series(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account holder"),
        on_delete=models.PROTECT,
        related_name="passes_series",
    )
    programme_class = models.ForeignKey(
        "wagtail_passes.ProgrammeClass",
        verbose_name=_("class"),
        on_delete=models.PROTECT,
        related_name="series",
    )
    people = models.ManyToManyField(
        "wagtail_passes.Person", verbose_name=_("attending"), related_name="series"
    )
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    start_time = models.TimeField(_("start time"), help_text=_("Local time of the site."))
    starts_on = models.DateField(_("from"), validators=DATE_VALIDATORS)
    ends_on = models.DateField(_("until"), validators=DATE_VALIDATORS)
    attendees = models.PositiveIntegerField(
        _("attendees"), default=1, validators=[MinValueValidator(1)]
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
    # The series form's one-time token: the same form sent again finds this series.
    token = models.CharField(
        _("series form token"), max_length=64, null=True, blank=True, unique=True, editable=False
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

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("series booking")
        verbose_name_plural = _("series bookings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="passes_series_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="passes_series_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_class} – {self.starts_on.isoformat()}…{self.ends_on.isoformat()}"


class SeriesDate(models.Model):
    series = models.ForeignKey(
        Series, verbose_name=_("series"), on_delete=models.CASCADE, related_name="dates"
    )
    person = models.ForeignKey(
        "wagtail_passes.Person",
        verbose_name=_("attending"),
        on_delete=models.PROTECT,
        related_name="series_dates",
    )
    day = models.DateField(_("date"))
    session = models.ForeignKey(
        "wagtail_passes.Session",
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="series_dates",
    )
    state = models.CharField(_("state"), max_length=16, choices=SeriesDateState.choices)
    booking = models.ForeignKey(
        "wagtail_passes.Booking",
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="series_dates",
    )
    waitlist_entry = models.ForeignKey(
        "wagtail_passes.WaitlistEntry",
        verbose_name=_("waiting list entry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="series_dates",
    )
    # Why it was not booked (or not cancelled): the service's refusal code and message.
    code = models.CharField(_("reason code"), max_length=40, blank=True)
    message = models.TextField(_("reason"), blank=True)
    opens_at = models.DateTimeField(_("booking opens at"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["day", "-person__is_holder", "person__name", "pk"]
        verbose_name = _("series date")
        verbose_name_plural = _("series dates")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "person", "session"], name="passes_series_date_once"
            ),
            models.UniqueConstraint(
                fields=["series", "person", "day"], name="passes_series_date_once_a_day"
            ),
            models.CheckConstraint(
                condition=~Q(state="held") | Q(opens_at__isnull=False),
                name="passes_series_date_held_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id}: {self.person_id} {self.day.isoformat()} {self.state}"
