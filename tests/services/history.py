"""Build a member with a long redemption history quickly (bulk inserts)."""

import datetime as dt
from decimal import Decimal

from wagtail_passes.models import LedgerEntry, LedgerKind
from wagtail_passes.test.factories import (
    LinkPoolFactory,
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)


def member_with_history(passes: int, redemptions_per_pass: int):
    """A member holding ``passes`` unlimited passes with past redemptions, and a pooled
    session to book. Redemptions are written in bulk (their sums still match)."""
    pool = LinkPoolFactory()
    klass = ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    member = UserFactory()
    past = SessionFactory(
        programme_class=klass,
        start=dt.datetime(2025, 1, 6, 18, tzinfo=dt.UTC),
        end=dt.datetime(2025, 1, 6, 19, tzinfo=dt.UTC),
    )
    product_kwargs = {
        "kind": "unlimited",
        "quantity": None,
        "duration_days": 3650,
        "period_limit": "week",
        "period_max_uses": 50,
    }
    first = member_pass(member, **product_kwargs)
    created = [first] + [member_pass(member, product=first.product) for _ in range(passes - 1)]
    rows = [
        LedgerEntry(
            member_pass=mp,
            kind=LedgerKind.REDEEM,
            amount=Decimal(0),
            balance_after=Decimal(0),
            session=past,
            session_day=dt.date(2025, 1, 6) + dt.timedelta(days=i % 300),
            attendees=1,
        )
        for mp in created
        for i in range(redemptions_per_pass)
    ]
    LedgerEntry.objects.bulk_create(rows, batch_size=1000)
    upcoming = SessionFactory(programme_class=klass)
    upcoming = type(upcoming).objects.with_related().get(pk=upcoming.pk)
    return member, upcoming
