"""Who holds which member passes (S1): the pass holders report's query.

The status filter follows the one rule of ``rules.status`` (cancelled, then expired,
then used up, then on hold, then active) on today's date in the site's time zone (V5),
as conditions on the columns that rule reads: the stored status for "cancelled", the
cached validity window, the cached balance and the holds. So a pass counts as expired
from the day after its last valid day, even before the daily job has stored it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..models import Hold, MemberPass, PassStatus
from ..presentation import local_today
from ..rules.types import LIMITED_KINDS

#: Search terms taken from one query, at most (each one must match).
MAX_SEARCH_WORDS = 5
SEARCH_FIELDS = (
    "member__first_name",
    "member__last_name",
    "member__username",
    "member__email",
    "person__name",  # F2: a dependant holding the pass
)


def _cancelled() -> Q:
    return Q(status=PassStatus.CANCELLED)


def _expired(today: dt.date) -> Q:
    return ~_cancelled() & (Q(status=PassStatus.EXPIRED) | Q(valid_until__lt=today))


def _used_up(today: dt.date) -> Q:
    return ~_cancelled() & ~_expired(today) & Q(kind__in=sorted(LIMITED_KINDS), balance__lte=0)


def _held_today(today: dt.date) -> Exists:
    return Exists(
        Hold.objects.filter(member_pass=OuterRef("pk"), starts_on__lte=today, ends_on__gte=today)
    )


def status_condition(status: str, today: dt.date) -> Q:
    """The passes whose status on ``today`` is ``status`` (a ``PassStatus`` value)."""
    if status == PassStatus.CANCELLED:
        return _cancelled()
    if status == PassStatus.EXPIRED:
        return _expired(today)
    if status == PassStatus.USED_UP:
        return _used_up(today)
    not_ended = ~_cancelled() & ~_expired(today) & ~_used_up(today)
    if status == PassStatus.ON_HOLD:
        return not_ended & Q(_held_today(today))
    if status == PassStatus.ACTIVE:
        return not_ended & ~Q(_held_today(today))
    raise ValueError(f"unknown pass status {status!r}")


def expiring_condition(days: int, today: dt.date) -> Q:
    """Passes still usable whose last valid day falls in the ``days`` days from today
    (today included): "expiring in the next 7 days" is ``days=7``."""
    last = today + dt.timedelta(days=days - 1)
    return (
        ~_cancelled()
        & ~_used_up(today)
        & Q(valid_until__gte=today, valid_until__lte=last)
        & ~Q(status=PassStatus.EXPIRED)
    )


def search_condition(query: str) -> Q:
    """Every word of ``query`` in the member's first or last name, username or email, or
    in the name of the dependant holding the pass (F2)."""
    condition = Q()
    for word in query.split()[:MAX_SEARCH_WORDS]:
        any_field = Q()
        for field in SEARCH_FIELDS:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    return condition


def pass_holders(
    *,
    product_id: int | None = None,
    status: str | None = None,
    expiring_within_days: int | None = None,
    search: str = "",
    today: dt.date | None = None,
) -> QuerySet:
    """S1: member passes with their members and holders (F2), by product title, member,
    then oldest first."""
    today = today or local_today()
    passes = MemberPass.objects.select_related("member", "person")
    if product_id is not None:
        passes = passes.filter(product_id=product_id)
    if status:
        passes = passes.filter(status_condition(status, today))
    if expiring_within_days:
        passes = passes.filter(expiring_condition(expiring_within_days, today))
    if search.strip():
        passes = passes.filter(search_condition(search))
    return passes.order_by("title", "member__last_name", "member__first_name", "purchased_at", "pk")


def count_expiring(days: int, today: dt.date | None = None) -> int:
    """How many passes are still usable and expire in the ``days`` days from today."""
    today = today or local_today()
    return MemberPass.objects.filter(expiring_condition(days, today)).count()


def products_held() -> list[tuple[int, str]]:
    """(product id, page title) of every product that has member passes, by title."""
    return list(
        MemberPass.objects.filter(product__isnull=False)
        .order_by("product__title", "product_id")
        .values_list("product_id", "product__title")
        .distinct()
    )
