"""The daily job's renewals (N1): create each renewal order when it is due, then charge the
member's saved card for it, with bounded retries.

1. **Ordering.** For each pass that renews and is due (``renewals.renewal_due_on`` on or
   before today) and has no ``Renewal`` yet: under the pass's lock, an order is placed
   through ``services.orders.place_order`` — the checkout's own path, so the price is the
   product's price then (A3, A6), the product must still be live and on sale (A2), the
   stock is counted (A1) and who may buy it is decided again (U5, and A2's page privacy:
   a member no longer in a group the page is restricted to no longer renews it; a page
   password is not asked again, the holder entered it to buy). The member accepted the
   product's terms when they bought the renewing pass and opted into renewing it: the
   renewal order records the terms in force as accepted under that agreement (A5). A
   private offer's access code (U6) is not asked again. The ``Renewal`` row (one per pass,
   a database constraint) records the order and the new pass's first day; it is written
   with the order (``place_order(renews=...)``), before the order issues any pass (a free
   renewal is paid at once, a P4 one issues its pass unpaid), so that pass always
   continues the chain. When the order
   cannot be placed (or the product no longer allows renewing), the pass stops renewing (so
   the job does not try every day), the member is emailed why, staff are told and the
   pass's history says so. An unexpected error on one pass is logged and the job goes on.
2. **Charging.** A renewal whose member has a saved card is charged off-session through
   ``gateway.charge_saved_card`` (the card provider; paid money goes through
   ``payment_state.receive_payment``). Each
   attempt is counted *before* the charge, under the renewal's row lock, so two jobs never
   charge the same attempt; at most ``RENEWAL_CHARGE_ATTEMPTS`` tries,
   ``RENEWAL_RETRY_HOURS`` apart. A card needing authentication (SCA) is not retried
   off-session. On the first failure the member is emailed a link to pay the order and
   staff are told. Without a saved card the member is emailed the pay link when the
   order is created. A renewal whose pass no longer renews or was cancelled (refunded,
   written off) is never charged: cancelling a pass cancels its renewal order as well
   (``renewals.stop_renewal_of_finished``), and the charge re-checks both under the lock.

The order stays pending (and expires as any bank-transfer order, C5) until paid by any path;
paying it issues the pass that continues the chain (``order_passes.issue_line_passes``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.mail import mail_managers
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..conf import passes_settings
from ..exceptions import CheckoutError, PassesError
from ..models import (
    MemberPass,
    OrderState,
    PassStatus,
    Renewal,
    RenewWhen,
)
from ..presentation import local_today
from ..products.visibility import password_restrictions
from . import gateway
from .lock_waits import BUSY
from .locking import lock_member_pass
from .notifications import email_on_commit
from .orders import place_order
from .profiles import profile_of
from .renewals import (
    DAYS_AFTER_LAST_USE,
    DAYS_BEFORE_EXPIRY,
    expired_unused,
    renewal_due_on,
)
from .staff_alerts import PAYMENT_FAILED, tell_staff

logger = logging.getLogger("wagtail_passes.renewals")

ORDERED = "wagtail_passes.pass.renewal_ordered"
REFUSED = "wagtail_passes.pass.renewal_refused"
CHARGE = "wagtail_passes.order.renewal_charge"

#: The outcomes of charging a saved card (``gateway.charge_saved_card``).
PAID, DECLINED = gateway.CHARGE_PAID, gateway.CHARGE_DECLINED
NO_CARD, UNAVAILABLE = gateway.CHARGE_NO_CARD, gateway.CHARGE_UNAVAILABLE
SCA = gateway.CHARGE_AUTHENTICATION_REQUIRED

#: A job that did not run for a while (a server down over a weekend) still renews passes
#: this many days late; older ones are left alone rather than sell a period mostly gone.
MAX_DAYS_LATE = 7

#: A daily job starts at about the same time each day, a little earlier or later: a retry
#: due within this much of the run is tried now, not a whole day later.
CLOCK_SLACK = dt.timedelta(hours=1)

RENEWAL_ORDER_EMAIL = "renewal_order"
RENEWAL_FAILED_EMAIL = "renewal_payment_failed"
RENEWAL_REFUSED_EMAIL = "renewal_refused"


@dataclass
class RenewalReport:
    today: dt.date
    ordered: list[int] = field(default_factory=list)  # passes renewed (an order created)
    refused: list[int] = field(default_factory=list)  # passes that could not renew
    charged: list[int] = field(default_factory=list)  # renewals paid by a saved card
    charge_failed: list[int] = field(default_factory=list)  # renewals whose charge failed
    failed: list[int] = field(default_factory=list)  # passes whose renewal broke (logged)

    def summary(self) -> str:
        return (
            f"{len(self.ordered)} renewal orders, {len(self.refused)} renewals refused, "
            f"{len(self.charged)} renewals charged, {len(self.charge_failed)} charges failed"
            + (f", {len(self.failed)} renewal errors (see the log)" if self.failed else "")
        )


@dataclass(frozen=True)
class _Outcome:
    status: str
    message: str = ""


def due_passes(today: dt.date):
    """Passes that may be due (``renewal_due_on`` decides): renewing, not renewed yet."""
    late = dt.timedelta(days=MAX_DAYS_LATE)
    before, after = dt.timedelta(days=DAYS_BEFORE_EXPIRY), dt.timedelta(days=DAYS_AFTER_LAST_USE)
    expiring = Q(
        renew_when=RenewWhen.EXPIRED,
        valid_until__lte=today + before,
        valid_until__gte=today + before - late,
    )
    used_up = Q(
        renew_when=RenewWhen.USED_UP,
        balance__lte=0,
        last_use_day__lte=today - after,
        last_use_day__gte=today - after - late,
    )
    return (
        MemberPass.objects.filter(auto_renew=True, renewal__isnull=True)
        .exclude(status=PassStatus.CANCELLED)
        .filter(expiring | used_up)
        .order_by("pk")
    )


def _is_due(member_pass: MemberPass, today: dt.date) -> bool:
    due = renewal_due_on(member_pass)
    if due is None or due > today or (today - due).days > MAX_DAYS_LATE:
        return False
    return not expired_unused(member_pass)


def _has_saved_card(member) -> bool:
    profile = profile_of(member)
    return profile is not None and profile.has_saved_card


def _stop(member_pass: MemberPass, error: PassesError, report: RenewalReport) -> None:
    """The renewal order cannot be placed: the pass stops renewing, everyone is told."""
    member_pass.auto_renew = False
    member_pass.save(update_fields=["auto_renew"])
    message = _("Could not renew “%(title)s”: %(reason)s") % {
        "title": member_pass.title,
        "reason": error.message,
    }
    log_action(member_pass, REFUSED, None, message, code=error.code)
    email_on_commit(
        RENEWAL_REFUSED_EMAIL,
        member_pass.member,
        title=member_pass.title,
        reason=str(error.message),
    )
    logger.warning("wagtail_passes: %s (pass %s)", message, member_pass.pk)
    subject = _("A pass could not renew")
    body = f"{message}\n{member_pass.member} (pass {member_pass.pk})"

    def send():
        try:
            mail_managers(subject, body)
        except Exception:  # a failing mail server must not break the job
            logger.exception("Telling the managers about pass %s failed", member_pass.pk)

    transaction.on_commit(send)
    report.refused.append(member_pass.pk)


def renew_pass(pk: int, today: dt.date, now: dt.datetime, report: RenewalReport) -> None:
    """Create the renewal order of one pass, when it is still due under its lock."""
    with transaction.atomic():
        member_pass = lock_member_pass(pk)
        if not _is_due(member_pass, today) or Renewal.objects.filter(member_pass=pk).exists():
            return  # another run renewed it, or it changed since the list was read
        product = member_pass.product.specific if member_pass.product_id else None
        try:
            if product is None:
                raise CheckoutError(_("The product no longer exists."), code="no_such_product")
            if not product.allow_auto_renew:  # staff switched renewing off for the product
                raise CheckoutError(
                    _("“%(title)s” no longer renews automatically.") % {"title": product.title},
                    code="renewal_not_offered",
                )
            order = place_order(
                member_pass.person,  # F1: the renewal is the same person's
                product,
                accepted_terms=True,
                access_code=product.access_code,
                # A2: the holder entered the page's password when they bought it.
                passed_view_restrictions=password_restrictions(product),
                now=now,
                notify=False,
                auto_renew=True,
                renews=member_pass,  # the Renewal is recorded before any pass is issued
            )
        except CheckoutError as error:
            if error.code == BUSY:  # rows locked by others: the next run tries again
                raise
            _stop(member_pass, error, report)
            return
        card = _has_saved_card(member_pass.member)
        if card and order.state == OrderState.PENDING:  # a free renewal is paid already
            Renewal.objects.filter(order=order).update(next_charge_at=now)
        log_action(
            member_pass,
            ORDERED,
            None,
            _("Renewal order %(reference)s created") % {"reference": order.reference},
            order=order.reference,
        )
        email_on_commit(
            RENEWAL_ORDER_EMAIL,
            member_pass.member,
            order=order,
            title=member_pass.title,
            card=card,
        )
    report.ordered.append(pk)


def _charge(order, attempt: int) -> _Outcome:
    """``charge_saved_card(order, attempt)`` (the attempt keys Stripe's idempotency); an
    error counts as "unavailable" (the member can still pay from the link)."""
    try:
        outcome = gateway.charge_saved_card(order, attempt)
    except Exception:  # the job goes on with the next renewal
        logger.exception("Charging the saved card for order %s failed", order.reference)
        return _Outcome(UNAVAILABLE, _("The card payment could not be attempted."))
    return _Outcome(str(outcome.status), str(getattr(outcome, "message", "") or ""))


def _claim_attempt(pk: int, now: dt.datetime) -> Renewal | None:
    """Count one charge attempt under the renewal's lock, before charging, so two jobs
    never charge the same attempt; None when there is nothing to try."""
    with transaction.atomic():
        renewal = (
            Renewal.objects.select_for_update(of=("self",))
            .select_related("order", "member_pass")
            .get(pk=pk)
        )
        limit = passes_settings.RENEWAL_CHARGE_ATTEMPTS
        due = renewal.next_charge_at is not None and renewal.next_charge_at <= now + CLOCK_SLACK
        # A renewal stopped, or whose pass was cancelled, is never charged (N1).
        stopped = (
            not renewal.member_pass.auto_renew or renewal.member_pass.status == PassStatus.CANCELLED
        )
        if (
            renewal.order.state != OrderState.PENDING
            or stopped
            or not due
            or renewal.charge_attempts >= limit
        ):
            return None
        renewal.charge_attempts += 1
        more = renewal.charge_attempts < limit
        hours = passes_settings.RENEWAL_RETRY_HOURS
        renewal.next_charge_at = now + dt.timedelta(hours=hours) if more else None
        renewal.save(update_fields=["charge_attempts", "next_charge_at"])
    return renewal


def _record_failure(renewal: Renewal, outcome: _Outcome, report: RenewalReport) -> None:
    with transaction.atomic():
        retry = outcome.status in (DECLINED, UNAVAILABLE)
        updates = {"last_charge_error": (outcome.message or outcome.status)[:500]}
        if not retry:  # SCA needs the member; no card: nothing to charge
            updates["next_charge_at"] = None
        Renewal.objects.filter(pk=renewal.pk).update(**updates)
        order = renewal.order
        log_action(
            order,
            CHARGE,
            None,
            _("Saved card not charged for order %(reference)s (attempt %(n)d): %(why)s")
            % {"reference": order.reference, "n": renewal.charge_attempts, "why": outcome.status},
            outcome=outcome.status,
            attempt=renewal.charge_attempts,
        )
        if renewal.charge_attempts == 1:  # once per renewal: the link does not change
            email_on_commit(
                RENEWAL_FAILED_EMAIL,
                order.member,
                order=order,
                title=renewal.member_pass.title,
                needs_authentication=outcome.status == SCA,
                reason=outcome.message,
            )
            if outcome.status != NO_CARD:
                tell_staff(
                    order,
                    PAYMENT_FAILED,
                    _("The saved card for renewal order %(reference)s was not charged: %(why)s")
                    % {"reference": order.reference, "why": outcome.message or outcome.status},
                    outcome=outcome.status,
                )
    report.charge_failed.append(renewal.pk)


def charge_due(now: dt.datetime, report: RenewalReport) -> None:
    """Try the saved card of every pending renewal whose next attempt is due."""
    pending = (
        Renewal.objects.filter(
            # A renewal stopped since its order was created, or whose pass was cancelled
            # (refunded, written off), is not charged; ``_claim_attempt`` decides again.
            member_pass__auto_renew=True,
            order__state=OrderState.PENDING,
            next_charge_at__lte=now + CLOCK_SLACK,
            charge_attempts__lt=passes_settings.RENEWAL_CHARGE_ATTEMPTS,
        )
        .exclude(member_pass__status=PassStatus.CANCELLED)
        .order_by("pk")
    )
    for pk in pending.values_list("pk", flat=True):
        renewal = _claim_attempt(pk, now)
        if renewal is None:
            continue
        if not _has_saved_card(renewal.order.member):
            outcome = _Outcome(NO_CARD, _("No saved card."))
        else:
            outcome = _charge(renewal.order, renewal.charge_attempts)
        if outcome.status == PAID:
            report.charged.append(renewal.pk)
        else:
            _record_failure(renewal, outcome, report)


def run_renewals(today: dt.date | None = None, *, now: dt.datetime | None = None) -> RenewalReport:
    """N1: create the renewal orders due on ``today`` (default: the site's today) and charge
    saved cards. Idempotent: run twice, it creates and charges nothing more."""
    if today is not None and (not isinstance(today, dt.date) or isinstance(today, dt.datetime)):
        raise PassesError("run_renewals takes a date (or None for today).", code="invalid_date")
    now = now or timezone.now()
    today = today or local_today()
    report = RenewalReport(today=today)
    for pk in due_passes(today).values_list("pk", flat=True):
        try:
            renew_pass(pk, today, now, report)
        except Exception:  # one broken pass must not stop every other renewal; it is logged
            logger.exception("Renewing member pass %s failed", pk)
            report.failed.append(pk)
    charge_due(now, report)
    return report
