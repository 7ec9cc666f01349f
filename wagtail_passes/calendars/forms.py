from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

BOOK, WAITLIST, LEAVE = "book", "waitlist", "leave"


class BookingForm(forms.Form):
    """What the booking page posts. The attendees field is offered only when the pass that
    pays allows more than one place per session."""

    token = forms.CharField(max_length=200, widget=forms.HiddenInput)  # calendars.once
    action = forms.ChoiceField(choices=[(BOOK, BOOK), (WAITLIST, WAITLIST), (LEAVE, LEAVE)])
    attendees = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Yourself included; each place uses the pass once."),
    )
    # Offered when more than one pass can pay; empty means R1's choice (oldest first).
    member_pass = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
