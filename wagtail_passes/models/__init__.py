from .bookings import Booking, BookingStatus
from .programmes import LinkPool, Programme, ProgrammeClass, Schedule, Session

__all__ = [
    "Booking",
    "BookingStatus",
    "LinkPool",
    "Programme",
    "ProgrammeClass",
    "Schedule",
    "Session",
]
