"""Who may act through the services.

Every service that takes ``by`` checks it here, so a host view that passes
``request.user`` is safe whatever the user is:

- ``by=None`` is the system (a task, a shell, the host's own code) — or, for the
  member-facing services, the member themself;
- the member acts on their own bookings and passes;
- staff act on anyone's. Staff means a Django permission of this app (given to Wagtail
  editors through groups), never the ``is_staff`` flag;
- anyone else — another member, an anonymous visitor — is refused with the code
  ``not_allowed``, and nothing is written.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..exceptions import PassesError

MANAGE_BOOKINGS = "wagtail_passes.change_booking"
MANAGE_PASSES = "wagtail_passes.change_memberpass"
ASSIGN_PASSES = "wagtail_passes.add_memberpass"
MANAGE_SESSIONS = "wagtail_passes.change_session"
MANAGE_ORDERS = "wagtail_passes.change_order"
MANAGE_REGISTRATIONS = "wagtail_passes.change_registration"
SELL_AT_DESK = "wagtail_passes.sell_at_desk"
VIEW_REPORTS = "wagtail_passes.view_reports"


def is_staff(user, permission: str) -> bool:
    """``user`` holds ``permission`` (an authenticated user; superusers hold them all)."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", True)
        and user.has_perm(permission)
    )


def is_self(member, by) -> bool:
    return by is not None and by.pk is not None and by.pk == getattr(member, "pk", member)


def acts_for_member(member, by, permission: str) -> bool:
    """Staff acting for a member (at the desk, in the admin), not the member themself."""
    return not is_self(member, by) and is_staff(by, permission)


def require_member_or_staff(member, by, permission: str, error_class=PassesError) -> None:
    """Refuse ``by`` unless it is the system, the member or staff."""
    if by is None or is_self(member, by) or is_staff(by, permission):
        return
    raise error_class(
        _("Only the member or staff can do this."), code="not_allowed", permission=permission
    )


def require_staff(by, permission: str, error_class=PassesError, *alternatives: str) -> None:
    """Refuse ``by`` unless it is the system or staff holding ``permission`` (or one of
    the ``alternatives``)."""
    if by is None or any(is_staff(by, p) for p in (permission, *alternatives)):
        return
    raise error_class(_("Only staff can do this."), code="not_allowed", permission=permission)


# ---- what staff may do, by name ---------------------------------------------------
# Every admin view, menu item and button asks one of these, so the admin offers exactly
# what the services allow.

VIEW_BOOKINGS = "wagtail_passes.view_booking"
ADD_BOOKINGS = "wagtail_passes.add_booking"
VIEW_PASSES = "wagtail_passes.view_memberpass"
VIEW_SESSIONS = "wagtail_passes.view_session"
CHANGE_SCHEDULES = "wagtail_passes.change_schedule"
VIEW_ORDERS = "wagtail_passes.view_order"
VIEW_REGISTRATIONS = "wagtail_passes.view_registration"


def can_view_bookings(user) -> bool:
    """The registers and the bookings list."""
    return is_staff(user, VIEW_BOOKINGS)


def can_manage_bookings(user) -> bool:
    """Mark attendance, cancel bookings, record desk payments, remove waiting members."""
    return is_staff(user, MANAGE_BOOKINGS)


def can_book_members(user) -> bool:
    """Book a member on a session by hand (S3)."""
    return is_staff(user, ADD_BOOKINGS) and is_staff(user, MANAGE_BOOKINGS)


def can_view_passes(user) -> bool:
    """The member passes list and inspect pages."""
    return is_staff(user, VIEW_PASSES)


def can_assign_passes(user) -> bool:
    """Give a member a pass by hand (K6)."""
    return is_staff(user, ASSIGN_PASSES)


def can_manage_passes(user) -> bool:
    """Hold, adjust, extend and cancel member passes (V7, R3, S4)."""
    return is_staff(user, MANAGE_PASSES)


def can_cancel_sessions(user) -> bool:
    return is_staff(user, MANAGE_SESSIONS)


def can_see_session_history(user) -> bool:
    """Who changed or cancelled a session, and its waiting list."""
    return is_staff(user, VIEW_SESSIONS) or is_staff(user, MANAGE_SESSIONS)


def can_generate_sessions(user) -> bool:
    """Generate a schedule's sessions: whoever may change the schedule."""
    return is_staff(user, CHANGE_SCHEDULES)


def can_view_orders(user) -> bool:
    """The orders list, an order's page and its history."""
    return is_staff(user, VIEW_ORDERS) or is_staff(user, MANAGE_ORDERS)


def can_manage_orders(user) -> bool:
    """Cancel an unpaid order (C5), refund a paid one (C4), resolve payments needing
    attention; and all a desk seller may do."""
    return is_staff(user, MANAGE_ORDERS)


def can_sell_at_desk(user) -> bool:
    """Sell a product at the desk and take a payment: "Mark paid" (C2, C6). The front desk
    holds ``sell_at_desk``; whoever may change orders may too."""
    return is_staff(user, SELL_AT_DESK) or is_staff(user, MANAGE_ORDERS)


def can_view_reports(user) -> bool:
    """The reports (S1 pass holders, S2 outstanding payments) and the home panel's
    expiring passes and outstanding totals. Each report also needs the permission to see
    what it lists."""
    return is_staff(user, VIEW_REPORTS)


def can_choose_members(user) -> bool:
    """Search the site's users by name and address: only to assign a pass, book one or
    sell at the desk."""
    return can_assign_passes(user) or can_manage_bookings(user) or can_sell_at_desk(user)


def can_view_registrations(user) -> bool:
    """The registrations list, a registration's page and its history."""
    return is_staff(user, VIEW_REGISTRATIONS) or is_staff(user, MANAGE_REGISTRATIONS)


def can_manage_registrations(user) -> bool:
    """Withdraw a registration."""
    return is_staff(user, MANAGE_REGISTRATIONS)
