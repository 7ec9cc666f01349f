"""Booking from the calendar (CAL2, P7) and a programme's "Book a date" page (M3).

GET shows the session and what would pay; POST books through ``services.book`` (or joins
or leaves the waiting list) with a one-time token, so a double click books once and leads
to the result. Every refusal of the services is shown as its message, nothing written.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..busy import answer_busy
from ..exceptions import BookingError
from ..models import (
    Booking,
    MemberPass,
    Programme,
    SeriesDate,
    Session,
    WaitlistEntry,
    WaitlistStatus,
    attendee_filter,
)
from ..products.visibility import passed_view_restrictions
from ..rules.dates import format_time_of_day
from ..services.base_url import links_from_request
from ..services.standing_sql import with_member_standing
from . import household, once
from .blocks import LIST, NEXT
from .forms import BOOK, BOOK_PEOPLE, WAITLIST, BookingForm
from .render import CalendarConfig, build_calendar
from .words import booking_page_terms, left_after, pays_words


def optional_url(name: str, *args) -> str:
    """A URL of the app that another part may not provide yet: "" when it is missing."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def safe_next(request) -> str:
    """The page the visitor came from (``next``), only when it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _with_next(url: str, back: str) -> str:
    return f"{url}?{urlencode({'next': back})}" if back else url


def checkout_then_book(product, session) -> str:
    """The product's checkout, booking ``session`` with the pass once it exists."""
    url = reverse("wagtail_passes:checkout", args=[product.pk])
    return f"{url}?{urlencode({'session': session.pk})}"


def book_url(session, back="") -> str:
    return book_url_of(session.pk, back)


def booked_url(booking, back="") -> str:
    return _with_next(reverse("wagtail_passes:booked", args=[booking.pk]), back)


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def book_session(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    back = safe_next(request)
    who = household.chosen_person(request)  # F1: the member, or a person of their household
    if request.method != "POST":
        return _page(request, pk, back, who=who)
    form = BookingForm(request.POST)
    if not form.is_valid():
        return _page(request, pk, back, who=who, errors=[_("Check the form and confirm again.")])
    action = form.cleaned_data["action"]
    # The session itself is read under its lock by the service: nothing before it.
    nonce = once.nonce_of(request, form.cleaned_data["token"], pk)
    if nonce is None:
        message = _("This page has expired. Check the details and confirm again.")
        return _page(request, pk, back, who=who, errors=[message])
    if action == BOOK_PEOPLE:
        return _book_people(request, pk, back, nonce, form.cleaned_data["people"])
    chosen = None
    if action == BOOK and form.cleaned_data.get("member_pass"):
        # Another person's pass reads exactly like one that is gone: nothing to learn.
        chosen = MemberPass.objects.filter(
            attendee_filter(who), pk=form.cleaned_data["member_pass"]
        ).first()
        if chosen is None:
            message = _("That pass can no longer be used. Choose another and confirm again.")
            return _page(request, pk, back, who=who, errors=[message], refusal="pass_unusable")
    try:
        if action == BOOK:
            booking = services.book(
                who,
                int(pk),
                attendees=form.cleaned_data.get("attendees") or 1,
                member_pass=chosen,
                by=request.user,
                token=nonce,
            )
            # The same form sent again gets the booking it made (``booking.replayed``).
            return see_other(booked_url(booking, back))
        if action == WAITLIST:
            services.join_waitlist(who, _session_or_404(pk), by=request.user)
        else:
            entry = WaitlistEntry.objects.filter(
                attendee_filter(who), session_id=pk, status=WaitlistStatus.WAITING
            ).first()
            if entry is not None:
                services.leave_waitlist(entry, by=request.user)
    except BookingError as error:
        if error.code == "unknown_session":
            raise Http404 from error
        if error.code in ("already_booked", "already_waiting"):  # the same click, twice at once
            return _result_of(pk, back, who)
        page = _page(request, pk, back, who=who, errors=[error.message], refusal=error.code)
        return answer_busy(page, error)  # busy: 503 + Retry-After, nothing was written
    return see_other(household.with_for(book_url_of(pk, back), who))


def _book_people(request, pk, back, nonce, keys):
    """F1: book several people of the household at once; the page lists each person's
    booking, or why they were not booked."""
    results = household.book_people(request, int(pk), nonce, keys)
    context = {
        "session": _session_or_404(pk),
        "results": results,
        "back": back,
        "my_bookings_url": optional_url("wagtail_passes:my_bookings"),
        "dues_url": optional_url("wagtail_passes:dues"),
    }
    return TemplateResponse(request, "wagtail_passes/calendars/booked_people.html", context)


def _session_or_404(pk) -> Session:
    return get_object_or_404(Session.objects.with_related(), pk=pk)


def _result_of(pk, back, who):
    """Where a form that already did its work leads: the person's booking, else the page."""
    booking = Booking.objects.active().filter(attendee_filter(who), session_id=pk).first()
    if booking is not None:
        return see_other(booked_url(booking, back))
    return see_other(household.with_for(book_url_of(pk, back), who))


def book_url_of(pk, back="") -> str:
    return _with_next(reverse("wagtail_passes:book_session", args=[pk]), back)


def _page(request, pk, back, *, who=None, errors=(), refusal="", status=200):
    """The booking page: the session, what would pay, and the one button that applies, for
    ``who`` (the member, or a person of their household, F1)."""
    member = request.user if who is None else who
    now = timezone.now()
    # Places taken, the member's booking and waiting entry come with the session: a page,
    # not a decision (the service counts again under the session's lock).
    session = get_object_or_404(with_member_standing(Session.objects.with_related(), member), pk=pk)
    programme = session.programme
    booking = None
    if session.my_booking_id is not None:
        booking = Booking.objects.select_related("member_pass").get(pk=session.my_booking_id)
    waiting = session.am_waiting
    left = max(session.effective_capacity - session.places_taken, 0)
    window = session.booking_window(now)
    price = session.effective_unit_price
    context = {
        "session": session,
        "programme": programme,
        "price": price,
        "places_left": left,
        "errors": list(errors),
        "refusal": refusal,
        "back": back,
        "booking": booking,
        "waiting": waiting,
        "my_bookings_url": optional_url("wagtail_passes:my_bookings"),
        "dues_url": optional_url("wagtail_passes:dues"),
        "cancel_url": "",
        "state": "",
        "payer": None,
        "pays": "",
        "pass_choices": [],
        "products": [],
        "reasons": "",
        "allow_attendees": False,
        "form_token": "",
        "for_person": household.for_query(member) and member,
        "switcher": [],
        "household": [],
    }
    if booking is not None:
        context["state"] = "booked"
        if session.member_may_cancel(now):
            cancel = optional_url("wagtail_passes:cancel_booking", booking.pk)
            context["cancel_url"] = _with_next(cancel, back) if cancel else ""
    elif waiting:
        context["state"] = "waiting"
    elif not window.ok:
        context["state"] = "closed"
        context["window_message"] = window.message
    elif left <= 0:
        context["state"] = "full"
    else:
        evaluated = services.evaluate_member_passes(member, session)
        paying = [p for p in evaluated if p.verdict.ok]
        payer = paying[0] if paying else None
        if price.is_zero:
            context["state"] = "free"
        elif payer is not None:
            context["state"] = "pass"
            context["payer"] = payer
            context["pays"] = pays_words(payer, payer.verdict)
            context["allow_attendees"] = payer.allows_additional_attendees and left > 1
            if len(paying) > 1:  # R1 chooses the first; the member may choose another
                context["pass_choices"] = [(p.pk, pays_words(p, p.verdict)) for p in paying]
        elif programme.require_valid_pass:
            error = services.no_valid_pass(
                member,
                session,
                evaluated,
                passed_view_restrictions=passed_view_restrictions(request),
            )
            context["state"] = "needs_pass"
            context["reasons"] = error.message
            context["products"] = [
                (p.title, checkout_then_book(p, session)) for p in error.details.get("products", [])
            ]
        else:
            context["state"] = "due"
    if context["state"] in ("pass", "free", "due", "full", "waiting"):
        context["form_token"] = once.issue(request, session)
    people = services.household(request.user)
    if len(people) > 1:  # F1: whom the page books for, and what pays for each of them
        context["switcher"] = household.switcher(
            people, member, lambda p: household.with_for(book_url_of(pk, back), p)
        )
        if window.ok or context["state"] == "booked":
            context["household"] = household.standings(session, people, price=price)
        if any(p.can_book for p in context["household"]) and not context["form_token"]:
            context["form_token"] = once.issue(request, session)
    context["cancel_terms"] = booking_page_terms(session, context["state"], booking, now)
    context["series_link"] = series_link(session, now)
    return TemplateResponse(
        request, "wagtail_passes/calendars/confirm.html", context, status=status
    )


def series_link(session, now) -> tuple[str, str] | None:
    """T1: ("Book every Tuesday at 18:00 …", its URL) for a session not yet started."""
    from ..rules.dates import format_weekday_name
    from .series import what_of

    if session.is_cancelled or session.start <= now:
        return None
    url = optional_url("wagtail_passes:book_series", session.pk)
    if not url:
        return None
    weekday, at = what_of(session)
    words = _("Book every %(weekday)s at %(time)s …") % {
        "weekday": format_weekday_name(weekday),
        "time": format_time_of_day(at),
    }
    return words, url


@require_http_methods(["GET", "HEAD"])
def booked(request, pk):
    """The result of a booking, for its member only."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    booking = get_object_or_404(
        Booking.objects.select_related("session__programme_class__programme", "member_pass"),
        pk=pk,
        member=request.user,
    )
    member_pass = booking.member_pass
    context = {
        "booking": booking,
        "session": booking.session,
        "member_pass": member_pass,
        "left": left_after(member_pass, 0, units=True) if member_pass is not None else "",
        "unlimited": member_pass is not None and member_pass.quantity is None,
        "back": safe_next(request),
        "my_bookings_url": optional_url("wagtail_passes:my_bookings"),
        "dues_url": optional_url("wagtail_passes:dues"),
        "cancel_terms": booking_page_terms(booking.session, "", booking),
        "series_url": series_of(booking),
    }
    return TemplateResponse(request, "wagtail_passes/calendars/booked.html", context)


def series_of(booking) -> str:
    """T1: the page of the series ``booking`` is a date of, else ""."""
    series_id = (
        SeriesDate.objects.filter(booking=booking).values_list("series_id", flat=True).first()
    )
    return reverse("wagtail_passes:series", args=[series_id]) if series_id else ""


@require_http_methods(["GET", "HEAD"])
def programme_sessions(request, slug):
    """M3: the programme's upcoming sessions with places left and, for a member, which of
    their passes would pay — the calendar's next 7 days first, its list view a click away."""
    programme = get_object_or_404(Programme, slug=slug)
    config = CalendarConfig(
        key="m3",
        programme_ids=(programme.pk,),
        first_view=NEXT,
        views=(NEXT, LIST),
        weeks_ahead=26,
    )
    context = {"programme": programme, "calendar": build_calendar(request, config)}
    return TemplateResponse(request, "wagtail_passes/calendars/programme_sessions.html", context)
