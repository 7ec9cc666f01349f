"""My bookings (M2): upcoming and past bookings with what paid for each, cancelling where
P6 allows (the deadline shown comes from ``services.cancel_terms``, the call
``services.cancel_booking`` enforces), and the member's waiting-list entries (P7).

Every write goes through ``wagtail_passes.services``. Another member's booking or entry is
a 404, GET or POST. The outcome of a POST is shown on My bookings through a query
parameter (``?cancelled=<id>``, ``?left=<id>``, ...), so nothing depends on
``django.contrib.messages`` being installed.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from .. import services
from ..checkout.views import login_first, see_other
from ..exceptions import BookingError
from ..models import (
    AttendanceCharge,
    Booking,
    BookingStatus,
    ChargeState,
    LedgerEntry,
    LedgerKind,
    WaitlistEntry,
    WaitlistStatus,
)
from ..presentation import EMPTY, format_time, format_weekday_moment
from ..rules import standing as words
from ..rules.money import Money
from ..services import cancel_booking as cancel_booking_service
from ..services import leave_waitlist as leave_waitlist_service
from ..services.base_url import links_from_request
from ..services.cancel_terms import cancel_terms
from ..services.charges import charge_words, late_cancel_outcome
from . import household

PAST_PER_PAGE = 25
#: Query parameters that carry the outcome of a POST back to My bookings.
OUTCOMES = ("cancelled", "already_cancelled", "left", "not_waiting")
MAX_ID_DIGITS = 18


def own_bookings(user):
    movements = LedgerEntry.objects.filter(kind__in=[LedgerKind.REDEEM, LedgerKind.RETURN])
    return (
        Booking.objects.filter(member=user)
        .select_related("session__programme_class__programme", "member_pass", "person")
        .prefetch_related(Prefetch("ledger_entries", queryset=movements.order_by("pk")))
    )


#: L3: a past booking's charges, read with the page (an upcoming booking has none: a
#: no-show or a late cancellation is past or cancelled).
WITH_CHARGES = Prefetch("charges", queryset=AttendanceCharge.objects.order_by("pk"))


def _charges(booking) -> list:
    """The booking's charges when they were read with it, else none."""
    return list(getattr(booking, "_prefetched_objects_cache", {}).get("charges", ()))


def _taken_and_returned(booking) -> tuple[Decimal, Decimal]:
    taken = returned = Decimal(0)
    for entry in booking.ledger_entries.all():
        if entry.kind == LedgerKind.REDEEM:
            taken -= entry.amount
        else:
            returned += entry.amount
    return taken, returned


def paid_with(booking) -> dict:
    """What paid for the booking, in words, and whether it still owes an amount."""
    member_pass = booking.member_pass
    due = booking.amount_due > 0
    if member_pass is not None:
        taken, returned = _taken_and_returned(booking)
        params = {"title": member_pass.title}
        if returned > 0:
            params["amount"] = words.amount(member_pass.kind, returned, member_pass.currency)
            text = _("Paid with “%(title)s”; %(amount)s went back to it") % params
        elif taken > 0:
            params["amount"] = words.amount(member_pass.kind, taken, member_pass.currency)
            text = _("Paid with “%(title)s” (%(amount)s)") % params
        else:
            text = _("Paid with “%(title)s”") % params
    elif due:
        text = _("%(amount)s due") % {"amount": Money(booking.amount_due, booking.currency)}
    elif booking.amount_paid > 0:
        text = _("%(amount)s paid: %(how)s") % {
            "amount": Money(booking.amount_paid, booking.currency),
            "how": booking.get_payment_method_display() or EMPTY,
        }
    elif booking.price == 0:
        text = _("Free")
    elif booking.status == BookingStatus.CANCELLED:
        text = _("Nothing owed")
    else:
        text = EMPTY
    return {"text": text, "due": due and booking.is_active}


def booking_row(booking, now, people=()) -> dict:
    session = booking.session
    klass = session.programme_class
    terms = cancel_terms(session, now)  # what services.cancel_booking enforces (P6)
    open_ = booking.status == BookingStatus.BOOKED and session.start > now
    may_cancel = open_ and terms.open
    late = ""  # L1: after the cutoff, what cancelling now costs, when members may
    if open_ and not terms.open:
        policy = klass.programme.attendance_policy()
        if policy.members_may_cancel_late:
            may_cancel, late = True, late_cancel_outcome(booking).text
    return {
        "booking": booking,
        "person": household.label_of(booking.person, people),  # F1: whom it is for
        "when": format_weekday_moment(session.start),
        "ends": format_time(session.end),
        "class_name": klass.name,
        "location": klass.location,
        "status": booking.get_status_display(),
        "paid": paid_with(booking),
        "can_cancel": may_cancel,
        "deadline": terms.until,
        "cancel_closed": open_ and not may_cancel,
        "late_cancel": late,
        "charges": [charge_row(charge) for charge in _charges(booking)],
    }


def charge_row(charge) -> dict:
    """L3: a charge as My bookings shows it: its reason, amount and state in words."""
    return {
        "charge": charge,
        "text": charge_words(charge),
        "due": charge.state == ChargeState.DUE,
    }


def waiting_entries(user, now):
    """The member's open waiting-list entries, each with its place in the queue."""
    ahead = (
        WaitlistEntry.objects.filter(session=OuterRef("session"), status=WaitlistStatus.WAITING)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        WaitlistEntry.objects.filter(
            member=user, status=WaitlistStatus.WAITING, session__start__gt=now
        )
        .select_related("session__programme_class", "person")
        .annotate(
            ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)),
        )
        .order_by("session__start", "pk")
    )


def _outcome_id(request) -> tuple[str, int] | None:
    for name in OUTCOMES:
        value = request.GET.get(name, "")
        # isascii: "²".isdigit() is True, and int("²") a ValueError.
        if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
            return name, int(value)
    return None


def _outcome(request, now) -> dict | None:
    """The message of the POST that led here, about the member's own booking or entry."""
    found = _outcome_id(request)
    if found is None:
        return None
    name, pk = found
    if name in ("cancelled", "already_cancelled"):
        booking = own_bookings(request.user).filter(pk=pk).first()
        if booking is None:
            return None
        row = booking_row(booking, now)
        what = f"{row['class_name']}, {row['when']}"
        if name == "already_cancelled":
            return {"text": _("This booking was already cancelled: %(what)s.") % {"what": what}}
        lines = [_("Booking cancelled: %(what)s.") % {"what": what}]
        member_pass = booking.member_pass
        returned = _taken_and_returned(booking)[1] if member_pass else Decimal(0)
        if returned > 0:
            lines.append(
                _("%(amount)s went back to your pass “%(title)s”.")
                % {
                    "amount": words.amount(member_pass.kind, returned, member_pass.currency),
                    "title": member_pass.title,
                }
            )
        elif member_pass is not None:
            lines.append(
                _("Your pass “%(title)s” is free for another session.")
                % {"title": member_pass.title}
            )
        elif booking.price > 0 and booking.amount_paid == 0:
            lines.append(_("You owe nothing for it."))
        return {"text": " ".join(str(line) for line in lines)}
    entry = (
        WaitlistEntry.objects.filter(member=request.user, pk=pk)
        .select_related("session__programme_class")
        .first()
    )
    if entry is None:
        return None
    what = f"{entry.session.programme_class.name}, {format_weekday_moment(entry.session.start)}"
    if name == "left":
        return {"text": _("You left the waiting list for %(what)s.") % {"what": what}}
    return {
        "text": _("You were no longer on the waiting list for %(what)s: nothing changed.")
        % {"what": what}
    }


@require_safe
def my_bookings(request):
    if not request.user.is_authenticated:
        return login_first(request)
    now = timezone.now()
    people = services.household(request.user)
    shown = household.shown_person(request, people)  # F1: "Show: Everyone · Me · Ana"
    bookings = own_bookings(request.user).filter(**household.show_filter(shown))
    upcoming = bookings.filter(session__start__gt=now).exclude(status=BookingStatus.CANCELLED)
    past = (
        bookings.filter(Q(session__start__lte=now) | Q(status=BookingStatus.CANCELLED))
        .prefetch_related(WITH_CHARGES)
        .order_by("-session__start", "-pk")
    )
    page = Paginator(past, PAST_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "upcoming": [
            booking_row(b, now, people) for b in upcoming.order_by("session__start", "pk")
        ],
        "past": [booking_row(b, now, people) for b in page],
        "switcher": household.switcher(reverse("wagtail_passes:my_bookings"), people, shown),
        "page_obj": page,
        "waiting": [
            {
                "entry": entry,
                "when": format_weekday_moment(entry.session.start),
                "class_name": entry.session.programme_class.name,
                "position": entry.ahead + 1,
                "person": household.label_of(entry.person, people),
            }
            for entry in waiting_entries(request.user, now).filter(**household.show_filter(shown))
        ],
        "outcome": _outcome(request, now),
        "member_page": "bookings",
    }
    return TemplateResponse(request, "wagtail_passes/member/my_bookings.html", context)


def _back(**outcome) -> HttpResponseRedirect:
    return see_other(f"{reverse('wagtail_passes:my_bookings')}?{urlencode(outcome)}")


def what_happens(booking) -> list[str]:
    """What cancelling will do, for the confirmation page (P6; after the cutoff, the
    programme's late cancellation policy in the rule's words, L1)."""
    if not booking.session.member_may_cancel():
        return [late_cancel_outcome(booking).text, _("Your place is freed for someone else.")]
    lines = []
    member_pass = booking.member_pass
    if member_pass is not None:
        taken, returned = _taken_and_returned(booking)
        left = taken - returned
        if left > 0:
            lines.append(
                _("%(amount)s goes back to your pass “%(title)s”.")
                % {
                    "amount": words.amount(member_pass.kind, left, member_pass.currency),
                    "title": member_pass.title,
                }
            )
        else:
            lines.append(
                _("Your pass “%(title)s” paid for it: this use no longer counts.")
                % {"title": member_pass.title}
            )
    elif booking.amount_due > 0:
        lines.append(
            _("The amount due, %(amount)s, is dropped: you will owe nothing for it.")
            % {"amount": Money(booking.amount_due, booking.currency)}
        )
    elif booking.amount_paid > 0:
        lines.append(
            _("You paid %(amount)s for it (%(how)s): ask the studio about a refund.")
            % {
                "amount": Money(booking.amount_paid, booking.currency),
                "how": booking.get_payment_method_display() or EMPTY,
            }
        )
    lines.append(_("Your place is freed for someone else."))
    return lines


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def cancel_booking(request, pk: int):
    """GET shows what cancelling will do; POST cancels through the service."""
    if not request.user.is_authenticated:
        return login_first(request)
    booking = get_object_or_404(own_bookings(request.user), pk=pk)
    error = ""
    if request.method == "POST":
        if booking.status == BookingStatus.CANCELLED:  # sent twice: nothing to do
            return _back(already_cancelled=booking.pk)
        try:
            cancel_booking_service(booking, by=request.user)
        except BookingError as refusal:
            error = refusal.message
            booking = own_bookings(request.user).get(pk=booking.pk)
        else:
            return _back(cancelled=booking.pk)
    row = booking_row(booking, timezone.now())
    context = {
        "row": row,
        "booking": booking,
        "what_happens": what_happens(booking) if row["can_cancel"] else [],
        "error": error,
        "member_page": "bookings",
    }
    return TemplateResponse(request, "wagtail_passes/member/cancel_booking.html", context)


def leave_waitlist(request, pk: int):
    """POST leaves the waiting list (P7) through the service; leaving twice says so."""
    if not request.user.is_authenticated:
        return login_first(request)
    entry = get_object_or_404(WaitlistEntry.objects.filter(member=request.user), pk=pk)
    if request.method != "POST":  # looked up first: another member's entry is a 404 here too
        return HttpResponseNotAllowed(["POST"])
    if entry.status != WaitlistStatus.WAITING:
        return _back(not_waiting=entry.pk)
    try:
        leave_waitlist_service(entry, by=request.user)
    except BookingError:
        return _back(not_waiting=entry.pk)
    return _back(left=entry.pk)
