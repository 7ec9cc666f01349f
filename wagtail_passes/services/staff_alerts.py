"""Telling staff about money that needs a person.

Four places, all from the transaction that found the problem:

- the order's history in Wagtail's audit log (the admin's order page and Reports → Site
  history), with an entry staff can filter on;
- "Payments needing attention" (``PaymentIssue``), open until the money is settled;
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
from ..models import IssueKind, PaymentIssue

logger = logging.getLogger("wagtail_passes.payments")

PAYMENT_FAILED = "wagtail_passes.order.payment_failed"
REFUND_FAILED = "wagtail_passes.order.refund_failed"
REFUND_NEEDED = "wagtail_passes.order.refund_needed"
MONEY_PROBLEM = "wagtail_passes.order.money_problem"


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


__all__ = [
    "IssueKind",
    "MONEY_PROBLEM",
    "PAYMENT_FAILED",
    "REFUND_FAILED",
    "REFUND_NEEDED",
    "resolve_issues",
    "tell_staff",
]
