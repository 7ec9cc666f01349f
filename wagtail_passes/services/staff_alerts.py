"""Telling staff about money that needs a person.

Four places, all from the transaction that found the problem:

- the order's history in Wagtail's audit log (the admin's order page and Reports → Site
  history), with an entry staff can filter on;
- "Payments needing attention" (``PaymentIssue``), open until the money is settled: the
  system closes an issue when the refund it asked for succeeds (``resolve_issues``), staff
  close one with a note (``resolve_issue``, audited on the order);
- the error log (``wagtail_passes.payments``, level ERROR);
- an email to the site's ``MANAGERS`` (Django's ``mail_managers``), sent once the
  transaction commits; nothing is sent when ``MANAGERS`` is empty, and a failing mail
  server never undoes what was recorded.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.mail import mail_managers
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit
from ..exceptions import CheckoutError
from ..models import IssueKind, Order, PaymentIssue
from .permissions import MANAGE_ORDERS, require_staff

logger = logging.getLogger("wagtail_passes.payments")

PAYMENT_FAILED = "wagtail_passes.order.payment_failed"
REFUND_FAILED = "wagtail_passes.order.refund_failed"
REFUND_NEEDED = "wagtail_passes.order.refund_needed"
MONEY_PROBLEM = "wagtail_passes.order.money_problem"
ISSUE_RESOLVED = "wagtail_passes.order.issue_resolved"
#: The longest note staff keep with a resolved issue (``PaymentIssue.resolution``).
RESOLUTION_MAX_LENGTH = 500


def tell_staff(
    order,
    action: str,
    message: str,
    *,
    kind: str | None = None,
    payment=None,
    refund=None,
    amount: Decimal | None = None,
    **data,
) -> PaymentIssue | None:
    """Record ``message`` in ``order``'s history (``action``), log it as an error, email it
    to the site's managers once the transaction commits and, with ``kind`` (an
    ``IssueKind``), list it under "Payments needing attention"."""
    audit.log_action(order, action, None, message, **data)
    logger.error("wagtail_passes: %s %s", message, data)
    issue = None
    if kind is not None:
        issue = PaymentIssue.objects.create(
            order=order,
            payment=payment,
            refund=refund,
            kind=kind,
            amount=amount,
            currency=order.currency if amount is not None else "",
            message=str(message),
        )
    subject = _("Order %(reference)s needs your attention") % {"reference": order.reference}
    body = str(message)

    def send():
        try:
            mail_managers(subject, body)
        except Exception:  # a failing mail server must not break the caller
            logger.exception("Telling the managers about order %s failed", order.reference)

    transaction.on_commit(send)
    return issue


def resolve_issues(*, refund=None, payment=None, kinds=None, resolution: str, by=None) -> int:
    """Close the open issues about ``refund`` (or ``payment``): the money they were about
    is settled. Returns how many were closed."""
    issues = PaymentIssue.objects.open()
    if refund is not None:
        issues = issues.filter(refund=refund)
    if payment is not None:
        issues = issues.filter(payment=payment)
    if kinds is not None:
        issues = issues.filter(kind__in=kinds)
    return issues.update(
        resolved_at=timezone.now(),
        resolved_by=by if getattr(by, "is_authenticated", False) else None,
        resolution=str(resolution)[:500],
    )


def count_open_issues() -> int:
    """How many payments need attention now (one query)."""
    return PaymentIssue.objects.open().count()


def resolve_issue(issue, by, note: str) -> PaymentIssue:
    """Staff looked at a payment needing attention and settled it (refunded by hand, asked
    the member, checked with the provider): the issue is closed with their ``note``, and
    the order's history says so.

    Refusals (``CheckoutError`` codes, nothing written): ``not_allowed`` (``by`` may not
    manage orders), ``note_required`` (an empty note), ``note_too_long`` and
    ``issue_resolved`` (resolved already, by staff or by the system)."""
    require_staff(by, MANAGE_ORDERS, CheckoutError)
    note = str(note or "").strip()
    if not note:
        raise CheckoutError(_("Say what was done about it, in a few words."), code="note_required")
    if len(note) > RESOLUTION_MAX_LENGTH:
        raise CheckoutError(
            _("Keep the note under %(max)d characters.") % {"max": RESOLUTION_MAX_LENGTH},
            code="note_too_long",
        )
    pk = getattr(issue, "pk", issue)
    with transaction.atomic():
        # The order's row first (the lock order of every money service), then the issue.
        order_id = PaymentIssue.objects.values_list("order_id", flat=True).get(pk=pk)
        order = Order.objects.select_for_update().get(pk=order_id)
        issue = PaymentIssue.objects.select_for_update().get(pk=pk)
        if not issue.is_open:
            raise CheckoutError(_("This problem was resolved already."), code="issue_resolved")
        issue.resolved_at = timezone.now()
        issue.resolved_by = by if getattr(by, "is_authenticated", False) else None
        issue.resolution = note
        issue.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit.log_action(
            order,
            ISSUE_RESOLVED,
            by,
            _("Order %(reference)s: “%(problem)s” resolved: %(note)s")
            % {
                "reference": order.reference,
                "problem": issue.get_kind_display(),
                "note": note,
            },
            issue=issue.pk,
            kind=issue.kind,
            note=note,
        )
    return issue


__all__ = [
    "ISSUE_RESOLVED",
    "IssueKind",
    "MONEY_PROBLEM",
    "PAYMENT_FAILED",
    "REFUND_FAILED",
    "REFUND_NEEDED",
    "count_open_issues",
    "resolve_issue",
    "resolve_issues",
    "tell_staff",
]
