"""The one-time tokens of the admin's money forms, once used (issue 17, item 14).

A row is written, under a unique token, by the request that sends a form
(``admin/once.py``): of two requests sending the same form at the same instant, even to two
server processes, the database lets one insert it and refuses the other. Rows are tidied
away after ``KEEP_FOR``; by then the staff member's session remembers the form as sent.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

TOKEN_MAX_LENGTH = 64
#: How long a used token is kept.
KEEP_FOR = dt.timedelta(days=7)


class FormToken(models.Model):
    token = models.CharField(_("token"), max_length=TOKEN_MAX_LENGTH, unique=True)
    used_at = models.DateTimeField(_("used at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("form token")
        verbose_name_plural = _("form tokens")

    def __str__(self) -> str:
        return f"form token used at {self.used_at:%Y-%m-%d %H:%M}"
