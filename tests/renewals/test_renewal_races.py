"""N1 on PostgreSQL with real threads: two daily jobs at once create one renewal order."""

import pytest

from wagtail_passes.models import Order, Renewal
from wagtail_passes.services.renewals import run_renewals

from ..concurrency.conftest import concurrently  # noqa: F401 (the fixture)
from .helpers import at, local, renewing_pass

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_n1_two_daily_jobs_at_once_create_one_renewal_and_one_order(concurrently):  # noqa: F811
    for _round in range(3):
        mp = renewing_pass(bought=local(2027, 1, 1))

        def job():
            with at(local(2027, 1, 29, 4)):
                return run_renewals().ordered

        results = concurrently(job, [(), (), ()])
        assert [kind for kind, _value in results] == ["ok"] * 3, results
        assert sorted(value for _kind, value in results) == [[], [], [mp.pk]]
        assert Renewal.objects.filter(member_pass=mp).count() == 1
        assert Order.objects.filter(member=mp.member).count() == 1
