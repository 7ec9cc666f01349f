"""One-time tokens for the booking page: ``checkout/once.py``'s, under a session key of
their own. The first POST spends its token and remembers what it did ("booking:12"), so the
same form sent again leads to that result instead of booking twice. (A second POST racing
the first is refused by ``services.book`` with ``already_booked`` under the session's lock,
which the view also leads to the result.)"""

from __future__ import annotations

from functools import partial

from ..checkout import once

SESSION_KEY = "wagtail_passes_booking_tokens"

issue = partial(once.issue, key=SESSION_KEY)
state = partial(once.state, key=SESSION_KEY)
spend = partial(once.spend, key=SESSION_KEY)
