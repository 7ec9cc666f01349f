"""List filters for the admin."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.filters import DateFieldListFilter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..presentation import local


class UpcomingDateFilter(DateFieldListFilter):
    """Date ranges that look ahead, as staff plan sessions rather than audit them.

    Days start at midnight in the site's time zone (SPEC V5). Every range starts or
    ends at a midnight, not at "now", so a chosen link stays highlighted on the next
    request, and today's earlier sessions stay in view under "Upcoming". Like
    Django's filter, it also takes any ``<field>__gte`` / ``<field>__lt`` values.
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        today = local(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)

        def days_ahead(days):
            # Wall-clock arithmetic: midnight stays midnight across a DST change.
            return today + dt.timedelta(days=days)

        since, until = self.lookup_kwarg_since, self.lookup_kwarg_until
        self.links = (
            (_("Any date"), {}),
            (_("Today"), {since: today, until: days_ahead(1)}),
            (_("Next 7 days"), {since: today, until: days_ahead(7)}),
            (_("Next 30 days"), {since: today, until: days_ahead(30)}),
            (_("Upcoming"), {since: today}),
            (_("Past"), {until: today}),
        )


class PastDateFilter(DateFieldListFilter):
    """Date ranges that look back (orders, payments), in the site's time zone (V5).

    Like :class:`UpcomingDateFilter`, every range starts or ends at a local midnight.
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        today = local(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)

        def days_ago(days):
            return today - dt.timedelta(days=days)

        since, until = self.lookup_kwarg_since, self.lookup_kwarg_until
        self.links = (
            (_("Any date"), {}),
            (_("Today"), {since: today, until: today + dt.timedelta(days=1)}),
            (_("Past 7 days"), {since: days_ago(6)}),
            (_("Past 30 days"), {since: days_ago(29)}),
            (_("Before that"), {until: days_ago(29)}),
        )
