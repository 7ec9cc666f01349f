"""Shared set-up for the renewal tests: products that renew, passes bought on a given
local day, and the clock moved to a local moment (Europe/London, the test site's zone)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import time_machine

from wagtail_passes import services
from wagtail_passes.models import RenewWhen, ValidityBasis
from wagtail_passes.test.factories import PassPageFactory, UserFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")


def local(y, m, d, hour=12, minute=0):
    return dt.datetime(y, m, d, hour, minute, tzinfo=LONDON)


def at(moment):
    return time_machine.travel(moment, tick=False)


def renewing_product(**fields):
    values = {
        "kind": "entries",
        "quantity": Decimal(10),
        "validity_basis": ValidityBasis.PURCHASE,
        "duration_days": 30,
        "price": Decimal("50.00"),
        "allow_auto_renew": True,
        "renew_when": RenewWhen.EXPIRED,
        **fields,
    }
    return PassPageFactory(**values)


def renewing_pass(product=None, *, bought=None, member=None, auto_renew=True, **fields):
    """A paid pass of ``product`` bought at ``bought`` (a local moment), set to renew."""
    product = product or renewing_product(**fields)
    bought = bought or local(2027, 1, 1)
    with at(bought):
        return services.issue_member_pass(
            member or UserFactory(), product, paid=True, auto_renew=auto_renew
        )
