"""Products attached to a programme as mandatory or optional (P9), in the programme's admin
form ("Classes & linking" tab)."""

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Site

from tests.admin import admin_url, edit_form_data
from wagtail_passes.models import ProgrammeProduct
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

TWICE = "This product is already attached to the programme."


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def programme():
    return ProgrammeFactory(name="Swim Club Season")


@pytest.fixture
def index():
    return ProductIndexPageFactory()


@pytest.fixture
def season(index):
    return PassPageFactory(parent=index, title="Swim season pass", slug="season")


@pytest.fixture
def pack(index):
    return CreditPackPageFactory(parent=index, title="Credit pack 20", slug="pack")


def edit_url(programme):
    return admin_url("programme", "edit", programme.pk)


def post_products(admin, programme, rows):
    """Post the programme's edit form as rendered, with the products inline set to ``rows``:
    dicts of ``product`` (a page or None), ``role``, and for saved rows ``id``/``DELETE``."""
    data = edit_form_data(admin.get(edit_url(programme)))
    initial = sum(1 for row in rows if row.get("id"))
    data["products-TOTAL_FORMS"] = str(len(rows))
    data["products-INITIAL_FORMS"] = str(initial)
    for i, row in enumerate(rows):
        product = row.get("product")
        data[f"products-{i}-id"] = str(row.get("id") or "")
        data[f"products-{i}-product"] = str(product.pk) if product else ""
        data[f"products-{i}-role"] = row.get("role", "optional")
        if row.get("DELETE"):
            data[f"products-{i}-DELETE"] = "1"
    return admin.post(edit_url(programme), data)


def attached(programme):
    return sorted(
        (link.product.title, link.role)
        for link in ProgrammeProduct.objects.filter(programme=programme)
    )


def test_p9_products_inline_is_on_the_classes_and_linking_tab(admin, programme):
    response = admin.get(edit_url(programme))

    soup = BeautifulSoup(response.content, "html.parser")
    tab = soup.find(id="tab-classes_linking")
    assert tab.select_one('input[name="products-TOTAL_FORMS"]') is not None
    assert "Products" in tab.get_text()


def test_p9_attach_mandatory_and_optional_products(admin, programme, season, pack):
    response = post_products(
        admin,
        programme,
        [{"product": season, "role": "mandatory"}, {"product": pack, "role": "optional"}],
    )

    assert response.status_code == 302
    assert attached(programme) == [
        ("Credit pack 20", "optional"),
        ("Swim season pass", "mandatory"),
    ]


def test_p9_same_product_twice_refused(admin, programme, season):
    response = post_products(
        admin,
        programme,
        [{"product": season, "role": "mandatory"}, {"product": season, "role": "optional"}],
    )

    assert response.status_code == 200
    assert TWICE in response.content.decode()
    assert "A product can be attached to a programme only once" in response.content.decode()
    assert attached(programme) == []


def test_p9_product_already_attached_refused_again(admin, programme, season):
    link = ProgrammeProduct.objects.create(programme=programme, product=season, role="mandatory")

    response = post_products(
        admin,
        programme,
        [
            {"id": link.pk, "product": season, "role": "mandatory"},
            {"product": season, "role": "optional"},
        ],
    )

    assert response.status_code == 200
    assert TWICE in response.content.decode()
    assert attached(programme) == [("Swim season pass", "mandatory")]


def test_p9_role_can_be_changed(admin, programme, season):
    link = ProgrammeProduct.objects.create(programme=programme, product=season, role="mandatory")

    response = post_products(admin, programme, [{"id": link.pk, "product": season}])

    assert response.status_code == 302
    assert attached(programme) == [("Swim season pass", "optional")]


def test_p9_removing_and_re_adding_a_product_in_one_save_works(admin, programme, season):
    link = ProgrammeProduct.objects.create(programme=programme, product=season, role="mandatory")

    response = post_products(
        admin,
        programme,
        [
            {"id": link.pk, "product": season, "role": "mandatory", "DELETE": True},
            {"product": season, "role": "optional"},
        ],
    )

    assert response.status_code == 302
    assert attached(programme) == [("Swim season pass", "optional")]


def test_p9_swapping_products_between_saved_rows_is_refused_not_a_500(
    admin, programme, season, pack
):
    first = ProgrammeProduct.objects.create(programme=programme, product=season, role="mandatory")
    second = ProgrammeProduct.objects.create(programme=programme, product=pack, role="optional")

    response = post_products(
        admin,
        programme,
        [
            {"id": first.pk, "product": pack, "role": "mandatory"},
            {"id": second.pk, "product": season, "role": "optional"},
        ],
    )

    assert response.status_code == 200
    assert "change the roles instead of swapping products" in response.content.decode()
    assert attached(programme) == [
        ("Credit pack 20", "optional"),
        ("Swim season pass", "mandatory"),
    ]


def test_p9_only_product_pages_can_be_attached(admin, programme, index):
    home = Site.objects.get(is_default_site=True).root_page

    for page in (home, index):
        response = post_products(admin, programme, [{"product": page, "role": "optional"}])
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    assert attached(programme) == []


def test_p9_a_form_without_the_products_inline_leaves_them_alone(admin, programme, season):
    ProgrammeProduct.objects.create(programme=programme, product=season, role="mandatory")
    data = edit_form_data(admin.get(edit_url(programme)), name="Swim Club")
    for key in [key for key in data if key.startswith("products-")]:
        del data[key]

    response = admin.post(edit_url(programme), data)

    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.name == "Swim Club"
    assert attached(programme) == [("Swim season pass", "mandatory")]
