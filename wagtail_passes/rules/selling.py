"""Whether a product can be bought right now, and if not, why (A1, A2, U6).

The product page shows the message and offers the Buy button only when ``can_buy``;
checkout must decide again under its stock lock, since this is read without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from django.utils.translation import gettext as _

from .dates import format_day, format_day_or_moment

AVAILABLE = "available"
CODE_REQUIRED = "code_required"
SOLD_OUT = "sold_out"
NOT_YET_ON_SALE = "not_yet_on_sale"
NO_LONGER_ON_SALE = "no_longer_on_sale"
ARCHIVED = "archived"


@dataclass(frozen=True)
class SaleState:
    """``code`` is stable (templates and tests use it); ``message`` is for the visitor."""

    code: str
    message: str
    can_buy: bool
    on_sale_from: datetime | None = None

    @property
    def tone(self) -> str:
        """The colour of the message: "ok", "warn" (later) or "bad" (not any more)."""
        if self.can_buy:
            return "ok"
        return "warn" if self.code == NOT_YET_ON_SALE else "bad"


def sale_state(
    *,
    now: datetime,
    tz: tzinfo,
    is_archived: bool = False,
    sale_starts_at: datetime | None = None,
    sale_ends_at: datetime | None = None,
    fixed_end: date | None = None,
    stock_limit: int | None = None,
    sold: int = 0,
    access_code_required: bool = False,
) -> SaleState:
    """The first reason that stops a sale, in this order: archived, sale over (or the fixed
    validity dates already over), not on sale yet, sold out; otherwise available, noting
    when an access code will be asked for at checkout (U6)."""
    if is_archived:
        return SaleState(ARCHIVED, _("No longer available."), False)
    if sale_ends_at and now >= sale_ends_at:
        return SaleState(NO_LONGER_ON_SALE, _("No longer on sale."), False)
    if fixed_end and now.astimezone(tz).date() > fixed_end:
        return SaleState(
            NO_LONGER_ON_SALE,
            _("No longer on sale: its validity ended on %(date)s.")
            % {"date": format_day(fixed_end)},
            False,
        )
    if sale_starts_at and now < sale_starts_at:
        return SaleState(
            NOT_YET_ON_SALE,
            _("Not on sale yet: on sale from %(when)s.")
            % {"when": format_day_or_moment(sale_starts_at, tz)},
            False,
            on_sale_from=sale_starts_at,
        )
    if stock_limit is not None and sold >= stock_limit:
        return SaleState(SOLD_OUT, _("Sold out."), False)
    if access_code_required:
        return SaleState(
            CODE_REQUIRED,
            _("You need an access code to buy this; checkout will ask for it."),
            True,
        )
    return SaleState(AVAILABLE, _("Available."), True)
