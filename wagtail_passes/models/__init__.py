from .bookings import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from .member_passes import Hold, LedgerEntry, LedgerKind, MemberPass, PassStatus
from .products import (
    BuyerRestriction,
    CreditPackPage,
    PassPage,
    PeriodLimit,
    ProductIndexPage,
    ProductKind,
    ProductMixin,
    ProductStock,
    ProgrammeProduct,
    RenewWhen,
    ValidityBasis,
)
from .programmes import LinkPool, Programme, ProgrammeClass, Schedule, Session

__all__ = [
    "Booking",
    "BookingStatus",
    "BuyerRestriction",
    "CreditPackPage",
    "Hold",
    "LedgerEntry",
    "LedgerKind",
    "LinkPool",
    "MemberPass",
    "PassPage",
    "PassStatus",
    "PeriodLimit",
    "ProductIndexPage",
    "ProductKind",
    "ProductMixin",
    "ProductStock",
    "ProgrammeProduct",
    "Programme",
    "ProgrammeClass",
    "RenewWhen",
    "Schedule",
    "Session",
    "ValidityBasis",
    "WaitlistEntry",
    "WaitlistStatus",
]
