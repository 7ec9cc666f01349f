"""The one-time tokens of the admin's money forms (issue 17, item 14; ``admin/once.py``):
the request that sends a form claims its token here before it calls the service.

The claim is a row under a unique token (``FormToken``), so the database decides: of two
requests sending the same form at the same instant, even to two server processes, exactly
one gets it. Nothing else is written, and nothing is locked.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import FormToken
from ..models.form_tokens import KEEP_FOR, TOKEN_MAX_LENGTH


def claim_form_token(token: str) -> bool:
    """Whether this request may use ``token``: True for the first to ask, False for every
    later one (until the token is released or tidied away, after ``KEEP_FOR``)."""
    token = str(token or "")
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return False
    FormToken.objects.filter(used_at__lt=timezone.now() - KEEP_FOR).delete()
    try:
        with transaction.atomic():  # a savepoint, should the caller be in a transaction
            FormToken.objects.create(token=token)
    except IntegrityError:
        return False
    return True


def release_form_token(token: str) -> None:
    """Give a claim back: the request failed without an answer (an unexpected error), so
    the form may be sent again."""
    FormToken.objects.filter(token=str(token or "")).delete()
