"""Model instances in words, the same way on pages, in the admin, in emails and in refusal
messages: the one module outside ``rules`` that reads models for ``rules.dates`` and
``rules.describe``, which hold all the wording and formatting.

Moments are shown in the site's time zone (``WAGTAIL_PASSES_TIME_ZONE``), in the active
language's formats. Nothing here decides anything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import passes_settings
from .rules import dates, describe
from .rules.dates import (
    format_day,
    format_month,
    format_short_day,
    format_time_of_day,
    format_weekday,
    format_weekday_names,
)
from .rules.describe import EMPTY
from .rules.types import CANCELLED

__all__ = [
    "EMPTY",
    "format_day",
    "format_month",
    "format_short_day",
    "format_time_of_day",
    "format_weekday",
    "format_weekday_names",
]

# ---- dates and times in the site's time zone ---------------------------------------


def local(moment: dt.datetime) -> dt.datetime:
    """``moment`` on the site's wall clock."""
    return dates.local_moment(moment, passes_settings.tzinfo)


def local_day(moment: dt.datetime | None) -> dt.date | None:
    """The site's calendar day of ``moment`` (V5)."""
    if moment is None:
        return None
    return dates.local_date(moment, passes_settings.tzinfo)


def local_today() -> dt.date:
    """Today in the site's time zone (V5): the day statuses are judged on."""
    return local_day(timezone.now())


def format_time(moment: dt.datetime) -> str:
    """ "18:30"."""
    return dates.format_time(moment, passes_settings.tzinfo)


def format_moment(moment: dt.datetime) -> str:
    """ "9 March 2027, 18:30"."""
    return dates.format_moment(moment, passes_settings.tzinfo)


def format_weekday_moment(moment: dt.datetime) -> str:
    """ "Tuesday, 9 March 2027, 18:30"."""
    return dates.format_weekday_moment(moment, passes_settings.tzinfo)


def format_short_moment(moment: dt.datetime) -> str:
    """ "Tue, 9 Mar 2027, 18:30", for list columns."""
    return dates.format_short_moment(moment, passes_settings.tzinfo)


def format_brief_moment(moment: dt.datetime) -> str:
    """ "9 Mar, 18:30", for email subjects."""
    return dates.format_brief_moment(moment, passes_settings.tzinfo)


def format_session_time(session) -> str:
    """ "Yoga Flow, 9 March 2027, 18:30"."""
    return f"{session.programme_class.name}, {format_moment(session.start)}"


def person(user) -> str:
    """A user as staff recognise them: "Ann Lee (ann)", or the username alone."""
    if user is None:
        return EMPTY
    username = user.get_username()
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return f"{full_name} ({username})" if full_name and full_name != username else username


def short_person(user) -> str:
    """A user by their full name, else their username: "Maya Lind"."""
    if user is None:
        return EMPTY
    full_name = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full_name or user.get_username()


# ---- who attends and who pays (F2) --------------------------------------------------


def is_dependant(someone) -> bool:
    """``someone`` is a household's dependant (a Person not the account holder)."""
    return not getattr(someone, "is_holder", True) and bool(someone.name)


def person_name(someone, account=None) -> str:
    """Who a service acted for, as staff recognise them: a dependant's name; the account
    holder (a holder's Person, or a user meaning themself) as ``person`` writes their
    account ("Maya Lind (maya)")."""
    if is_dependant(someone):
        return someone.name
    if account is None:
        account = someone.account if hasattr(someone, "is_holder") else someone
    return person(account)


def attending(row) -> str:
    """F2: who attends a booking, holds a pass, waits or is registered (``row.person``,
    loaded with the row): a dependant's name, or the account holder themself."""
    return person_name(_person_of(row), row.member)


def attending_and_payer(row) -> str:
    """F2: "Leo (paid by Maya Lind)" for a dependant; the account holder alone otherwise."""
    someone = _person_of(row)
    if is_dependant(someone):
        return _("%(name)s (paid by %(payer)s)") % {
            "name": someone.name,
            "payer": short_person(row.member),
        }
    return person(row.member)


def _person_of(row):
    return row.person if getattr(row, "person_id", None) is not None else None


# ---- a member pass in words (``rules.describe``) ------------------------------------


def pass_balance(member_pass) -> str:
    """ "7 of 10 entries", "Unlimited", "£32.50"."""
    return describe.balance(
        member_pass.kind, member_pass.balance, member_pass.quantity, member_pass.currency
    )


def pass_issued_with(member_pass) -> str:
    return describe.issued_with(member_pass.kind, member_pass.quantity, member_pass.currency)


def pass_valid_until(member_pass, *, short: bool = False) -> str:
    """The last valid day, or "No expiry" / "Starts at first use" / "Starts when paid"."""
    return describe.last_valid_day(
        member_pass.valid_until,
        basis=member_pass.validity_basis,
        duration_days=member_pass.duration_days or 0,
        valid_from=member_pass.valid_from,
        short=short,
    )


def pass_valid_from(member_pass) -> str:
    return describe.first_valid_day(
        member_pass.valid_from,
        basis=member_pass.validity_basis,
        duration_days=member_pass.duration_days or 0,
    )


def pass_validity_rule(member_pass) -> str:
    return describe.validity_rule(
        member_pass.validity_basis,
        member_pass.duration_days or 0,
        member_pass.fixed_start,
        member_pass.fixed_end,
    )


def pass_usage_limit(member_pass) -> str:
    return describe.usage_limit(member_pass.period_limit, member_pass.period_max_uses)


def pass_coverage(member_pass) -> str:
    """U2 in full, with the names of the programmes and classes the pass still finds."""
    from .models import Programme, ProgrammeClass  # models import this module

    programme_ids, class_ids = member_pass.programme_ids, member_pass.class_ids
    programmes = Programme.objects.filter(pk__in=programme_ids).order_by("name")
    classes = (
        ProgrammeClass.objects.filter(pk__in=class_ids)
        .select_related("programme")
        .order_by("programme__name", "name")
    )
    return describe.coverage_in_full(
        [str(programme) for programme in programmes] if programme_ids else [],
        [f"{c.programme} – {c}" for c in classes] if class_ids else [],
        limited=bool(programme_ids or class_ids),
    )


def pass_attendees(member_pass) -> str:
    return describe.attendees_rule(member_pass.allows_additional_attendees)


def pass_movement(member_pass, amount: Decimal) -> str:
    """A ledger amount of the pass with its sign: "+10", "-€12.00"."""
    return describe.signed_amount(member_pass.kind, amount, member_pass.currency)


def pass_balance_after(member_pass, value: Decimal) -> str:
    return describe.balance_after(member_pass.kind, value, member_pass.currency)


def pass_with_balance(member_pass) -> str:
    """ "Ten classes (7 of 10 entries)", to choose a pass by."""
    return f"{member_pass.title} ({pass_balance(member_pass)})"


def ledger_row(entry, member_pass, about: str) -> dict:
    """One row of a ledger table (``admin/includes/ledger_table.html``); ``about`` fills
    the column that says what the movement concerns (its session, or its pass)."""
    return {
        "pk": entry.pk,
        "when": format_short_moment(entry.created_at),
        "movement": entry.get_kind_display(),
        "amount": pass_movement(member_pass, entry.amount),
        "balance_after": pass_balance_after(member_pass, entry.balance_after),
        "about": about,
        "who": person(entry.created_by),
        "why": entry.reason or EMPTY,
    }


def pass_end_reason(member_pass) -> str:
    """Why an expired or cancelled pass cannot pay any more (R4)."""
    return describe.why_ended(member_pass.status == CANCELLED, member_pass.valid_until)


#: Payment provider code -> how members and staff read it (unknown codes as they are).
PROVIDERS = {
    "manual": _("Bank transfer or pay at the venue"),
    "stripe": _("Card (Stripe)"),
    "free": _("Free"),
}


def provider_text(code: str) -> str:
    """ "manual" -> "Bank transfer or pay at the venue"."""
    return str(PROVIDERS.get(code, code)) if code else EMPTY
