"""Row locks, always taken in one order so two transactions never wait on each other
in a cycle: session, then member passes by primary key, then product stock.

``select_for_update`` is a no-op on SQLite (which serialises writers anyway); on
PostgreSQL it is what makes the re-checks under the lock trustworthy. Every lock names
``of=("self",)``: a query that joins related rows (the session's class and programme)
must lock only its own row, never the programme every booking reads.

Every lock waits at most ``WAGTAIL_PASSES_LOCK_TIMEOUT``, then the caller is refused
``busy`` (``services.lock_waits``): the first lock query of a transaction sets that bound
for the whole transaction, without a statement of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import MemberPass, Session
from .lock_waits import locked_row, locked_rows


def lock_session(session: Session | int) -> Session:
    pk = session.pk if isinstance(session, Session) else session
    return locked_row(Session.objects.select_for_update(of=("self",)).with_related(), pk=pk)


def lock_member_passes(passes: Iterable[MemberPass | int]) -> list[MemberPass]:
    ids = sorted({p.pk if isinstance(p, MemberPass) else p for p in passes})
    locked = MemberPass.objects.select_for_update(of=("self",)).filter(pk__in=ids)
    return locked_rows(locked.order_by("pk"))


def lock_member_pass(member_pass: MemberPass | int) -> MemberPass:
    (locked,) = lock_member_passes([member_pass])
    return locked
