"""A member's private calendar feed of their own bookings (CAL3).

The token in the feed's address is the only secret: whoever has the address sees the
member's bookings, so it is random (``secrets.token_urlsafe``), unique, and replaced by
``services.feeds.reset_feed_token``. Rows are written only through ``services.feeds``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Characters of ``secrets.token_urlsafe(TOKEN_BYTES)``: 32 bytes give 43 characters.
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64


class CalendarFeed(models.Model):
    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="passes_calendar_feed",
    )
    token = models.CharField(_("token"), max_length=TOKEN_MAX_LENGTH, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        # Never the token: this string can end up in logs and the admin.
        return _("Calendar feed of %(member)s") % {"member": self.member_id}
