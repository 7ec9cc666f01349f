"""The public Python API of wagtail_passes (see docs/reference/services.md).

Host sites call these functions from their own views, tasks and shells. Each one
that writes runs in a transaction, locks the rows it decides on in a fixed order
and sends emails and signals only once the transaction has committed.
"""

from .booking import (
    book,
    cancel_booking,
    cancel_session,
    join_waitlist,
    leave_waitlist,
    mark_attendance,
    places_left,
    promote_waitlist,
    settle_unpaid,
)
from .eligibility import eligible_passes, evaluate, evaluate_member_passes
from .passes import adjust_pass, assign_pass, hold_pass, issue_member_pass
from .schedules import GenerationReport, generate_all_sessions, generate_sessions

__all__ = [
    "GenerationReport",
    "adjust_pass",
    "assign_pass",
    "book",
    "cancel_booking",
    "cancel_session",
    "join_waitlist",
    "leave_waitlist",
    "mark_attendance",
    "places_left",
    "promote_waitlist",
    "settle_unpaid",
    "eligible_passes",
    "evaluate",
    "evaluate_member_passes",
    "generate_all_sessions",
    "generate_sessions",
    "hold_pass",
    "issue_member_pass",
]
