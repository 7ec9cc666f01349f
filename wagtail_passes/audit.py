"""Staff actions in Wagtail's audit log (S5).

Each action the services take on behalf of staff writes one entry through Wagtail's
``log()`` — inside the service's transaction, so a refused or rolled-back action leaves
no entry. The actions are registered with Wagtail's log action registry
(``wagtail_hooks.py``), so they show, with their own labels, in the admin's history of
the pass, booking or session and in Reports → Site history.

The entry's ``data`` holds ``message``, a sentence in the acting user's language
("Adjusted by -2: gave a free class back"), and the action's details in plain values.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter
from wagtail.log_actions import log as wagtail_log

PREFIX = "wagtail_passes."

#: action -> (label, default message)
ACTIONS = {
    "wagtail_passes.pass.assign": (_("Assign pass"), _("Pass assigned")),
    "wagtail_passes.pass.adjust": (_("Adjust balance"), _("Balance adjusted")),
    "wagtail_passes.pass.hold": (_("Put pass on hold"), _("Pass put on hold")),
    "wagtail_passes.pass.extend": (_("Extend pass"), _("Pass extended")),
    "wagtail_passes.pass.cancel": (_("Cancel pass"), _("Pass cancelled")),
    "wagtail_passes.pass.paid": (_("Pass paid"), _("Pass paid")),
    "wagtail_passes.pass.renew_on": (_("Turn renewal on"), _("Renewal turned on")),
    "wagtail_passes.pass.renew_off": (_("Turn renewal off"), _("Renewal turned off")),
    "wagtail_passes.pass.stop_renewal": (_("Stop renewal"), _("Renewal stopped by staff")),
    "wagtail_passes.pass.renewal_ordered": (_("Renewal ordered"), _("Renewal order created")),
    "wagtail_passes.pass.renewal_refused": (_("Renewal refused"), _("Could not renew")),
    "wagtail_passes.pass.renewal_stopped": (
        _("Renewal stopped with the pass"),
        _("Renewal stopped: the pass is finished"),
    ),
    "wagtail_passes.pass.renewal_moved": (
        _("Renewal moved"),
        _("Starts the day after the pass it renews"),
    ),
    "wagtail_passes.order.renewal_charge": (_("Renewal card charge"), _("Saved card charged")),
    "wagtail_passes.person.add": (_("Add to household"), _("Added to the household")),
    "wagtail_passes.person.change": (_("Change person"), _("Person changed")),
    "wagtail_passes.person.remove": (_("Remove from household"), _("Removed from the household")),
    "wagtail_passes.booking.create": (_("Book for a member"), _("Member booked")),
    "wagtail_passes.booking.cancel": (_("Cancel booking"), _("Booking cancelled")),
    "wagtail_passes.booking.attendance": (_("Mark attendance"), _("Attendance marked")),
    "wagtail_passes.booking.paid_at_desk": (_("Paid at the desk"), _("Paid at the desk")),
    "wagtail_passes.booking.paid_online": (_("Paid online"), _("Paid online")),
    "wagtail_passes.booking.charge": (_("Attendance charge"), _("Attendance policy applied")),
    "wagtail_passes.booking.charge_undone": (_("Charge undone"), _("Charge undone")),
    "wagtail_passes.booking.charge_waived": (_("Waive charge"), _("Charge waived")),
    "wagtail_passes.booking.charge_paid": (_("Charge paid"), _("Charge paid")),
    "wagtail_passes.booking.settle": (_("Settle with a pass"), _("Paid with a pass")),
    "wagtail_passes.waitlist.add": (_("Add to waiting list"), _("Added to the waiting list")),
    "wagtail_passes.waitlist.remove": (
        _("Remove from waiting list"),
        _("Removed from the waiting list"),
    ),
    "wagtail_passes.session.change": (_("Change session"), _("Session changed")),
    "wagtail_passes.session.cancel": (_("Cancel session"), _("Session cancelled")),
    "wagtail_passes.order.place": (_("Place order"), _("Order placed")),
    "wagtail_passes.order.desk_sale": (_("Sell at the desk"), _("Sold at the desk")),
    "wagtail_passes.order.paid": (_("Order paid"), _("Order paid")),
    "wagtail_passes.order.refund_needed": (_("Refund needed"), _("Refund needed")),
    "wagtail_passes.order.cancel": (_("Cancel order"), _("Order cancelled")),
    "wagtail_passes.order.expire": (_("Order expired"), _("Order expired")),
    "wagtail_passes.order.refund": (_("Refund order"), _("Order refunded")),
    "wagtail_passes.order.booked": (_("Book after payment"), _("Booked after payment")),
    "wagtail_passes.order.payment_failed": (_("Payment failed"), _("Payment failed")),
    "wagtail_passes.order.refund_failed": (_("Refund failed"), _("Refund failed")),
    "wagtail_passes.order.money_problem": (_("Payment problem"), _("Payment needs attention")),
    "wagtail_passes.order.issue_resolved": (
        _("Payment problem resolved"),
        _("Payment problem resolved"),
    ),
    "wagtail_passes.booking.payment_refunded": (_("Booking payment refunded"), _("Refunded")),
    "wagtail_passes.series.book": (_("Book a series"), _("Series booked")),
    "wagtail_passes.series.cancel": (_("Cancel a series"), _("Series cancelled")),
    "wagtail_passes.registration.create": (_("Register"), _("Registered")),
    "wagtail_passes.registration.withdraw": (
        _("Withdraw registration"),
        _("Registration withdrawn"),
    ),
}


class PassesLogFormatter(LogFormatter):
    """Shows the entry's own sentence when it has one."""

    def format_message(self, log_entry):
        message = (log_entry.data or {}).get("message")
        return message or super().format_message(log_entry)


def register_actions(actions) -> None:
    """The ``register_log_actions`` hook (see ``wagtail_hooks.py``)."""
    for action, (label, message) in ACTIONS.items():
        formatter = type(
            "PassesLogFormatter",
            (PassesLogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)


def log_action(instance, action: str, by, message: str = "", **data) -> None:
    """Write one audit entry for ``instance``; ``by`` None is the system."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    wagtail_log(
        instance=instance,
        action=action,
        user=by if getattr(by, "is_authenticated", False) else None,
        data={"message": str(message), **data},
    )
