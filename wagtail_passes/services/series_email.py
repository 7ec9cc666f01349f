"""The context of the series emails (T1): the dates the email is about, read fresh when
it is sent, in the member's language (``notifications.render_and_send``)."""

from __future__ import annotations

from ..models import Series
from .base_url import absolute_url, base_url


def series_context(member, context: dict) -> dict | None:
    """The email's context with ``series``, ``rows`` (``calendars.series_words``) and
    ``series_url``; None (nothing sent) when the series is gone or not the member's."""
    from ..calendars.series_words import series_rows
    from .series import result_of

    series = Series.objects.filter(pk=context.get("series_id"), member=member).first()
    if series is None:
        return None
    wanted = set(context.get("dates") or [])
    dates = [item for item in result_of(series).dates if item.pk in wanted]
    if not dates:
        return None
    base = base_url(context.get("base_url") or "")
    return {
        **context,
        "series": series,
        "rows": series_rows(dates),
        "series_url": absolute_url("wagtail_passes:series", base=base, pk=series.pk),
    }
