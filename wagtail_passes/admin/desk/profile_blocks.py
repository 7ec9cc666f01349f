"""The blocks of the member profile in words: rows for its tables and the tools each row
offers, from what ``services.member_overview`` read. Nothing here queries the database
(the profile's query count is pinned) and nothing decides: the words are the ones the
pass's page, the register, the order's page and the reports use, and a tool is offered
when the viewer's permission and the object's state let the view behind it act
(``services.permissions``, ``rules.status.pass_tools_open``, ``order_display``).

Every tool is a link to the existing staff action with ``?next=<the profile>``
(``admin/return_to.py``), so it comes back here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import registry as log_actions

from ...models import (
    Booking,
    BookingStatus,
    MemberPass,
    OrderState,
    PassStatus,
    PaymentMethod,
    RenewWhen,
)
from ...presentation import (
    EMPTY,
    format_day,
    format_session_time,
    format_short_day,
    format_short_moment,
    local_day,
    pass_balance,
    pass_valid_until,
    person,
    provider_text,
)
from ...rules.money import Money
from ...rules.standing import renewal as renewal_words
from ...rules.status import pass_tools_open
from ...rules.types import UNLIMITED
from ...services.dues import booking_currency
from ...services.facts import status_today
from ...services.outstanding import totals_by_currency
from ...services.permissions import (
    can_manage_bookings,
    can_manage_passes,
    can_sell_at_desk,
)
from ...services.renewals import describe_renewal, renewal_due_on
from ..booking_display import paid_text, register_url
from ..order_display import may_mark_paid, state_text
from ..return_to import NEXT
from . import links


def with_next(url: str, back: str) -> str:
    """``url`` that returns to ``back`` when done."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}{urlencode({NEXT: back})}"


def tool(url: str, label, title="") -> dict:
    return {"url": url, "label": label, "title": title}


def admin_url(model_name: str, action: str, *args) -> str:
    return reverse(f"wagtail_passes_{model_name}_modeladmin_{action}", args=args)


# ---- passes ---------------------------------------------------------------------------

#: The staff tools on a pass: (action, label, title), as the pass list offers them.
PASS_TOOLS = (
    ("hold", _("Put on hold"), _("Stop this pass for a period and move its expiry out")),
    ("adjust", _("Adjust balance"), _("Add to or take from this pass's balance, with a reason")),
    ("extend", _("Extend"), _("Move the last valid day out")),
    ("cancel", _("Cancel pass"), _("Cancel it and write off what is left")),
)


def _renewal_of(member_pass: MemberPass):
    try:
        return member_pass.renewal
    except MemberPass.renewal.RelatedObjectDoesNotExist:
        return None


def renewal_text(member_pass: MemberPass) -> str:
    """N1: how the pass renews, in the words of its page in the admin."""
    renewal = _renewal_of(member_pass)
    if renewal is not None:
        return describe_renewal(renewal)
    if (due := renewal_due_on(member_pass)) is not None:
        return gettext("Renews on %(day)s") % {"day": format_day(due)}
    if member_pass.auto_renew:
        when = member_pass.renew_when if member_pass.renew_when in RenewWhen.values else ""
        return renewal_words(True, when)
    return gettext("Does not renew")


def payment_text(member_pass: MemberPass) -> str:
    """Paid, free, complimentary (assigned by staff, counted as paid), awaiting payment in
    an order, or not paid (owed)."""
    if member_pass.is_paid:
        if member_pass.assigned_by_id is not None:
            return gettext("Complimentary")
        if member_pass.price == 0:
            return gettext("Free")
        return gettext("Paid %(amount)s") % {
            "amount": Money(member_pass.price, member_pass.currency)
        }
    line = member_pass.order_line
    if line is not None and line.order.state == OrderState.PENDING:
        return gettext("Awaiting payment in order %(reference)s") % {
            "reference": line.order.reference
        }
    return gettext("Not paid")


def pass_tools(member_pass: MemberPass, status: str, user, back: str) -> list[dict]:
    if not can_manage_passes(user):
        return []
    pk = quote(member_pass.pk)
    open_tools = pass_tools_open(status)
    tools = []
    for action, label, title in PASS_TOOLS:
        if action not in open_tools:
            continue
        if action == "adjust" and member_pass.kind == UNLIMITED:
            continue  # nothing to count: the service would refuse
        tools.append(tool(with_next(admin_url("memberpass", action, pk), back), label, title))
    if member_pass.auto_renew and open_tools:
        url = with_next(admin_url("memberpass", "stop_renewal", pk), back)
        title = _("Stop this pass renewing, whatever the member's commitment")
        tools.append(tool(url, _("Stop renewal"), title))
    return tools


def pass_rows(passes, progress: dict, user, back: str) -> list[dict]:
    rows = []
    for member_pass in passes:
        status = status_today(member_pass)
        commitment = progress.get(member_pass.pk)
        rows.append(
            {
                "pk": member_pass.pk,
                "title": member_pass.title,
                "inspect_url": admin_url("memberpass", "inspect", quote(member_pass.pk)),
                "left": pass_balance(member_pass),
                "status": PassStatus(status).label,
                "valid_until": pass_valid_until(member_pass, short=True),
                "holds": [
                    f"{format_short_day(start)} – {format_short_day(end)}"
                    for start, end in member_pass.hold_periods
                ],
                "renewal": renewal_text(member_pass),
                "commitment": commitment.describe() if commitment and commitment.required else "",
                "payment": payment_text(member_pass),
                "tools": pass_tools(member_pass, status, user, back),
            }
        )
    return rows


# ---- bookings and the waiting list ---------------------------------------------------


def booking_tools(booking: Booking, user, back: str, *, upcoming: bool) -> list[dict]:
    if not can_manage_bookings(user) or booking.status == BookingStatus.CANCELLED:
        return []
    pk = quote(booking.pk)
    tools = []
    if booking.amount_due > 0:
        url = with_next(admin_url("booking", "desk_payment", pk), back)
        tools.append(tool(url, _("Paid at the desk"), _("Record the amount due as paid")))
    if upcoming and booking.status == BookingStatus.BOOKED:
        url = with_next(admin_url("booking", "cancel", pk), back)
        tools.append(tool(url, _("Cancel booking")))
    return tools


def booking_rows(bookings, user, back: str, *, upcoming: bool) -> list[dict]:
    return [
        {
            "pk": booking.pk,
            "session": booking.session.programme_class.name,
            "programme": booking.session.programme_class.programme.name,
            "register_url": register_url(booking.session_id),
            "inspect_url": admin_url("booking", "inspect", quote(booking.pk)),
            "when": format_short_moment(booking.session.start),
            "places": booking.attendees,
            "status": booking.get_status_display(),
            "paid": paid_text(booking),
            "tools": booking_tools(booking, user, back, upcoming=upcoming),
        }
        for booking in bookings
    ]


def waiting_rows(entries, user, back: str) -> list[dict]:
    manage = can_manage_bookings(user)
    return [
        {
            "pk": entry.pk,
            "session": entry.session.programme_class.name,
            "register_url": register_url(entry.session_id),
            "when": format_short_moment(entry.session.start),
            "places": entry.attendees,
            "position": entry.ahead + 1,
            "tools": [
                tool(
                    with_next(admin_url("session", "remove_waiting", quote(entry.pk)), back),
                    _("Remove from the waiting list"),
                )
            ]
            if manage
            else [],
        }
        for entry in entries
    ]


# ---- orders and what is owed ------------------------------------------------------------


def order_for_text(order) -> str:
    """What the order is for: its first line's title, and how many lines more."""
    title = order.first_line or EMPTY
    more = (order.line_count or 0) - 1
    if more > 0:
        return ngettext("%(title)s and %(n)d more", "%(title)s and %(n)d more", more) % {
            "title": title,
            "n": more,
        }
    return title


def paid_by_text(order) -> str:
    """How the latest payment was made: the method staff recorded, else the provider."""
    if order.paid_method:
        return str(PaymentMethod(order.paid_method).label)
    if order.paid_provider:
        return provider_text(order.paid_provider)
    return EMPTY


def order_tools(order, user, back: str) -> list[dict]:
    """C2: "Mark paid" while unpaid, for whoever takes payments: the front desk
    (``sell_at_desk``) and order managers (``services.mark_paid`` accepts both)."""
    if not (can_sell_at_desk(user) and may_mark_paid(order)):
        return []
    url = with_next(admin_url("order", "mark_paid", quote(order.pk)), back)
    return [tool(url, _("Mark paid"), _("Record the payment of this order"))]


def order_rows(orders, user, back: str) -> list[dict]:
    return [
        {
            "pk": order.pk,
            "reference": order.reference,
            "inspect_url": admin_url("order", "inspect", quote(order.pk)),
            "placed": format_short_moment(order.created_at),
            "for": order_for_text(order),
            "state": state_text(order),
            "total": str(order.total_money),
            "paid_by": paid_by_text(order),
            "sold_at_desk": order.sold_by_id is not None,
            "tools": order_tools(order, user, back),
        }
        for order in orders
    ]


@dataclass
class Owed:
    """One line of "Amounts due": an amount due for a booking, or an order awaiting
    payment (``amount`` is what it adds to the totals)."""

    what: str
    amount: Money
    url: str
    tools: list = field(default_factory=list)
    note: str = ""


def owed_rows(dues, pending_orders, user, back: str) -> tuple[list[Owed], list[str]]:
    """S2, C6: what the member owes, and the totals per currency. An amount due that the
    member put in an order awaiting payment is counted once, under that order."""
    rows = []
    for booking in dues:
        amount = Money(booking.amount_due, booking_currency(booking))
        note = ""
        if booking.pending_reference:
            note = gettext("In order %(reference)s, awaiting payment") % {
                "reference": booking.pending_reference
            }
        rows.append(
            Owed(
                what=format_session_time(booking.session),
                amount=amount,
                url=admin_url("booking", "inspect", quote(booking.pk)),
                tools=[] if note else booking_tools(booking, user, back, upcoming=False),
                note=note,
            )
        )
    for order in pending_orders:
        rows.append(
            Owed(
                what=gettext("Order %(reference)s: %(what)s")
                % {"reference": order.reference, "what": order_for_text(order)},
                amount=order.total_money,
                url=admin_url("order", "inspect", quote(order.pk)),
                tools=order_tools(order, user, back),
            )
        )
    counted = [row for row in rows if not row.note]
    return rows, [str(total) for total in totals_by_currency(counted)]


# ---- registrations and history ------------------------------------------------------------


def registration_rows(registrations) -> list[dict]:
    rows = []
    for registration in registrations:
        if registration.is_withdrawn:
            status = gettext("Withdrawn on %(day)s") % {
                "day": format_short_day(local_day(registration.withdrawn_at))
            }
        else:
            status = gettext("Registered")
        rows.append(
            {
                "pk": registration.pk,
                "programme": registration.programme.name,
                "inspect_url": admin_url("registration", "inspect", quote(registration.pk)),
                "registered": format_short_moment(registration.registered_at),
                "status": status,
            }
        )
    return rows


def history_rows(entries) -> list[dict]:
    rows = []
    for entry in entries:
        formatter = log_actions.get_formatter(entry)
        rows.append(
            {
                "when": format_short_moment(entry.timestamp),
                "action": str(formatter.label) if formatter else entry.action,
                "about": entry.label,
                "message": entry.message,
                "who": person(entry.user) if entry.user_id else entry.user_display_name,
            }
        )
    return rows


# ---- tools for the member --------------------------------------------------------------


def assign_url(member_id: int, back: str) -> str:
    """K6: "Assign a pass" with the member chosen."""
    url = admin_url("memberpass", "assign")
    return f"{url}?{urlencode({'member': member_id, NEXT: back})}"


def sell_url(member_id: int, back: str) -> str:
    """C2, C6: the desk sale for the member (``admin/desk/sales.py``)."""
    return links.sell_url(member_id, next_url=back)
