"""Programme registrations (P10): a member registers for a programme once.

Registering goes through checkout (P9, ``services.registrations``): the order carries the
programme's mandatory products the member does not hold yet, and the optional ones they
chose. Whether a registration is complete is never stored: its mandatory products still
due are counted afresh from the member's passes and pending orders (``services.registrations
.registration_status``), so a refund, an expired order or a pass running out shows at once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .households import fill_attendee
from .programmes import Programme


class Registration(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="passes_registrations",
    )
    # F1: who attends (the account holder themself or a dependant); ``member`` pays.
    person = models.ForeignKey(
        "wagtail_passes.Person",
        verbose_name=_("attending"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True, db_index=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawal_reason = models.CharField(_("reason for withdrawing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_at", "-pk"]
        constraints = [
            # Once per programme: a second registration only after the first was withdrawn.
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=Q(withdrawn_at__isnull=True),
                name="wagtail_passes_registration_once",
            ),
        ]

    def __str__(self) -> str:
        return _("%(member)s in %(programme)s") % {
            "member": self.person,
            "programme": self.programme,
        }

    def save(self, *args, **kwargs):
        fill_attendee(self)
        super().save(*args, **kwargs)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None
