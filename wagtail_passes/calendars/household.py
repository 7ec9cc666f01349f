"""The booking page for a household (F1): whom it books for ("Book for: Me · Ana · Leo"),
what pays for each of the household's people, and booking several of them at once.

Each person is judged as any member is (their own passes, limits, duplicates); the
account holder books, pays what is due and gets the emails. A household of one sees the
page exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .. import services
from ..exceptions import BookingError
from ..models import Booking, Person, WaitlistEntry, WaitlistStatus
from ..services.attendees import household, person_label, person_of_account
from .words import pays_words

#: The query/form field naming whom the page books for (a person's id; none: the holder).
FOR = "for"
#: At most this many people booked by one form (a household's bound, and then some).
MAX_PEOPLE = 25


def chosen_person(request):
    """Whom the booking page is for: the signed-in member themself, or a person of their
    household named by ``for``. Anyone else's, or nonsense, is not found (404)."""
    value = request.POST.get(FOR) or request.GET.get(FOR)
    if not value:
        return request.user
    try:
        person = person_of_account(request.user, value)
    except BookingError as error:
        raise Http404(error.message) from error
    return request.user if person.is_holder else person


def for_query(who) -> str:
    """``for=<id>`` for a dependant, "" for the holder themself."""
    if isinstance(who, Person) and not who.is_holder and who.pk:
        return urlencode({FOR: who.pk})
    return ""


def with_for(url: str, who) -> str:
    query = for_query(who)
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def is_same(person: Person, who) -> bool:
    if isinstance(who, Person):
        return person.pk == who.pk
    return person.is_holder


def switcher(people, who, url_of) -> list[dict]:
    """The "Book for" links; empty for a household of one."""
    if len(people) < 2:
        return []
    return [
        {"label": person_label(p), "url": url_of(p), "current": is_same(p, who)} for p in people
    ]


@dataclass(frozen=True)
class PersonStanding:
    """One person of the household on one session: what the page says, and whether the
    "book several" form offers them."""

    person: Person
    label: str
    state: str  # booked, waiting, pass, free, due, needs_pass
    words: str

    @property
    def key(self) -> str:
        return str(self.person.pk) if self.person.pk else "me"

    @property
    def can_book(self) -> bool:
        return self.state in ("pass", "free", "due")


def standings(session, people, *, price) -> list[PersonStanding]:
    """What pays for whom (F1): each person's booking, waiting place or the pass that would
    pay, in a constant number of queries plus one evaluation per person without a place."""
    saved = [p for p in people if p.pk]
    booked = set(
        Booking.objects.active()
        .filter(session=session, person__in=saved)
        .values_list("person_id", flat=True)
    )
    waiting = set(
        WaitlistEntry.objects.filter(
            session=session, person__in=saved, status=WaitlistStatus.WAITING
        ).values_list("person_id", flat=True)
    )
    found = []
    for person in people:
        label = person_label(person)
        if person.pk in booked:
            found.append(PersonStanding(person, label, "booked", _("Booked")))
            continue
        if person.pk in waiting:
            found.append(PersonStanding(person, label, "waiting", _("On the waiting list")))
            continue
        who = person if person.pk else person.account
        paying = [p for p in services.evaluate_member_passes(who, session) if p.verdict.ok]
        if price.is_zero:
            found.append(PersonStanding(person, label, "free", _("Free")))
        elif paying:
            found.append(
                PersonStanding(person, label, "pass", pays_words(paying[0], paying[0].verdict))
            )
        elif session.programme.require_valid_pass:
            found.append(
                PersonStanding(person, label, "needs_pass", _("No pass of theirs pays for it"))
            )
        else:
            found.append(
                PersonStanding(
                    person, label, "due", _("%(price)s due when booked") % {"price": price}
                )
            )
    return found


@dataclass(frozen=True)
class PersonResult:
    label: str
    booking: Booking | None
    refusal: str = ""


def book_people(request, session_pk: int, nonce: str, keys) -> list[PersonResult]:
    """Book each chosen person (``keys``: person ids, "me" for the holder) in turn, each its
    own ``services.book`` (its own transaction, refused on its own). Each person's booking
    keeps the form's nonce with their key, so the same form sent again books nobody twice."""
    keys = list(dict.fromkeys(str(k) for k in keys))[:MAX_PEOPLE]
    people = {p.key_for_form: p for p in _with_keys(household(request.user))}
    results = []
    for key in keys:
        person = people.get(key)
        if person is None:
            results.append(PersonResult("?", None, _("Not someone of your household.")))
            continue
        who = person if not person.is_holder else request.user
        try:
            booking = services.book(
                who, session_pk, by=request.user, token=f"{nonce}-{person.key_for_form}"
            )
        except BookingError as error:
            if error.code == "unknown_session":
                raise Http404 from error
            results.append(PersonResult(person_label(person), None, error.message))
            continue
        results.append(PersonResult(person_label(person), booking))
    return results


def _with_keys(people):
    for person in people:
        person.key_for_form = "me" if person.is_holder else str(person.pk)
        yield person


# ---- the calendar: what pays for whom (F1) -------------------------------------------------


def dependants_of(user) -> list[Person]:
    """The account's current dependants, by name (one query; none for a visitor)."""
    if getattr(user, "pk", None) is None:
        return []
    return list(Person.objects.current().filter(account=user, is_holder=False).order_by("name"))


def household_line(session, views) -> str:
    """ "Ana: Kids ten pays · Leo: no pass of theirs pays" — each dependant on ``session``,
    from their own ``MemberView`` (their bookings, waiting places and passes), in the words of
    the booking page's "Your household on this session"."""
    parts = []
    for name, view in views:
        price = view.price_of(session)
        if session.pk in view.bookings:
            words = _("booked")
        elif session.pk in view.waiting:
            words = _("on the waiting list")
        elif price.is_zero:
            words = _("free")
        else:
            paying = view.payer(session)
            if paying is not None:
                words = _("%(pass)s pays") % {"pass": paying[0].title}
            elif session.programme_class.programme.require_valid_pass:
                words = _("no pass of theirs pays")
            else:
                words = _("%(price)s due") % {"price": price}
        parts.append(f"{name}: {words}")
    return " · ".join(parts)
