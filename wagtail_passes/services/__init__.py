"""The public Python API of wagtail_passes (see docs/reference/services.md).

Host sites call these functions from their own views, tasks and shells. Each one
that writes runs in a transaction, locks the rows it decides on in a fixed order
and sends emails and signals only once the transaction has committed. Each one that
takes ``by`` refuses a user who is neither the member nor staff (``not_allowed``).
"""

from .attendance import mark_attendance, record_desk_payment
from .attendees import household
from .booking import book, cancel_booking
from .booking_core import no_valid_pass, places_left, places_taken
from .charge_actions import give_back_entry, record_charge_payment, waive_charge
from .daily import DailyReport, run_daily
from .desk_sales import DeskLine, DeskQuote, quote_desk_sale, sell_at_desk
from .dues import place_dues_order, quote_dues
from .eligibility import eligible_passes, evaluate, evaluate_member_passes
from .feeds import member_feed_token, reset_feed_token
from .households import add_dependant, remove_dependant, update_person
from .orders import (
    Basket,
    Item,
    Quote,
    cancel_order,
    expire_order,
    expire_orders,
    fulfil_order,
    mark_paid,
    place_basket,
    place_order,
    quote,
    quote_basket,
)
from .passes import (
    adjust_pass,
    assign_pass,
    cancel_pass,
    extend_pass,
    hold_pass,
    issue_member_pass,
)
from .payment_state import Receipt, receive_payment
from .refunds import RefundResult, refund, refund_order, refundable
from .registrations import (
    register,
    registration_offer,
    registration_status,
    withdraw_registration,
)
from .reminders import ReminderReport, send_expiry_reminders
from .schedules import GenerationReport, generate_all_sessions, generate_sessions
from .series import SeriesResult, book_held_dates, book_series, retry_refused_dates
from .series_cancel import cancel_series, cancel_series_date, place_series_dues_order
from .session_changes import SessionChange, cancel_session, update_session
from .settlement import settle_unpaid
from .tidy import TidyReport, run_tidy
from .waitlist import join_waitlist, leave_waitlist, promote_waitlist

__all__ = [
    "add_dependant",
    "household",
    "remove_dependant",
    "update_person",
    "give_back_entry",
    "record_charge_payment",
    "waive_charge",
    "ReminderReport",
    "send_expiry_reminders",
    "Basket",
    "Item",
    "place_basket",
    "quote_basket",
    "register",
    "registration_offer",
    "registration_status",
    "withdraw_registration",
    "cancel_order",
    "expire_order",
    "expire_orders",
    "fulfil_order",
    "mark_paid",
    "place_dues_order",
    "DeskLine",
    "DeskQuote",
    "quote_desk_sale",
    "sell_at_desk",
    "place_order",
    "quote_dues",
    "quote",
    "Receipt",
    "receive_payment",
    "refund",
    "refund_order",
    "refundable",
    "RefundResult",
    "DailyReport",
    "GenerationReport",
    "Quote",
    "SessionChange",
    "adjust_pass",
    "assign_pass",
    "book",
    "cancel_booking",
    "cancel_pass",
    "cancel_session",
    "eligible_passes",
    "evaluate",
    "evaluate_member_passes",
    "extend_pass",
    "generate_all_sessions",
    "generate_sessions",
    "hold_pass",
    "issue_member_pass",
    "join_waitlist",
    "leave_waitlist",
    "mark_attendance",
    "member_feed_token",
    "no_valid_pass",
    "places_left",
    "places_taken",
    "promote_waitlist",
    "record_desk_payment",
    "reset_feed_token",
    "run_daily",
    "run_tidy",
    "TidyReport",
    "settle_unpaid",
    "update_session",
    "SeriesResult",
    "book_held_dates",
    "book_series",
    "cancel_series",
    "cancel_series_date",
    "place_series_dues_order",
    "retry_refused_dates",
]
