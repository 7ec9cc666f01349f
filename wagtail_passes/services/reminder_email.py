"""The expiry reminder's email (N3), built when it is sent, in the member's language
(``notifications.render_and_send`` calls ``reminder_context`` inside the member's
language and the site's time zone).

It names what is left in the pass's own units and the limit status in the words My
passes uses (``rules.standing``), the last valid day (``rules.dates``), and links to book
(the sessions page of each programme the pass covers, and My passes), to renew (the
product's page while it is live and on sale) and to turn the reminders off.
"""

from __future__ import annotations

import datetime as dt
import logging

from ..models import MemberPass, PassStatus, RenewWhen
from ..presentation import local_today
from ..rules.dates import format_weekday
from ..rules.periods import uses_in_period
from ..rules.reminders import days_left, ends_when, limit_left, summary, what_is_left
from ..rules.standing import standing
from ..rules.types import ENTRIES
from .base_url import absolute_url, page_url
from .catalogue import programmes_covered
from .facts import load_redemptions, nearby_range, state_of, terms_of

logger = logging.getLogger(__name__)

#: How many programmes the email links to; a pass valid everywhere links to My passes.
MAX_BOOK_LINKS = 5

#: Standing codes whose words replace the limit's ("Weekly limit reached ...").
STATUS_CODES = ("period_limit", "on_hold", "not_started")


def reminder_context(member, context: dict) -> dict | None:
    """The template context of the reminder for ``context["member_pass_id"]``, judged on
    ``context["today"]`` (the run's day, ISO); None when the pass is gone or over by now,
    and then nothing is sent."""
    member_pass = (
        MemberPass.objects.filter(pk=context.get("member_pass_id"), member=member)
        .select_related("product")
        .first()
    )
    if (
        member_pass is None
        or member_pass.valid_until is None
        or member_pass.status not in (PassStatus.ACTIVE, PassStatus.ON_HOLD)
    ):
        logger.info("Not sending an expiry reminder: pass %s is gone or over", context)
        return None
    today = dt.date.fromisoformat(context["today"]) if context.get("today") else local_today()
    left = what_is_left(member_pass.kind, member_pass.balance, member_pass.currency)
    valid_until = format_weekday(member_pass.valid_until)
    status = limit_status(member_pass, today)
    renews = member_pass.auto_renew and member_pass.renew_when != RenewWhen.USED_UP
    return {
        **context,
        "member_pass": member_pass,
        "title": member_pass.title,
        "left": left,
        "valid_until": valid_until,
        "limit_status": status,
        "summary": summary(left, valid_until, status),
        "ends_when": ends_when(days_left(member_pass.valid_until, today)),
        "renews": renews,
        "renews_when_used_up": member_pass.auto_renew and not renews,
        "book_links": book_links(member_pass),
        "my_passes_url": absolute_url("wagtail_passes:my_passes"),
        "renew_url": "" if renews else renew_url(member_pass),
        "settings_url": absolute_url("wagtail_passes:member_settings"),
    }


def limit_status(member_pass: MemberPass, today: dt.date) -> str:
    """The limit (or hold) status on ``today``: My passes' words when the pass is held
    back ("Weekly limit reached (2 of 2): available again on Monday, ..."), else what the
    period still allows ("weekly limit 2 — 1 left this week"); "" without a limit."""
    redemptions = load_redemptions([member_pass.pk], *nearby_range(today)).get(member_pass.pk, [])
    terms = terms_of(member_pass)
    today_standing = standing(terms, state_of(member_pass, redemptions), today)
    if today_standing.code in STATUS_CODES:
        return today_standing.message
    if terms.period_limit is None or member_pass.period_max_uses is None:
        return ""
    used = uses_in_period(terms.period_limit, today, redemptions)
    # An entry pays one place: fewer entries than the period allows is what is left.
    cap = int(member_pass.balance) if member_pass.kind == ENTRIES else None
    return limit_left(terms.period_limit, member_pass.period_max_uses, used, cap)


def book_links(member_pass: MemberPass) -> list[tuple[str, str]]:
    """(name, absolute URL) of the sessions page of each programme the pass covers, by
    name; [] when it covers every programme or the app's URLs are missing."""
    if not (member_pass.programme_ids or member_pass.class_ids):
        return []
    links = []
    for name, slug in programmes_covered([member_pass], MAX_BOOK_LINKS)[member_pass.pk]:
        url = absolute_url("wagtail_passes:programme_sessions", slug=slug)
        if url:
            links.append((name, url))
    return links


def renew_url(member_pass: MemberPass) -> str:
    """The product's page while it is live and on sale, else ""."""
    page = member_pass.product
    if page is None or not page.live:
        return ""
    product = page.specific
    if not hasattr(product, "on_sale") or not product.on_sale():
        return ""
    return page_url(product)
