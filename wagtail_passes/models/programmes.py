"""Programmes, their classes, link pools, dated sessions and weekly schedules.

A programme holds the attendance settings (SPEC P1-P8). A class may override the
programme's unit price and capacity; a session may override the capacity again.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from ..bounds import (
    CAPACITY_VALIDATORS,
    DATE_VALIDATORS,
    LAST_YEAR,
    MAX_BOOKING_CLOSES_MINUTES,
    MAX_BOOKING_OPENS_DAYS,
    MAX_CANCELLATION_CUTOFF_HOURS,
    MAX_CHECKIN_OPENS_MINUTES,
    MAX_CREDIT_COST,
    MAX_SCHEDULE_YEARS,
    MAX_SESSION_MINUTES,
    PRICE_VALIDATORS,
    add_years,
)
from ..conf import passes_settings
from ..presentation import (
    format_short_moment,
    format_time_of_day,
    format_weekday_names,
    local,
)
from ..rules import attendance_policy as policies
from ..rules.booking_window import booking_window, cancellation_deadline
from ..rules.money import CURRENCY_CHOICES, SUPPORTED_CURRENCIES, Money, has_valid_precision
from .fields import WeekdaysField

# Prices run from 0 to 1,000,000 (``bounds.MAX_PRICE``), well inside max_digits.
PRICE_FIELD = {"max_digits": 10, "decimal_places": 2, "validators": PRICE_VALIDATORS}


#: L2: at most this many free no-shows per period.
MAX_NO_SHOW_GRACE = 31


class LateCancelPolicy(models.TextChoices):
    """L1: what cancelling after the cutoff costs (``rules.attendance_policy``)."""

    KEEP_ENTRY = policies.KEEP_ENTRY, _("Members cannot cancel late; the entry is kept")
    FORFEIT = policies.FORFEIT, _("Members may cancel late; the entry or price is kept")
    FEE = policies.FEE, _("Members may cancel late for a fee; the entry goes back")
    FREE = policies.FREE, _("Members may cancel late at no cost")


class NoShowPolicy(models.TextChoices):
    """L2: what a no-show costs."""

    KEEP_ENTRY = policies.KEEP_ENTRY, _("The entry is kept")
    FEE = policies.FEE, _("The entry is kept and a fee is charged")
    FREE = policies.FREE, _("Nothing: the entry goes back")


class GracePeriod(models.TextChoices):
    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")


def default_currency() -> str:
    return passes_settings.DEFAULT_CURRENCY


class Programme(ClusterableModel):
    """An offering members register for once and then book sessions of."""

    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    description = models.TextField(_("description"), blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default=default_currency
    )
    default_unit_price = models.DecimalField(
        _("default unit price"),
        help_text=_("Price of one session when no pass pays for it. Classes may override it."),
        **PRICE_FIELD,
    )

    # Attendance settings (P3, P4, P6, P7, P8).
    require_valid_pass = models.BooleanField(
        _("require a valid pass"),
        default=False,
        help_text=_(
            "Refuse a booking unless one of the member's passes can pay for it; the member is "
            "shown which passes would."
        ),
    )
    redeem_if_unpaid = models.BooleanField(
        _("redeem if unpaid"),
        default=False,
        help_text=_(
            "Let passes whose order is not paid yet (for example a bank transfer on its way) "
            "pay for bookings."
        ),
    )
    booking_opens_days_before = models.PositiveIntegerField(
        _("booking opens (days before)"),
        null=True,
        blank=True,
        default=30,
        validators=[MaxValueValidator(MAX_BOOKING_OPENS_DAYS)],
        help_text=_(
            "How many days before a session members can book it (at most 730). Leave empty to "
            "open booking as soon as the session exists."
        ),
    )
    booking_closes_minutes_before = models.PositiveIntegerField(
        _("booking closes (minutes before start)"),
        default=0,
        validators=[MaxValueValidator(MAX_BOOKING_CLOSES_MINUTES)],
        help_text=_(
            "How many minutes before the start booking closes (at most 10080, a week). 0 closes "
            "it at the start time."
        ),
    )
    cancellation_cutoff_hours = models.PositiveIntegerField(
        _("cancellation cutoff (hours before start)"),
        default=24,
        validators=[MaxValueValidator(MAX_CANCELLATION_CUTOFF_HOURS)],
        help_text=_(
            "Members can cancel until this many hours before the start (at most 720, 30 days)."
        ),
    )
    checkin_opens_minutes = models.PositiveIntegerField(
        _("check-in opens (minutes before start)"),
        default=30,
        validators=[MaxValueValidator(MAX_CHECKIN_OPENS_MINUTES)],
        help_text=_(
            "How many minutes before the start the front desk can check members in (at most "
            "1440, a day). No-shows can be marked only once the session has started."
        ),
    )
    default_capacity = models.PositiveIntegerField(
        _("default capacity"),
        default=10,
        validators=CAPACITY_VALIDATORS,
        help_text=_("Places per session unless the class or the session says otherwise."),
    )
    # Attendance policies (L1, L2): what a late cancellation or a no-show costs. The
    # defaults are the behaviour before policies existed.
    late_cancel_policy = models.CharField(
        _("late cancellation"),
        max_length=16,
        choices=LateCancelPolicy.choices,
        default=LateCancelPolicy.KEEP_ENTRY,
        help_text=_("What cancelling after the cancellation cutoff costs."),
    )
    late_cancel_fee = models.DecimalField(
        _("late cancellation fee"),
        default=Decimal(0),
        help_text=_("In the programme's currency; for the “fee” policy."),
        **PRICE_FIELD,
    )
    no_show_policy = models.CharField(
        _("no-show"),
        max_length=16,
        choices=NoShowPolicy.choices,
        default=NoShowPolicy.KEEP_ENTRY,
        help_text=_("What a booking marked as a no-show costs."),
    )
    no_show_fee = models.DecimalField(
        _("no-show fee"),
        default=Decimal(0),
        help_text=_("In the programme's currency; for the “fee” policy."),
        **PRICE_FIELD,
    )
    no_show_grace = models.PositiveIntegerField(
        _("free no-shows"),
        default=0,
        validators=[MaxValueValidator(MAX_NO_SHOW_GRACE)],
        help_text=_(
            "How many no-shows per period cost nothing (no fee, the entry goes back). 0: none."
        ),
    )
    no_show_grace_period = models.CharField(
        _("free no-shows per"),
        max_length=8,
        choices=GracePeriod.choices,
        default=GracePeriod.MONTH,
        help_text=_(
            "Counted on session dates in the site's time zone; weeks run Monday to Sunday."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_unit_price__gte=0),
                name="passes_programme_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(late_cancel_fee__gte=0) & Q(no_show_fee__gte=0),
                name="passes_programme_fees_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(no_show_grace__gte=0), name="passes_programme_grace_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        for field in ("default_unit_price", "late_cancel_fee", "no_show_fee"):
            amount = getattr(self, field)
            if (
                isinstance(amount, Decimal)
                and self.currency in SUPPORTED_CURRENCIES
                and not has_valid_precision(amount, self.currency)
            ):
                errors[field] = _("%(currency)s has no fractional units; enter a whole amount.") % {
                    "currency": self.currency
                }
        errors.update(self._policy_errors())
        if errors:
            raise ValidationError(errors)

    def _policy_errors(self) -> dict:
        """L1, L2: a fee policy needs a fee; a fee without its policy would never be charged."""
        errors = {}
        fees = (
            ("late_cancel_policy", "late_cancel_fee", _("a late cancellation fee")),
            ("no_show_policy", "no_show_fee", _("a no-show fee")),
        )
        for policy_field, fee_field, what in fees:
            fee = getattr(self, fee_field)
            if fee is not None and fee < 0:
                errors[fee_field] = _("A fee cannot be negative.")
            elif getattr(self, policy_field) == policies.FEE and not fee:
                errors[fee_field] = _("The “fee” policy needs %(what)s greater than 0.") % {
                    "what": what
                }
            elif getattr(self, policy_field) != policies.FEE and fee:
                errors[fee_field] = _(
                    "This fee is charged only under the “fee” policy: choose it, or set the "
                    "fee to 0."
                )
        if self.no_show_grace and self.no_show_policy == policies.FREE:
            errors["no_show_grace"] = _(
                "No-shows are already free under this policy: set the free no-shows to 0."
            )
        return errors

    def attendance_policy(self) -> policies.Policy:
        """L1, L2: this programme's policies, for ``rules.attendance_policy``."""
        late_fee = no_show_fee = None
        if self.late_cancel_policy == policies.FEE:
            late_fee = Money(self.late_cancel_fee, self.currency)
        if self.no_show_policy == policies.FEE:
            no_show_fee = Money(self.no_show_fee, self.currency)
        return policies.Policy(
            late_cancel=self.late_cancel_policy,
            late_cancel_fee=late_fee,
            no_show=self.no_show_policy,
            no_show_fee=no_show_fee,
            grace=self.no_show_grace,
            grace_period=self.no_show_grace_period,
        )

    @property
    def default_price(self) -> Money:
        return Money(self.default_unit_price, self.currency)


class LinkPool(models.Model):
    """Classes of one programme that a pass for any of them also covers (P5)."""

    programme = ParentalKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="link_pools"
    )
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        ordering = ["programme", "name"]
        verbose_name = _("link pool")
        verbose_name_plural = _("link pools")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="passes_pool_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeClass(models.Model):
    """A kind of activity inside a programme ("Yoga Flow")."""

    programme = ParentalKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="classes"
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the programme's default unit price."),
        **PRICE_FIELD,
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=CAPACITY_VALIDATORS,
        help_text=_("Leave empty to use the programme's default capacity."),
    )
    credit_cost = models.PositiveIntegerField(
        _("credits per session"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CREDIT_COST)],
        help_text=_("Credits a credit pack spends on one attendee of this class."),
    )
    location = models.CharField(_("location"), max_length=255, blank=True)
    instructor = models.CharField(_("instructor"), max_length=255, blank=True)
    link_pool = models.ForeignKey(
        LinkPool,
        verbose_name=_("link pool"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes",
        help_text=_("A pass valid for one class of a pool is valid for all of them."),
    )

    class Meta:
        ordering = ["programme", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="passes_class_unique_name"),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="passes_class_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(credit_cost__gte=1), name="passes_class_credit_cost"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        # A new programme has no id yet; its classes still hold it, so check through it.
        programme = self.programme if ProgrammeClass.programme.is_cached(self) else None
        if programme is None and self.programme_id is not None:
            programme = self.programme
        if (
            self.link_pool_id is not None
            and programme is not None
            and self.link_pool.programme_id != programme.pk
        ):
            errors["link_pool"] = _(
                "This pool belongs to another programme; a pool only links classes of one "
                "programme."
            )
        if self.unit_price is not None and programme is not None:
            currency = programme.currency
            if currency in SUPPORTED_CURRENCIES and not has_valid_precision(
                self.unit_price, currency
            ):
                errors["unit_price"] = _(
                    "%(currency)s has no fractional units; enter a whole amount."
                ) % {"currency": currency}
        if errors:
            raise ValidationError(errors)

    @property
    def effective_unit_price(self) -> Money:
        """P1: the class override, else the programme default."""
        amount = self.unit_price
        if amount is None:
            amount = self.programme.default_unit_price
        return Money(amount, self.programme.currency)

    @property
    def effective_capacity(self) -> int:
        return self.capacity if self.capacity is not None else self.programme.default_capacity


class SessionQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        return self.filter(start__gte=now or timezone.now(), is_cancelled=False)

    def for_programme(self, programme):
        return self.filter(programme_class__programme=programme)

    def with_related(self):
        # The class's link pool is used by its id only (``session_facts``): no join for it.
        return self.select_related("programme_class__programme")


class Session(models.Model):
    """One dated occurrence of a class."""

    programme_class = models.ForeignKey(
        ProgrammeClass,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    start = models.DateTimeField(_("start"), db_index=True, validators=DATE_VALIDATORS)
    end = models.DateTimeField(_("end"), validators=DATE_VALIDATORS)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=CAPACITY_VALIDATORS,
        help_text=_("Leave empty to use the class's (or the programme's) capacity."),
    )
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    # Set when a schedule made this session: the schedule and the local date of the
    # occurrence, which together identify it when the schedule is generated again.
    schedule = models.ForeignKey(
        "Schedule",
        verbose_name=_("schedule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
        editable=False,
    )
    occurrence_date = models.DateField(_("occurrence date"), null=True, blank=True, editable=False)
    # Staff moved it or changed its capacity by hand: its schedule leaves it as it is.
    changed_by_hand = models.BooleanField(_("changed by hand"), default=False, editable=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="passes_session_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["schedule", "occurrence_date"],
                condition=Q(schedule__isnull=False),
                name="passes_session_one_per_occurrence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_class} – {format_short_moment(self.start)}"

    def clean(self):
        super().clean()
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The end must be after the start.")})
        if (
            self.start
            and self.end
            and self.end - self.start > dt.timedelta(minutes=MAX_SESSION_MINUTES)
        ):
            raise ValidationError({"end": _("A session cannot last longer than 24 hours.")})

    @property
    def programme(self) -> Programme:
        return self.programme_class.programme

    @property
    def effective_capacity(self) -> int:
        """P7: the session's own capacity, else the class's, else the programme's."""
        if self.capacity is not None:
            return self.capacity
        return self.programme_class.effective_capacity

    @property
    def effective_unit_price(self) -> Money:
        return self.programme_class.effective_unit_price

    @property
    def local_start(self):
        return local(self.start)

    @property
    def cancellation_deadline(self):
        """P6: members may cancel until this moment, in the site's time zone. The one
        rule (``rules.booking_window.cancellation_deadline``) decides it for every page,
        email and refusal."""
        hours = self.programme_class.programme.cancellation_cutoff_hours
        return local(cancellation_deadline(self.start, hours))

    def member_may_cancel(self, now=None) -> bool:
        """P6: whether a member can still cancel a booking of this session."""
        return (now or timezone.now()) <= self.cancellation_deadline

    def booking_window(self, now=None, tz=None):
        """P8: whether booking is open at ``now`` (``rules.booking_window``'s verdict). The
        one call behind the booking service's refusal and every page that shows it; ``tz``
        saves reading the setting for each session of a calendar."""
        programme = self.programme_class.programme
        return booking_window(
            now=now or timezone.now(),
            start=self.start,
            is_cancelled=self.is_cancelled,
            opens_days_before=programme.booking_opens_days_before,
            closes_minutes_before=programme.booking_closes_minutes_before,
            tz=tz or passes_settings.tzinfo,
        )

    @property
    def local_date(self):
        """The session's date in the site's time zone (V5, U1 count on it)."""
        return self.local_start.date()


class Schedule(models.Model):
    """A weekly recurrence that generates sessions of one class."""

    programme_class = models.ForeignKey(
        ProgrammeClass,
        verbose_name=_("class"),
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    weekdays = WeekdaysField(_("days of the week"))
    start_time = models.TimeField(_("start time"), help_text=_("Local time of the site."))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_MINUTES)],
    )
    starts_on = models.DateField(_("from"), validators=DATE_VALIDATORS)
    ends_on = models.DateField(
        _("until"),
        null=True,
        blank=True,
        validators=DATE_VALIDATORS,
        help_text=_(
            "At most three years after the first day. Leave empty to keep generating up to the "
            "scheduling horizon."
        ),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=CAPACITY_VALIDATORS,
        help_text=_("Capacity of generated sessions; leave empty to inherit the class's."),
    )

    class Meta:
        ordering = ["programme_class", "starts_on", "start_time"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="passes_schedule_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=24 * 60),
                name="passes_schedule_duration_range",
            ),
        ]

    def __str__(self) -> str:
        days = format_weekday_names(self.weekdays)
        return f"{self.programme_class} – {days} {format_time_of_day(self.start_time)}"

    def clean(self):
        super().clean()
        errors = {}
        if not self.weekdays:
            errors["weekdays"] = _("Choose at least one day of the week.")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end date must not be before the start date.")
        elif self.starts_on and self.ends_on and self.ends_on.year <= LAST_YEAR:
            # (A year past LAST_YEAR is already refused by the field's own validator.)
            latest = add_years(self.starts_on, MAX_SCHEDULE_YEARS)
            if latest is not None and self.ends_on > latest:
                errors["ends_on"] = _(
                    "A schedule can run for at most %(years)s years; the last day can be "
                    "%(latest)s at the latest."
                ) % {"years": MAX_SCHEDULE_YEARS, "latest": latest.isoformat()}
        if self.duration_minutes is not None and self.duration_minutes > MAX_SESSION_MINUTES:
            errors["duration_minutes"] = _("A session cannot last longer than 24 hours.")
        if errors:
            raise ValidationError(errors)
