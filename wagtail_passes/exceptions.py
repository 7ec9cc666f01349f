"""One family of refusals. Each carries a stable ``code`` (tests and API callers
compare it) and a translated message (views show it)."""

from __future__ import annotations


class PassesError(Exception):
    code = "error"

    def __init__(self, message: str, code: str | None = None, **details):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class ScheduleError(PassesError):
    code = "schedule_error"


class BookingError(PassesError):
    code = "booking_error"


class PassError(PassesError):
    code = "pass_error"


class CheckoutError(PassesError):
    code = "checkout_error"


class HouseholdError(PassesError):
    code = "household_error"
