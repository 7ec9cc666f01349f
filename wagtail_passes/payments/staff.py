"""Telling staff about card money that needs a person: a refund Stripe refused or that
failed later, a payment that cannot be refunded automatically.

Three places, all from the transaction that found the problem:

- the order's history in Wagtail's audit log (the admin's order page and Reports → Site
  history), with an entry staff can filter on;
- the error log (``wagtail_passes.payments``, level ERROR), as for every other payment
  problem;
- an email to the site's ``MANAGERS`` (Django's ``mail_managers``), sent once the
  transaction commits; nothing is sent when ``MANAGERS`` is empty, and a failing mail
  server never undoes what was recorded.
"""

from __future__ import annotations

import logging

from django.core.mail import mail_managers
from django.db import transaction
from django.utils.translation import gettext as _

from .. import audit

logger = logging.getLogger("wagtail_passes.payments")

PAYMENT_FAILED = "wagtail_passes.order.payment_failed"
REFUND_FAILED = "wagtail_passes.order.refund_failed"
REFUND_NEEDED = "wagtail_passes.order.refund_needed"


def tell_staff(order, action: str, message: str, **data) -> None:
    """Record ``message`` in ``order``'s history (``action``), log it as an error and email
    it to the site's managers once the transaction commits."""
    audit.log_action(order, action, None, message, **data)
    logger.error("wagtail_passes: %s %s", message, data)
    subject = _("Order %(reference)s needs your attention") % {"reference": order.reference}
    body = str(message)

    def send():
        try:
            mail_managers(subject, body)
        except Exception:  # a failing mail server must not break the caller
            logger.exception("Telling the managers about order %s failed", order.reference)

    transaction.on_commit(send)
