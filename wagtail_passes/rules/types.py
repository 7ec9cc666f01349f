"""Plain values the rule functions take and return.

The three big ones are keyword-only, so adding a field never shifts another.

They are frozen copies of what the models hold, built by the services, so the rules never
see a model or a queryset. Construction checks what a typo or a float would break; the
editors' own validation (K2 time frame, stock, prices) stays in the models' ``clean``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import Money

# Product kinds (K1-K5).
ENTRIES = "entries"
UNLIMITED = "unlimited"
DAYS = "days"
CREDITS = "credits"
MONEY = "money"
KINDS = frozenset({ENTRIES, UNLIMITED, DAYS, CREDITS, MONEY})
LIMITED_KINDS = frozenset({ENTRIES, DAYS, CREDITS, MONEY})

# Validity bases (V1-V4).
FROM_PURCHASE = "purchase"
FROM_PAYMENT = "payment"
FROM_FIRST_USE = "first_use"
FIXED = "fixed"
BASES = frozenset({FROM_PURCHASE, FROM_PAYMENT, FROM_FIRST_USE, FIXED})

# Period limits (U1).
DAY = "day"
WEEK = "week"
MONTH = "month"
PERIODS = frozenset({DAY, WEEK, MONTH})

# Stored member pass statuses. Only "cancelled" and "expired" decide anything; the others
# are derived from balance and holds, which the rules recompute themselves.
ACTIVE = "active"
ON_HOLD = "on_hold"
EXPIRED = "expired"
USED_UP = "used_up"
CANCELLED = "cancelled"
STATUSES = frozenset({ACTIVE, ON_HOLD, EXPIRED, USED_UP, CANCELLED})


def _require_decimal(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")


def _require_choice(name: str, value: object, choices: Iterable[str]) -> None:
    if value not in choices:
        raise ValueError(f"unknown {name}: {value!r}")


@dataclass(frozen=True)
class Hold:
    """A hold (V7); both dates inclusive."""

    starts_on: date
    ends_on: date

    def __post_init__(self):
        if self.ends_on < self.starts_on:
            raise ValueError("a hold cannot end before it starts")

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True, kw_only=True)
class PassTerms:
    """The member pass's own copy of the product's rules, taken at purchase time."""

    kind: str
    quantity: Decimal | None
    currency: str
    validity_basis: str
    duration_days: int = 0
    fixed_start: date | None = None
    fixed_end: date | None = None
    period_limit: str | None = None
    period_max_uses: int | None = None
    programme_ids: frozenset[int] = frozenset()
    class_ids: frozenset[int] = frozenset()
    allows_additional_attendees: bool = False
    #: F2: who may hold it, by age on the session's date (None: no bound).
    min_age: int | None = None
    max_age: int | None = None

    def __post_init__(self):
        _require_choice("kind", self.kind, KINDS)
        _require_choice("validity basis", self.validity_basis, BASES)
        _require_decimal("quantity", self.quantity, optional=True)
        if self.duration_days < 0:
            raise ValueError("duration_days cannot be negative")
        if self.fixed_start and self.fixed_end and self.fixed_end < self.fixed_start:
            raise ValueError("fixed_end cannot be before fixed_start")
        if self.period_limit is not None:
            _require_choice("period limit", self.period_limit, PERIODS)
            if self.period_max_uses is None or self.period_max_uses < 0:
                raise ValueError("a period limit needs a maximum number of uses (0 or more)")
        object.__setattr__(self, "programme_ids", frozenset(self.programme_ids))
        object.__setattr__(self, "class_ids", frozenset(self.class_ids))


@dataclass(frozen=True)
class Redemption:
    """An active (not returned) redemption already on the pass."""

    session_id: int
    day: date
    attendees: int = 1
    #: False when the booking it paid was cancelled and staff kept the entry: the use still
    #: counts (limits, day passes, first use), but the session may be paid again.
    for_active_booking: bool = True


@dataclass(frozen=True, kw_only=True)
class PassState:
    """What has happened to the member pass so far."""

    status: str
    balance: Decimal
    paid: bool
    purchased_on: date
    paid_on: date | None = None
    holds: tuple[Hold, ...] = ()
    redemptions: tuple[Redemption, ...] = ()
    #: Days staff added to the end of the window (S4 "extend").
    extended_days: int = 0
    #: A renewal's first day (N1): the day after the pass it renews ends. When set it is
    #: the window's start for every duration basis (see ``validity._start``).
    starts_on: date | None = None
    #: F2: the holder's date of birth (read only for a pass with an age range) and name.
    holder_born: date | None = None
    holder_name: str = ""

    def __post_init__(self):
        _require_choice("status", self.status, STATUSES)
        _require_decimal("balance", self.balance)
        if self.extended_days < 0:
            raise ValueError("extended_days cannot be negative")
        object.__setattr__(self, "holds", tuple(self.holds))
        object.__setattr__(self, "redemptions", tuple(self.redemptions))


@dataclass(frozen=True, kw_only=True)
class SessionFacts:
    """The session as the rules need it; ``day`` is its local start date (V5)."""

    session_id: int
    day: date
    class_id: int
    programme_id: int
    linked_class_ids: frozenset[int] = frozenset()
    unit_price: Money
    credit_cost: int = 1

    def __post_init__(self):
        if self.credit_cost < 0:
            raise ValueError("credit_cost cannot be negative")
        # The pool always contains the class itself (P5), whatever the caller passed.
        object.__setattr__(
            self, "linked_class_ids", frozenset(self.linked_class_ids) | {self.class_id}
        )


@dataclass(frozen=True)
class ValidityWindow:
    """Inclusive first and last valid day; ``starts_on`` None = not started, ``ends_on``
    None = no expiry. ``hold_days`` is how far the holds moved the end (V7)."""

    starts_on: date | None
    ends_on: date | None
    hold_days: int = 0

    @property
    def started(self) -> bool:
        return self.starts_on is not None

    def contains(self, day: date) -> bool:
        if self.starts_on is None or day < self.starts_on:
            return False
        return self.ends_on is None or day <= self.ends_on


@dataclass(frozen=True)
class Verdict:
    """Whether a member pass pays for a session, and if not, exactly why (R4).

    ``temporary`` marks refusals that lift by themselves while the pass stays good
    (period limit, hold, not yet started or paid): the "yellow" state of M1. ``cost`` is what
    the booking takes from the balance; it is 0 on every refusal.
    """

    ok: bool
    code: str
    message: str
    temporary: bool = False
    cost: Decimal = Decimal(0)


def refuse(code: str, message: str, *, temporary: bool = False) -> Verdict:
    return Verdict(ok=False, code=code, message=str(message), temporary=temporary)
