"""Classes in the admin: the stand-alone form and the list of effective values."""

from decimal import Decimal

import pytest

from wagtail_passes.models import ProgrammeClass
from wagtail_passes.test.factories import LinkPoolFactory, ProgrammeClassFactory, ProgrammeFactory

from . import admin_url, assert_refused, listed, row_cells

pytestmark = pytest.mark.django_db

CREATE_URL = admin_url("programmeclass", "create")
INDEX_URL = admin_url("programmeclass", "index")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def class_data(programme, **overrides):
    data = {
        "programme": str(programme.pk),
        "name": "Flow",
        "description": "",
        "unit_price": "",
        "capacity": "",
        "credit_cost": "1",
        "location": "Studio 1",
        "instructor": "",
        "link_pool": "",
    }
    data.update(overrides)
    return data


def test_superuser_creates_a_class_in_a_pool_of_its_programme(admin):
    programme = ProgrammeFactory()
    pool = LinkPoolFactory(programme=programme)

    response = admin.post(
        CREATE_URL, class_data(programme, unit_price="20.00", link_pool=str(pool.pk))
    )

    assert response.status_code == 302
    created = ProgrammeClass.objects.get()
    assert (created.programme, created.link_pool, created.unit_price) == (
        programme,
        pool,
        Decimal("20.00"),
    )


def test_pool_of_another_programme_is_refused_next_to_the_field(admin):
    programme = ProgrammeFactory()
    foreign_pool = LinkPoolFactory()

    response = admin.post(CREATE_URL, class_data(programme, link_pool=str(foreign_pool.pk)))

    assert_refused(response, "link_pool", "This pool belongs to another programme")
    assert not ProgrammeClass.objects.exists()


def test_moving_a_pooled_class_to_another_programme_is_refused(admin):
    pool = LinkPoolFactory()
    existing = ProgrammeClassFactory(programme=pool.programme, link_pool=pool)
    other = ProgrammeFactory()

    response = admin.post(
        admin_url("programmeclass", "edit", existing.pk),
        class_data(other, name=existing.name, link_pool=str(pool.pk)),
    )

    assert_refused(response, "link_pool", "This pool belongs to another programme")
    existing.refresh_from_db()
    assert existing.programme == pool.programme


@pytest.mark.parametrize(
    ("currency", "overrides", "field", "message"),
    [
        ("JPY", {"unit_price": "10.50"}, "unit_price", "JPY has no fractional units"),
        ("EUR", {"unit_price": "-5.00"}, "unit_price", "greater than or equal to 0"),
        ("EUR", {"capacity": "-1"}, "capacity", "greater than or equal to 1"),
        ("EUR", {"credit_cost": "0"}, "credit_cost", "greater than or equal to 1"),
    ],
    ids=["jpy-with-cents", "negative-price", "negative-capacity", "zero-credits"],
)
def test_bad_class_values_are_refused_next_to_the_field(admin, currency, overrides, field, message):
    programme = ProgrammeFactory(currency=currency, default_unit_price=Decimal("1000"))

    response = admin.post(CREATE_URL, class_data(programme, **overrides))

    assert_refused(response, field, message)
    assert not ProgrammeClass.objects.exists()


def test_pool_choices_name_their_programme(admin):
    pool = LinkPoolFactory(name="Mat", programme__name="Yoga")

    response = admin.get(CREATE_URL)

    assert f'<option value="{pool.pk}">Yoga – Mat</option>' in response.content.decode()


def test_list_shows_effective_price_and_capacity(admin):
    programme = ProgrammeFactory(
        name="Yoga", default_unit_price=Decimal("12.00"), default_capacity=10
    )
    pool = LinkPoolFactory(programme=programme, name="Mat")
    inherits = ProgrammeClassFactory(programme=programme, name="Flow", link_pool=pool)
    overrides = ProgrammeClassFactory(
        programme=programme, name="Yin", unit_price=Decimal("8.00"), capacity=4
    )

    response = admin.get(INDEX_URL)

    assert row_cells(response, inherits)[:5] == ["Flow", "Yoga", "€12.00", "10", "Mat"]
    assert row_cells(response, overrides)[:5] == ["Yin", "Yoga", "€8.00", "4", "-"]


def test_list_filters_by_programme_and_searches(admin):
    yoga = ProgrammeClassFactory(name="Flow", programme__name="Yoga")
    climbing = ProgrammeClassFactory(name="Bouldering", programme__name="Climbing")

    by_programme = admin.get(INDEX_URL, {"programme__id__exact": climbing.programme_id})
    by_search = admin.get(INDEX_URL, {"q": "flow"})

    assert listed(by_programme) == [climbing]
    assert listed(by_search) == [yoga]
