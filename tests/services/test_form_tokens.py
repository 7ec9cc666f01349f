"""The claim of an admin form's one-time token (issue 17, item 14): the database lets one
request have it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from wagtail_passes.models import FormToken
from wagtail_passes.models.form_tokens import KEEP_FOR
from wagtail_passes.services.form_tokens import claim_form_token, release_form_token

pytestmark = pytest.mark.django_db


def test_c4_a_token_is_claimed_once():
    assert claim_form_token("a" * 32) is True
    assert claim_form_token("a" * 32) is False
    assert claim_form_token("b" * 32) is True


@pytest.mark.parametrize("token", ["", None, "x" * 65])
def test_c4_no_token_or_one_too_long_is_never_claimed(token):
    assert claim_form_token(token) is False
    assert not FormToken.objects.exists()


def test_c4_a_released_claim_may_be_claimed_again():
    assert claim_form_token("a" * 32)
    release_form_token("a" * 32)
    assert claim_form_token("a" * 32)


def test_c4_claims_are_tidied_away_after_a_while():
    claim_form_token("old" * 10)
    with time_machine.travel(timezone.now() + KEEP_FOR + dt.timedelta(minutes=1)):
        claim_form_token("new" * 10)
    assert list(FormToken.objects.values_list("token", flat=True)) == ["new" * 10]
