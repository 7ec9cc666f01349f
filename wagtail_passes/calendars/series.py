"""Series booking pages (T1, T2): "Book every Tuesday 18:00 from … until …" from a
session's booking page, the result listing each date and person, paying the series' amounts
due in one order, and cancelling the series or single dates.

Every write goes through ``services.book_series`` / ``cancel_series`` /
``cancel_series_date``; a refusal is shown as its message, never a server error. The form
carries a signed one-time token (``checkout.once``): sent twice, the first series answers.
Another member's series is a 404.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..busy import answer_busy
from ..checkout import once
from ..checkout.views import login_first, see_other
from ..exceptions import BookingError
from ..models import Series, SeriesDate, SeriesDateState, Session
from ..presentation import local, local_today
from ..rules.dates import format_day, format_time_of_day, format_weekday_name
from ..services.attendees import household, person_of_account
from ..services.base_url import links_from_request
from ..services.series import default_until, result_of
from ..services.series_cancel import series_dues
from .series_forms import ME, SeriesForm
from .series_words import series_rows

SALT = "wagtail_passes.calendars.series_form"


def series_url(series) -> str:
    return reverse("wagtail_passes:series", args=[series.pk])


def what_of(session: Session) -> tuple[int, object]:
    """The weekday and the local time (to the minute) a series from ``session`` repeats."""
    start = local(session.start)
    return start.weekday(), start.time().replace(second=0, microsecond=0)


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def book_series(request, pk):
    if not request.user.is_authenticated:
        return login_first(request)
    session = get_object_or_404(Session.objects.with_related(), pk=pk)
    people = household(request.user)
    if request.method != "POST":
        return _form_page(request, session, people, _initial_form(request, session, people))
    form = SeriesForm(request.POST, people=people)
    if not form.is_valid():
        return _form_page(request, session, people, form)
    nonce = once.nonce_of(request, form.cleaned_data["token"], session.pk, salt=SALT)
    if nonce is None:
        form.add_error(None, _("This page has expired. Check the details and confirm again."))
        return _form_page(request, session, people, form)
    weekday, at = what_of(session)
    try:
        chosen = [
            request.user if value == ME else person_of_account(request.user, value)
            for value in form.cleaned_data["people"]
        ]
        result = services.book_series(
            chosen,
            session.programme_class,
            weekday=weekday,
            time=at,
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            by=request.user,
            token=nonce,
        )
    except BookingError as error:
        form.add_error(None, error.message)
        return answer_busy(_form_page(request, session, people, form), error)
    return see_other(series_url(result.series))


def _initial_form(request, session, people) -> SeriesForm:
    weekday, at = what_of(session)
    first = max(local(session.start).date(), local_today())
    last = default_until(session.programme_class, weekday, at, people[0], first)
    return SeriesForm(
        people=people,
        initial={
            "token": once.issue(request, session.pk, salt=SALT),
            "people": [ME],
            "starts_on": first.isoformat(),
            "ends_on": last.isoformat() if last else "",
        },
    )


def _form_page(request, session, people, form):
    weekday, at = what_of(session)
    if form.is_bound:  # a page shown again gets a new token: the old one may have been used
        data = form.data.copy()
        data["token"] = once.issue(request, session.pk, salt=SALT)
        form.data = data
    context = {
        "session": session,
        "form": form,
        "weekday": format_weekday_name(weekday),
        "time": format_time_of_day(at),
        "errors": form.non_field_errors(),
    }
    return TemplateResponse(request, "wagtail_passes/series/form.html", context)


@require_http_methods(["GET", "HEAD"])
def my_series(request):
    """The member's series, newest first, each with its class, range and dates booked."""
    if not request.user.is_authenticated:
        return login_first(request)
    series = (
        Series.objects.filter(member=request.user)
        .select_related("programme_class")
        .annotate(
            booked=Count("dates", filter=Q(dates__state=SeriesDateState.BOOKED)),
            judged=Count("dates", filter=~Q(dates__state=SeriesDateState.NO_SESSION)),
        )[:MY_SERIES_SHOWN]
    )
    rows = [
        {
            "series": item,
            "url": series_url(item),
            "first": format_day(item.starts_on),
            "last": format_day(item.ends_on),
        }
        for item in series
    ]
    return TemplateResponse(request, "wagtail_passes/series/list.html", {"rows": rows})


#: The newest series the list shows.
MY_SERIES_SHOWN = 50


@require_http_methods(["GET", "HEAD"])
def series_page(request, pk):
    if not request.user.is_authenticated:
        return login_first(request)
    series = get_object_or_404(Series, pk=pk, member=request.user)
    return _result_page(request, series)


def _result_page(request, series, *, errors=(), status=200):
    result = result_of(series)
    rows = series_rows(result.dates)
    dues = series_dues(series)
    pay_url = ""
    if dues:
        query = urlencode([("booking", booking.pk) for booking in dues])
        pay_url = f"{reverse('wagtail_passes:dues_checkout')}?{query}"
    needs_pass = next(
        (
            item.session
            for item in result.dates
            if item.session is not None
            and (item.code == "no_valid_pass" or (item.booking and item.booking.amount_due))
        ),
        None,
    )
    pass_url = ""
    if needs_pass is not None:
        back = urlencode({"next": series_url(series)})
        pass_url = f"{reverse('wagtail_passes:session_passes', args=[needs_pass.pk])}?{back}"
    context = {
        "series": series,
        "rows": rows,
        "errors": list(errors),
        "pay_url": pay_url,
        "pass_url": pass_url,
        "first_day": format_day(series.starts_on),
        "last_day": format_day(series.ends_on),
        "cancellable": series.cancelled_at is None and any(row.cancellable for row in rows),
        "retryable": series.cancelled_at is None
        and any(row.state == SeriesDateState.REFUSED and _not_started(row.item) for row in rows),
        "counts": {
            "booked": sum(1 for row in rows if row.state in (SeriesDateState.BOOKED, "promoted")),
            "waiting": sum(1 for row in rows if row.state == SeriesDateState.WAITING),
            "held": sum(1 for row in rows if row.state == SeriesDateState.HELD),
            "refused": sum(1 for row in rows if row.state == SeriesDateState.REFUSED),
        },
    }
    return TemplateResponse(request, "wagtail_passes/series/result.html", context, status=status)


@require_POST
@links_from_request
def cancel_series(request, pk):
    """POST: cancel the whole series, or the one date named by ``date``."""
    if not request.user.is_authenticated:
        return login_first(request)
    series = get_object_or_404(Series, pk=pk, member=request.user)
    date_id = request.POST.get("date", "")
    try:
        if date_id:
            if not date_id.isdigit() or len(date_id) > 18:
                raise Http404
            item = get_object_or_404(SeriesDate, pk=int(date_id), series=series)
            services.cancel_series_date(item, by=request.user)
        else:
            outcome = services.cancel_series(series, by=request.user)
            if outcome.refused:
                errors = [
                    f"{format_day(item.day)}, {item.person.display_name}: {error.message}"
                    for item, error in outcome.refused
                ]
                series.refresh_from_db()
                return _result_page(request, series, errors=errors)
    except BookingError as error:
        series.refresh_from_db()
        return answer_busy(_result_page(request, series, errors=[error.message]), error)
    return see_other(series_url(series))


@require_POST
@links_from_request
def retry_series(request, pk):
    """POST: judge the dates not booked again (after buying a pass, say)."""
    if not request.user.is_authenticated:
        return login_first(request)
    series = get_object_or_404(Series, pk=pk, member=request.user)
    try:
        services.retry_refused_dates(series, by=request.user)
    except BookingError as error:
        return answer_busy(_result_page(request, series, errors=[error.message]), error)
    return see_other(series_url(series))


__all__ = ["book_series", "cancel_series", "my_series", "retry_series", "series_page", "what_of"]


def _not_started(item) -> bool:
    return item.session is not None and item.session.start > timezone.now()
