"""Renewals (N1, N2), saved cards and expiry reminders (N3).

- ``MemberProfile``: what the app keeps about a member beyond their passes: the Stripe
  customer and card saved for renewals, and whether they want expiry reminders.
- ``Renewal``: one per member pass that renews, so whatever runs twice creates one
  renewal order (a database constraint, not a check). It records the off-session charge
  attempts and, once paid, the pass that continues it.
- ``ReminderSent``: one row per pass and threshold, so a reminder is never sent twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .member_passes import MemberPass
from .orders import Order


class MemberProfile(models.Model):
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="passes_profile",
    )
    # Saved by Stripe Checkout (setup_future_usage="off_session") for renewals.
    stripe_customer_id = models.CharField(_("Stripe customer"), max_length=255, blank=True)
    payment_method_id = models.CharField(_("saved card"), max_length=255, blank=True)
    card_brand = models.CharField(_("card brand"), max_length=30, blank=True)
    card_last4 = models.CharField(_("card ends in"), max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(_("card expiry month"), null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(_("card expiry year"), null=True, blank=True)
    expiry_reminders = models.BooleanField(
        _("email me before a pass expires"),
        default=True,
        help_text=_("Expiry reminders name what is left and link to book and renew."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")

    def __str__(self) -> str:
        return str(self.member)

    @property
    def has_saved_card(self) -> bool:
        return bool(self.stripe_customer_id and self.payment_method_id)


class Renewal(models.Model):
    member_pass = models.OneToOneField(
        MemberPass,
        verbose_name=_("pass renewed"),
        on_delete=models.PROTECT,
        related_name="renewal",
    )
    order = models.OneToOneField(
        Order,
        verbose_name=_("renewal order"),
        on_delete=models.PROTECT,
        related_name="renewal",
    )
    # The first day of the pass it buys: the day after the renewed pass ends (no gap,
    # no overlap), or None when it starts like any pass (renewing a used-up pass).
    starts_on = models.DateField(_("new pass starts on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    charge_attempts = models.PositiveSmallIntegerField(_("card charge attempts"), default=0)
    next_charge_at = models.DateTimeField(_("next charge attempt"), null=True, blank=True)
    last_charge_error = models.CharField(_("last charge error"), max_length=500, blank=True)
    new_pass = models.OneToOneField(
        MemberPass,
        verbose_name=_("new pass"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renews",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")

    def __str__(self) -> str:
        return _("Renewal of %(pass)s") % {"pass": self.member_pass}


class ReminderSent(models.Model):
    member_pass = models.ForeignKey(
        MemberPass,
        verbose_name=_("member pass"),
        on_delete=models.CASCADE,
        related_name="reminders_sent",
    )
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expiry reminder sent")
        verbose_name_plural = _("expiry reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["member_pass", "days_before"], name="passes_one_reminder_per_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_pass} – {self.days_before}"
