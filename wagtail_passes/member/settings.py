"""Payment and emails (N1, N3): the member's card saved for renewals, a way to remove it,
and whether they want an email before a pass expires.

Only the member's own profile is shown or changed: there are no ids in these URLs. The
outcome of a POST is shown on the settings page through a query parameter (``?saved=1``),
as on My bookings, so nothing depends on ``django.contrib.messages`` being installed.
Writes go through ``services.profiles`` and ``payments.saved_cards``.
"""

from __future__ import annotations

import datetime as dt

from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..checkout.views import login_first, see_other
from ..rules.dates import format_month
from ..services.profiles import profile_of, set_expiry_reminders

#: The checkbox's value when ticked; anything else sent for it is refused.
TICKED = "on"
#: Sent by the reminders form so a POST without the (unticked) checkbox still says what it is.
REMINDERS_FORM = "reminders"

OUTCOMES = {
    "saved": lambda: _("Your email settings are saved."),
    "card_removed": lambda: _("Your card is removed. Renewals will no longer be charged to it."),
    "no_card": lambda: _("There is no saved card to remove."),
}


def card_words(profile) -> dict | None:
    """What the page says about the saved card, or None when there is none."""
    if profile is None or not profile.has_saved_card:
        return None
    expires = ""
    if profile.card_exp_month and profile.card_exp_year:
        try:
            expires = format_month(dt.date(profile.card_exp_year, profile.card_exp_month, 1))
        except ValueError:  # a month Stripe would never send: show no date rather than fail
            expires = ""
    brand = (profile.card_brand or "").replace("_", " ").title() or _("Card")
    return {"brand": brand, "last4": profile.card_last4, "expires": expires}


def settings_url(**outcome) -> str:
    url = reverse("wagtail_passes:member_settings")
    key = next(iter(outcome), "")
    return f"{url}?{key}=1" if key else url


def _outcome(request) -> str:
    for key, text in OUTCOMES.items():
        if request.GET.get(key) == "1":
            return text()
    return ""


def _card_payments() -> bool:
    """Whether cards can be saved at all: without Stripe the page says nothing of cards."""
    from ..payments import get_provider

    provider = get_provider("stripe")
    return provider is not None and provider.is_available()


def _page(request, profile, *, error: str = "", status: int = 200):
    card = card_words(profile)
    context = {
        "card": card,
        "show_card": card is not None or _card_payments(),
        "expiry_reminders": True if profile is None else profile.expiry_reminders,
        "outcome": "" if error else _outcome(request),
        "error": error,
        "reminders_form": REMINDERS_FORM,
        "member_page": "settings",
    }
    return TemplateResponse(request, "wagtail_passes/member/settings.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def member_settings(request):
    """GET shows the card and the reminder choice; POST saves the choice."""
    if not request.user.is_authenticated:
        return login_first(request)
    profile = profile_of(request.user)
    if request.method != "POST":
        return _page(request, profile)
    value = request.POST.get("expiry_reminders")
    if request.POST.get("form") != REMINDERS_FORM or value not in (None, TICKED):
        return _page(
            request,
            profile,
            error=_("Your settings could not be read, so nothing was changed. Please try again."),
            status=400,
        )
    set_expiry_reminders(request.user, value == TICKED)
    return see_other(settings_url(saved=1))


@require_http_methods(["GET", "HEAD", "POST"])
def remove_card(request):
    """GET asks to confirm; POST removes the saved card (at Stripe and here)."""
    if not request.user.is_authenticated:
        return login_first(request)
    from ..payments.saved_cards import remove_saved_card  # Stripe is loaded only when used

    profile = profile_of(request.user)
    card = card_words(profile)
    if request.method == "POST":
        if card is None:  # sent twice, or nothing was ever saved
            return see_other(settings_url(no_card=1))
        remove_saved_card(request.user)
        return see_other(settings_url(card_removed=1))
    if card is None:
        return see_other(settings_url(no_card=1))
    context = {"card": card, "member_page": "settings", "member_page_child": True}
    return TemplateResponse(request, "wagtail_passes/member/remove_card.html", context)
