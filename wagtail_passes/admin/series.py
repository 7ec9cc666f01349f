"""Staff book a member on every week of a class (T1) from a session's register: "Book a
series" repeats that session's weekday and local time from a first to a last date. Staff
may book outside the booking window like ``services.book``; each date is judged on its own
and the dates not booked are listed with their reasons. The form carries a one-time token
(``admin/once.py``), also the series' token: sent twice, it books once."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.widgets import AdminDateInput

from ..bounds import DATE_VALIDATORS
from ..calendars.series import what_of
from ..calendars.series_words import series_rows
from ..exceptions import BookingError
from ..models import SeriesDateState
from ..presentation import local
from ..rules.dates import format_time_of_day, format_weekday_name
from ..services.inputs import MAX_ATTENDEES
from ..services.series import book_series
from .booking_display import booking_permissions, register_url
from .forms_passes import PassActionForm
from .member_chooser import MemberChoiceField
from .once import OneTimeFormMixin
from .session_register import BookingActionView, SessionView


class BookSeriesForm(PassActionForm):
    error_fields = {
        "too_many_dates": "ends_on",
        "invalid_range": "ends_on",
        "no_sessions": "ends_on",
        "no_last_date": "ends_on",
        "invalid_attendees": "attendees",
    }

    member = MemberChoiceField(help_text=_("Search by name, username or email."))
    starts_on = forms.DateField(label=_("From"), validators=DATE_VALIDATORS, widget=AdminDateInput)
    ends_on = forms.DateField(
        label=_("Until"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=AdminDateInput,
        help_text=_("Leave empty for the end of the class's term."),
    )
    attendees = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=MAX_ATTENDEES, initial=1
    )


class BookSeriesView(OneTimeFormMixin, SessionView, BookingActionView):
    page_title = _("Book a series")
    form_class = BookSeriesForm
    submit_label = _("Book the series")
    done_already = _("This series was booked already; nothing changed.")

    def check_action_permitted(self, user):
        return booking_permissions.user_can_list(user) and booking_permissions.user_can_book(user)

    @property
    def can_submit(self):
        return not self.session.is_cancelled

    def get_initial(self):
        return {"starts_on": local(self.session.start).date(), "attendees": 1}

    def details(self):
        weekday, at = what_of(self.session)
        return [
            gettext("Every %(weekday)s at %(time)s of %(class)s, from the first to the last date.")
            % {
                "weekday": format_weekday_name(weekday),
                "time": format_time_of_day(at),
                "class": self.session.programme_class.name,
            },
            gettext(
                "Each date is booked on its own: a pass pays where one can, else an amount is "
                "due; a full date puts the member on its waiting list. Dates that cannot be "
                "booked are listed with the reason."
            ),
        ]

    def perform(self, form):
        data = form.cleaned_data
        weekday, at = what_of(self.session)
        return book_series(
            data["member"],
            self.session.programme_class,
            weekday=weekday,
            time=at,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            attendees=data["attendees"],
            by=self.request.user,
            token=self.sent_token or None,
        )

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except BookingError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        rows = series_rows(result.dates)
        messages.success(self.request, self.success_message(result))
        for row in rows:
            if row.state in (SeriesDateState.REFUSED, SeriesDateState.WAITING):
                messages.warning(
                    self.request, f"{row.day}, {row.person}: {row.label}. {row.detail}".strip()
                )
        return redirect(register_url(self.session.pk))

    def success_message(self, result):
        booked = result.count(SeriesDateState.BOOKED)
        return ngettext(
            "Series booked for %(member)s: %(n)d date booked, %(waiting)d waiting, "
            "%(refused)d not booked.",
            "Series booked for %(member)s: %(n)d dates booked, %(waiting)d waiting, "
            "%(refused)d not booked.",
            booked,
        ) % {
            "member": result.series.member,
            "n": booked,
            "waiting": result.count(SeriesDateState.WAITING),
            "refused": result.count(SeriesDateState.REFUSED),
        }
