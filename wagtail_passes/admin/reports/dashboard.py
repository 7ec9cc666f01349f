"""The "Passes today" panel on the Wagtail admin home: today's sessions (in the site's
time zone, V5) with places taken of the capacity, how many passes expire in the next
7 days (a link to the pass holders report, filtered so), and the outstanding total per
currency (a link to the outstanding payments report).

Each part shows only to those who may see what it counts: sessions to whoever may see
the registers (``can_view_bookings``), expiring passes to ``can_view_passes``, the
outstanding total to whoever may see the outstanding report (amounts due with
``can_view_bookings``, orders with ``can_view_orders``), and how many payments need
attention (a link to their list, shown when there are any) to whoever may see orders.
Without any, no panel. Whoever sees the panel may open members' profiles: it starts with
the front desk's member search (``admin/desk/profile.py``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from ...models import BookingStatus, Session
from ...presentation import format_time, local, local_today
from ...services.outstanding import outstanding_totals
from ...services.pass_holders import count_expiring
from ...services.permissions import (
    can_view_bookings,
    can_view_orders,
    can_view_passes,
    can_view_reports,
)
from ...services.staff_alerts import count_open_issues
from ..attention import issue_urls
from ..booking_display import register_url
from ..desk.profile import can_open_profiles

#: "Passes expiring" counts the passes whose last valid day is within this many days.
EXPIRING_DAYS = 7


def todays_sessions():
    """Today's sessions that are not cancelled, earliest first, with ``taken`` (places
    booked) annotated: one query."""
    midnight = local(timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    # Wall-clock arithmetic (one zoneinfo): tomorrow's midnight even across a DST change.
    tomorrow = midnight + dt.timedelta(days=1)
    active = ~Q(bookings__status=BookingStatus.CANCELLED)
    return (
        Session.objects.with_related()
        .filter(start__gte=midnight, start__lt=tomorrow, is_cancelled=False)
        .annotate(taken=Sum("bookings__attendees", filter=active))
        .order_by("start", "pk")
    )


class PassesTodayPanel(Component):
    name = "wagtail_passes_today"
    template_name = "wagtail_passes/admin/reports/dashboard_panel.html"
    order = 90  # above Wagtail's own panels: the desk looks here first

    class Media:
        css = {"all": ["wagtail_passes/css/profile.css"]}  # the member search box

    def __init__(self, user):
        self.user = user

    @property
    def shows_anything(self) -> bool:
        user = self.user
        return can_view_bookings(user) or can_view_passes(user) or can_view_orders(user)

    def sessions(self) -> list[dict]:
        return [
            {
                "time": format_time(session.start),
                "name": str(session.programme_class),
                "programme": str(session.programme_class.programme),
                "taken": session.taken or 0,
                "capacity": session.effective_capacity,
                "url": register_url(session.pk),
            }
            for session in todays_sessions()
        ]

    def get_context_data(self, parent_context=None):
        user = self.user
        context = {"today": local_today(), "member_search": can_open_profiles(user)}
        if can_view_bookings(user):
            context["sessions"] = self.sessions()
        if can_view_reports(user) and can_view_passes(user):
            context["expiring"] = count_expiring(EXPIRING_DAYS)
            context["expiring_days"] = EXPIRING_DAYS
            context["expiring_url"] = (
                reverse("wagtail_passes_reports:pass_holders") + f"?expiring={EXPIRING_DAYS}"
            )
        if can_view_orders(user):
            context["attention"] = count_open_issues()  # one query, none or many
            context["attention_url"] = issue_urls.index_url
        if can_view_reports(user) and (can_view_bookings(user) or can_view_orders(user)):
            totals = outstanding_totals(dues=can_view_bookings(user), orders=can_view_orders(user))
            context["outstanding"] = [str(total) for total in totals]
            context["outstanding_url"] = reverse("wagtail_passes_reports:outstanding")
        return context


def add_passes_panel(request, panels) -> None:
    """The ``construct_homepage_panels`` hook."""
    panel = PassesTodayPanel(request.user)
    if panel.shows_anything:
        panels.append(panel)
