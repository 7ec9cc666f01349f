"""Telling staff about money that needs a person: moved to ``services.staff_alerts`` (the
services decide what needs a person; providers only report). Kept for host code that
imported it from here."""

from ..services.staff_alerts import PAYMENT_FAILED, REFUND_FAILED, REFUND_NEEDED, tell_staff

__all__ = ["PAYMENT_FAILED", "REFUND_FAILED", "REFUND_NEEDED", "tell_staff"]
