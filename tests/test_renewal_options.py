"""Renewal options are stored on products for the renewal issue to use (N1, N2)."""

from decimal import Decimal

import pytest

from tests.page_types import PassPage
from wagtail_passes.models import RenewWhen
from wagtail_passes.test.factories import PassPageFactory

pytestmark = pytest.mark.django_db


def test_n1_n2_renewal_options_are_stored_and_validated_with_the_product():
    product = PassPageFactory(
        kind="unlimited",
        quantity=None,
        duration_days=30,
        price=Decimal("60.00"),
        allow_auto_renew=True,
        renew_when=RenewWhen.EXPIRED,
        commitment_payments=3,
    )
    product.full_clean()
    stored = PassPage.objects.get(pk=product.pk)
    assert (stored.allow_auto_renew, stored.renew_when, stored.commitment_payments) == (
        True,
        RenewWhen.EXPIRED,
        3,
    )


def test_n1_renewal_option_survives_a_published_revision():
    product = PassPageFactory(allow_auto_renew=False)
    product.allow_auto_renew, product.renew_when = True, RenewWhen.USED_UP
    product.save_revision().publish()
    stored = PassPage.objects.get(pk=product.pk)
    assert stored.allow_auto_renew and stored.renew_when == RenewWhen.USED_UP
