"""The iCalendar feeds (CAL3) and resetting the member's private feed address.

- ``programme_feed``: public, a programme's sessions from 30 days ago to 180 days ahead.
- ``member_feed``: private, behind a random token; the member's bookings from 60 days ago.
- ``reset_member_feed``: POST only, logged in; a new token, the old address is a 404.

Each feed costs the same small number of queries however many events it holds (one for
the programme or the token, then the events with their class and programme joined in).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from ..models import Booking, BookingStatus, Programme, Session
from ..services.feeds import feed_for_token, has_feed, reset_feed_token
from . import ical

PROGRAMME_DAYS_BACK = 30
PROGRAMME_DAYS_AHEAD = 180
#: At most this many sessions still to come, and this many past ones, per programme feed.
PROGRAMME_MAX_UPCOMING = 500
PROGRAMME_MAX_PAST = 100
MEMBER_DAYS_BACK = 60
MEMBER_DAYS_AHEAD = 366
MEMBER_MAX_EVENTS = 1000  # bookings still to come
MEMBER_MAX_PAST = 200  # and past ones

#: The section of My bookings that holds the feed's address.
FEED_SECTION = "wp-calendar-feed"


def _calendar_response(body: bytes, filename: str, *, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response["Cache-Control"] = "private, max-age=300"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
    else:
        response["Cache-Control"] = "public, max-age=900"
    return response


def _sessions_of(programme, now: dt.datetime) -> list[Session]:
    """Past sessions (newest first, bounded) and upcoming ones (soonest first, bounded), in
    two queries, so a busy past never pushes the coming sessions out of the feed."""
    sessions = Session.objects.filter(programme_class__programme=programme).select_related(
        "programme_class__programme"
    )
    upcoming = sessions.filter(
        end__gte=now, start__lt=now + dt.timedelta(days=PROGRAMME_DAYS_AHEAD)
    ).order_by("start", "pk")[:PROGRAMME_MAX_UPCOMING]
    past = sessions.filter(
        end__lt=now, start__gte=now - dt.timedelta(days=PROGRAMME_DAYS_BACK)
    ).order_by("-start", "-pk")[:PROGRAMME_MAX_PAST]
    return [*reversed(list(past)), *upcoming]


@require_safe
def programme_feed(request, slug: str):
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        raise Http404
    now = ical.now()
    calendar = ical.new_calendar(programme.name)
    if programme.description:
        calendar.add("x-wr-caldesc", programme.description)
    for session in _sessions_of(programme, now):
        session.programme_class.programme = programme
        calendar.add_component(
            ical.session_event(
                session,
                uid=ical.session_uid(session),
                stamp=now,
                cancelled=session.is_cancelled,
                cancelled_at=session.cancelled_at,
                price=session.effective_unit_price,
            )
        )
    body = ical.finish(
        calendar,
        now - dt.timedelta(days=PROGRAMME_DAYS_BACK),
        now + dt.timedelta(days=PROGRAMME_DAYS_AHEAD),
    )
    return _calendar_response(body, f"{programme.slug}.ics", private=False)


def _member_bookings(member, now: dt.datetime) -> list[Booking]:
    """The member's bookings from 60 days ago, one per session: the active booking, else
    (for a session still to come) the last cancelled one, so calendars drop it."""
    mine = (
        Booking.objects.filter(member=member)
        .filter(~Q(status=BookingStatus.CANCELLED) | Q(session__end__gte=now))
        .select_related("session__programme_class__programme")
    )
    # The sessions to come first (the reason to subscribe), then the recent past, each
    # capped: a busy account never loses next week's booking to last month's.
    upcoming = mine.filter(
        session__start__gte=now, session__start__lt=now + dt.timedelta(days=MEMBER_DAYS_AHEAD)
    ).order_by("session__start", "session_id", "pk")[:MEMBER_MAX_EVENTS]
    past = mine.filter(
        session__start__gte=now - dt.timedelta(days=MEMBER_DAYS_BACK), session__start__lt=now
    ).order_by("-session__start", "-session_id", "-pk")[:MEMBER_MAX_PAST]
    bookings = [*past, *upcoming]
    chosen: dict[int, Booking] = {}
    for booking in bookings:
        held = chosen.get(booking.session_id)
        if held is None or held.status == BookingStatus.CANCELLED:
            # An active booking wins over a cancelled one; of two cancelled, the later.
            if held is None or booking.status != BookingStatus.CANCELLED or booking.pk > held.pk:
                chosen[booking.session_id] = booking
    return list(chosen.values())


def _my_bookings_url() -> str:
    try:
        return reverse("wagtail_passes:my_bookings")
    except NoReverseMatch:
        return ""


@require_safe
def member_feed(request, token: str):
    feed = feed_for_token(token)
    if feed is None:
        raise Http404
    now = ical.now()
    calendar = ical.new_calendar(_("My bookings"))
    my_bookings = _my_bookings_url()
    url = request.build_absolute_uri(my_bookings) if my_bookings else ""
    for booking in _member_bookings(feed.member, now):
        calendar.add_component(ical.booking_event(booking, stamp=now, url=url))
    body = ical.finish(
        calendar,
        now - dt.timedelta(days=MEMBER_DAYS_BACK),
        now + dt.timedelta(days=MEMBER_DAYS_AHEAD),
    )
    return _calendar_response(body, "bookings.ics", private=True)


def _back_to(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return f"{_my_bookings_url() or '/'}#{FEED_SECTION}"


@require_POST
def reset_member_feed(request):
    """Give the member's feed a new address (or its first one); the old one stops working."""
    if not request.user.is_authenticated:
        # Back to the page with the form afterwards, never to this POST-only address.
        return redirect_to_login(_back_to(request))
    outcome = "reset" if has_feed(request.user) else "new"
    reset_feed_token(request.user)
    # The include says what happened (``?calendar=new|reset``): not every host's page shows
    # Django's messages, and a queued message would surface on some later page.
    return HttpResponseRedirect(_with_outcome(_back_to(request), outcome), status=303)


def _with_outcome(url: str, outcome: str) -> str:
    """``url`` with this outcome, and without an earlier POST's outcome (My bookings'
    "Booking cancelled" must not show again after a feed reset)."""
    from ..member.bookings import OUTCOMES

    dropped = {"calendar", *OUTCOMES}
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in dropped]
    query.append(("calendar", outcome))
    return urlunsplit(parts._replace(query=urlencode(query)))
