from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

BOOK, WAITLIST, LEAVE = "book", "waitlist", "leave"
BOOK_PEOPLE = "book_people"  # F1: several people of the household at once


class BookingForm(forms.Form):
    """What the booking page posts. The attendees field is offered only when the pass that
    pays allows more than one place per session."""

    token = forms.CharField(max_length=200, widget=forms.HiddenInput)  # calendars.once
    action = forms.ChoiceField(
        choices=[(BOOK, BOOK), (WAITLIST, WAITLIST), (LEAVE, LEAVE), (BOOK_PEOPLE, BOOK_PEOPLE)]
    )
    attendees = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("Yourself included; each place uses the pass once."),
    )
    # Offered when more than one pass can pay; empty means R1's choice (oldest first).
    member_pass = forms.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    # F1: the people of the household to book at once ("me" or a person's id).
    people = forms.MultipleChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any value passes the field; the view books only people of the member's household.
        self.fields["people"].valid_value = lambda value: len(str(value)) <= 20

    def clean(self):
        data = super().clean()
        if data.get("action") == BOOK_PEOPLE and not data.get("people"):
            self.add_error("people", _("Choose who is coming."))
        return data
