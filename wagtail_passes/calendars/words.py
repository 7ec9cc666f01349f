"""What a calendar says about one session to one visitor (CAL2), in words.

The words for a member come from the same verdicts booking uses (R4): which pass pays and
what it leaves, or why not. Everything here is read-only; the booking page decides again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote_plus, urlencode

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import BookingStatus
from ..rules.describe import amount_left, number
from ..rules.money import Money
from ..rules.types import MONEY, UNLIMITED
from ..services.cancel_terms import DUE, ENTRY, NOTHING, cancel_terms, losing_for
from ..services.pass_offers import offered


class ForTemplates:
    """Dataclasses the calendar's templates read thousands of times per page. Django tries
    ``obj[name]`` before ``getattr``; answering it directly saves a raised-and-caught
    TypeError per lookup (about a tenth of a 500-session calendar's rendering)."""

    def __getitem__(self, name):
        return getattr(self, name)


# How a session stands for the visitor; the template's modifier class, never the only signal.
OK, WARN, BAD, INFO, MINE = "ok", "warn", "bad", "info", "mine"


def left_after(member_pass, cost: Decimal, *, units: bool = False) -> str:
    """What a pass holds after paying ``cost``: "6", "€38.00"; with ``units`` "6 entries"."""
    left = member_pass.balance - cost
    if member_pass.kind == MONEY:
        return str(Money(left, member_pass.currency))
    if not units:
        return number(left)
    return amount_left(member_pass.kind, left, member_pass.currency)


def pays_words(member_pass, verdict) -> str:
    """ "10-class pass pays — 6 left after"."""
    if member_pass.kind == UNLIMITED:
        return _("%(pass)s pays") % {"pass": member_pass.title}
    return _("%(pass)s pays — %(left)s left after") % {
        "pass": member_pass.title,
        "left": left_after(member_pass, verdict.cost),
    }


def places_words(left: int) -> str:
    if left <= 0:
        return _("Full")
    return ngettext("%(n)s left", "%(n)s left", left) % {"n": left}


class Links:
    """URLs the calendar links to, reversed once per rendering (not once per session)."""

    SENTINEL = 987654321

    def __init__(self, back: str = ""):
        self.back = back  # the host page, with the calendar's parameters, for "next"
        # Everything but the primary key is the same for every session: encode it once, not
        # once per session (a 500-session calendar spent a sixth of its time in urlencode).
        self._next = f"?{urlencode({'next': back})}" if back else ""
        self._book = self._pattern("wagtail_passes:book_session")
        self._cancel = self._pattern("wagtail_passes:cancel_booking")
        self._checkout = self._pattern("wagtail_passes:checkout")
        login = resolve_url(settings.LOGIN_URL)
        # The login link's "next" is the session's booking page, URL-encoded: the two parts
        # around the primary key are encoded once (a number needs no encoding).
        self._login = (
            [
                # A LOGIN_URL may carry its own query ("/login/?source=site").
                f"{login}{'&' if '?' in login else '?'}{urlencode({'next': self._book[0]})}",
                quote_plus(self._book[1] + self._next, safe=""),
            ]
            if self._book
            else None
        )

    def _pattern(self, name):
        try:
            return reverse(name, args=[self.SENTINEL]).split(str(self.SENTINEL))
        except NoReverseMatch:  # a URL another part of the app may not provide yet
            return None

    def _fill(self, pattern, pk):
        return f"{pattern[0]}{pk}{pattern[1]}" if pattern else ""

    def book(self, session) -> str:
        url = self._fill(self._book, session.pk)
        return url + self._next if url else url

    def login(self, session) -> str:
        """The site's login page, coming back to the session's booking page."""
        return self._fill(self._login, session.pk)

    def cancel(self, booking) -> str:
        url = self._fill(self._cancel, booking.pk)
        return url + self._next if url else url

    def leave(self, entry, session) -> str:
        """Leaving the waiting list is a POST: the session's booking page has its form."""
        return self.book(session)

    def checkout(self, product, session=None) -> str:
        """The product's checkout; with ``session``, it books that session once paid."""
        url = self._fill(self._checkout, product.pk)
        return f"{url}?{urlencode({'session': session.pk})}" if url and session else url

    def passes(self, session) -> str:
        """The session's "Get a pass" page (P3): the products that would pay for it."""
        if not hasattr(self, "_passes"):
            self._passes = self._pattern("wagtail_passes:session_passes")
        url = self._fill(self._passes, session.pk)
        return url + self._next if url else url

    def order(self, reference: str) -> str:
        """The member's page of an order awaiting payment, where it is paid (C5)."""
        try:
            return reverse("wagtail_passes:order", kwargs={"reference": reference})
        except NoReverseMatch:
            return ""


class Texts:
    """The calendar's fixed words, translated once per rendering (not once per session)."""

    def __init__(self):
        self._cache = {}
        self._places = {}

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._cache:
            self._cache[name] = str(TEXTS[name]())
        return self._cache[name]

    def places(self, left: int) -> str:
        if left not in self._places:
            self._places[left] = places_words(left)
        return self._places[left]


TEXTS = {
    "cancelled": lambda: _("Cancelled"),
    "booked": lambda: _("Booked"),
    "cancel": lambda: _("cancel"),
    "waiting": lambda: _("On the waiting list"),
    "leave": lambda: _("leave"),
    "full": lambda: _("Full"),
    "join": lambda: _("join the waiting list"),
    "log_in": lambda: _("Log in to book"),
    "free": lambda: _("Free"),
    "book": lambda: _("Book"),
    "needs_pass": lambda: _("A valid pass is needed"),
    "no_pass": lambda: _("No pass covers this: %(price)s at booking"),
    # "10-class pass: Weekly limit reached until Monday" (the verdict's own words, R4)
    "why_not": lambda: _("%(pass)s: %(why)s"),
    "why_not_due": lambda: _("%(pass)s: %(why)s. %(price)s at booking"),
    "pays": lambda: _("%(pass)s pays — %(left)s left after"),
    "pays_unlimited": lambda: _("%(pass)s pays"),
    "with": lambda: _("with %(name)s"),
    "get_pass": lambda: _("Get a pass"),
    # The member's own order of the only product that would pay (C5), instead of buying it again.
    "pending": lambda: _("Your order %(reference)s is waiting for payment"),
    "pay_now": lambda: _("pay now"),
    # Names a session's links for screen readers: "Yoga Flow, Tuesday 8 December 18:00"
    "label": lambda: _("%(name)s, %(day)s %(time)s"),
}


@dataclass
class Standing(ForTemplates):
    """One session for one visitor: a sentence, and at most one action (a link)."""

    kind: str
    text: str
    action: str = ""  # the link's words
    url: str = ""
    products: list = field(default_factory=list)  # [(title, checkout url)] that would pay (P3)
    note: str = ""  # a booked session: what cancelling costs (P6, ``services.cancel_terms``)


def standing(
    session, *, left, window, member_view, links, products, anonymous, now, texts=None
) -> Standing:
    """CAL2's words for ``session``. ``window`` is its ``rules.booking_window`` verdict."""
    t = texts or Texts()
    if session.is_cancelled:
        return Standing(BAD, t.cancelled)
    booking = member_view.bookings.get(session.pk)
    if booking is not None:
        # The sentence and the link follow the decision services.cancel_booking makes.
        terms = cancel_terms(session, now, losing=losing_for(booking))
        url = links.cancel(booking) if terms.open else ""
        return Standing(MINE, t.booked, t.cancel if url else "", url, note=terms.text)
    entry = member_view.waiting.get(session.pk)
    if entry is not None:
        return Standing(MINE, t.waiting, t.leave, links.leave(entry, session))
    if not window.ok:
        return Standing(INFO, window.message)
    if left <= 0:
        url = links.login(session) if anonymous else links.book(session)
        return Standing(BAD, t.full, t.join, url)
    if anonymous:
        return Standing(INFO, "", t.log_in, links.login(session))
    price = member_view.price_of(session)
    if price.is_zero:
        return Standing(OK, t.free, t.book, links.book(session))
    paying = member_view.payer(session)
    if paying is not None:
        member_pass, verdict = paying
        if member_pass.kind == UNLIMITED:
            text = t.pays_unlimited % {"pass": member_pass.title}
        else:
            text = t.pays % {
                "pass": member_pass.title,
                "left": left_after(member_pass, verdict.cost),
            }
        return Standing(OK, text, t.book, links.book(session))
    verdicts = member_view.verdicts(session)
    refused = why_not(verdicts)
    if session.programme_class.programme.require_valid_pass:
        text = t.why_not % refused if refused else t.needs_pass
        return _get_a_pass(session, text, verdicts, member_view, links, products, t)
    if refused:
        text = t.why_not_due % {**refused, "price": price}
    else:
        text = t.no_pass % {"price": price}
    return Standing(WARN, text, t.book, links.book(session))


def _get_a_pass(session, text, verdicts, member_view, links, products, t) -> Standing:
    """P3: one link to the products that would pay ("Get a pass"), or, when the only one is
    in the member's order awaiting payment, that order. The products are those the "Get a
    pass" page lists (``services.pass_offers``): not one held back for a while (a limit, a
    hold), and only one whose new pass could pay for the session."""
    facts = member_view.facts(session)
    offers = offered(products.covering(facts), verdicts, facts)
    if not offers:
        return Standing(WARN, text)
    checkout = [(p.title, links.checkout(p, session)) for p in offers]
    if len(offers) == 1:
        pending = products.pending().get(offers[0].pk)
        if pending is not None:
            words = t.pending % {"reference": pending.reference}
            return Standing(WARN, words, t.pay_now, links.order(pending.reference), checkout)
    return Standing(WARN, text, t.get_pass, links.passes(session), checkout)


#: What each state of the booking page would lose by not cancelling in time (P6).
LOSING_BY_STATE = {"pass": ENTRY, "due": DUE, "free": NOTHING}


def booking_page_terms(session, state: str, booking=None, now=None):
    """P6 on the booking page, before the member confirms (and once booked): "Free
    cancellation until …" or that cancelling is closed; None where no booking is made (or
    the booking is over: cancelled, attended, a no-show)."""
    if booking is not None:
        if booking.status != BookingStatus.BOOKED:
            return None
        return cancel_terms(session, now, losing=losing_for(booking))
    if state not in LOSING_BY_STATE:
        return None
    return cancel_terms(session, now, losing=LOSING_BY_STATE[state])


def why_not(verdicts) -> dict | None:
    """R4 in a few words: the first pass that covers the session's class but cannot pay it
    (a limit, a hold, its window), as {"pass", "why"}; None when no pass covers the class —
    then "a valid pass is needed" says it all."""
    for member_pass, verdict in verdicts:
        if not verdict.ok and verdict.code != "not_covered":
            return {"pass": member_pass.title, "why": verdict.message}
    return None
