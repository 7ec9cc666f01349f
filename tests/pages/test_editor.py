"""The product page editor: where products can be created, the tabs, the kinds each page type
offers, and every refusal of ``ProductMixin.clean()`` shown next to its field."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.models import Site
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, querydict_from_html, streamfield

from tests.page_types import BasePage, CreditPackPage, HomePage, PassPage, ProductIndexPage
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
)

from . import add_url, form_errors, product_form_data, publish

# Where products can be created, and creating each kind ---------------------------------------


def edit_data_with_body(test, page):
    """The editor's form as rendered, plus the body StreamField, which the editor renders
    with JavaScript (so it is not in the HTML ``assertPageIsEditable`` would read)."""
    if not hasattr(test, "_body_editor"):
        test._body_editor = test.create_superuser("body-editor")
    test.client.force_login(test._body_editor)
    html = test.client.get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).content.decode()
    test.client.logout()
    data = querydict_from_html(html, form_id="page-edit-form")
    data.update(nested_form_data({"body": streamfield([])}))
    data["action-publish"] = ""
    return data


class ProductCreationTests(WagtailPageTestCase):
    def setUp(self):
        self.login()
        self.index = ProductIndexPageFactory()

    def test_products_are_created_only_under_an_index_page(self):
        self.assertCanCreateAt(ProductIndexPage, PassPage)
        self.assertCanCreateAt(ProductIndexPage, CreditPackPage)
        self.assertCanCreateAt(BasePage, ProductIndexPage)
        for parent in (BasePage, HomePage, PassPage, CreditPackPage):
            self.assertCanNotCreateAt(parent, PassPage)
            self.assertCanNotCreateAt(parent, CreditPackPage)
        self.assertAllowedSubpageTypes(ProductIndexPage, {PassPage, CreditPackPage})
        self.assertAllowedParentPageTypes(PassPage, {ProductIndexPage})
        self.assertAllowedParentPageTypes(CreditPackPage, {ProductIndexPage})

    def test_k1_entry_pass_can_be_created(self):
        self.assertCanCreate(self.index, PassPage, product_form_data())
        page = PassPage.objects.get(slug="10-class-pass")
        assert (page.kind, page.quantity, page.duration_days) == ("entries", Decimal(10), 90)
        assert page.live

    def test_k2_unlimited_pass_can_be_created(self):
        data = product_form_data(
            title="Unlimited month",
            slug="unlimited-month",
            kind="unlimited",
            quantity="",
            validity_basis="purchase",
            duration_days="30",
        )
        self.assertCanCreate(self.index, PassPage, data)
        assert PassPage.objects.get(slug="unlimited-month").quantity is None

    def test_k3_day_pass_with_fixed_dates_can_be_created(self):
        data = product_form_data(
            title="3-day pass",
            slug="3-day-pass",
            kind="days",
            quantity="3",
            validity_basis="fixed",
            duration_days="0",
            fixed_start="2027-01-01",
            fixed_end="2027-03-31",
        )
        self.assertCanCreate(self.index, PassPage, data)
        assert PassPage.objects.get(slug="3-day-pass").kind == "days"

    def test_k4_credit_pack_can_be_created(self):
        data = product_form_data(
            title="Credit pack 20", slug="credit-pack-20", kind="credits", quantity="20"
        )
        self.assertCanCreate(self.index, CreditPackPage, data)
        assert CreditPackPage.objects.get(slug="credit-pack-20").quantity == 20

    def test_k5_money_credit_can_be_created(self):
        data = product_form_data(
            title="Studio credit",
            slug="studio-credit",
            kind="money",
            quantity="50.00",
            currency="GBP",
            price="45.00",
        )
        self.assertCanCreate(self.index, CreditPackPage, data)
        page = CreditPackPage.objects.get(slug="studio-credit")
        assert (page.kind, page.quantity, page.currency) == ("money", Decimal(50), "GBP")

    def test_product_pages_render_preview_and_edit(self):
        pass_page = PassPageFactory(parent=self.index, slug="ten")
        pack = CreditPackPageFactory(parent=self.index, slug="pack", kind="money")
        for page in (self.index, pass_page, pack):
            self.assertPageIsRenderable(page)
            self.assertPageIsEditable(page, post_data=edit_data_with_body(self, page))
            self.assertPageIsPreviewable(page, post_data=edit_data_with_body(self, page))

    def test_k6_free_trial_with_coverage_can_be_created(self):
        yoga = ProgrammeFactory(name="Yoga")
        flow = ProgrammeClassFactory(name="Flow")
        data = product_form_data(
            title="Trial class",
            slug="trial-class",
            quantity="1",
            price="0",
            buyer_restriction="new_joiners",
            programmes=[yoga.pk],
            classes=[flow.pk],
        )
        self.assertCanCreate(self.index, PassPage, data)
        page = PassPage.objects.get(slug="trial-class")
        assert page.price == 0
        assert list(page.programmes.all()) == [yoga]
        assert list(page.classes.all()) == [flow]


# The editor form -----------------------------------------------------------------------------


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def index(db):
    return ProductIndexPageFactory()


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.django_db
def test_editor_has_the_product_tabs(admin, index):
    response = admin.get(add_url(PassPage, index))

    assert response.status_code == 200
    tabs = [next(tab.stripped_strings) for tab in soup_of(response).select('[role="tab"]')]
    assert tabs[:5] == ["Content", "What it gives", "Validity & limits", "Selling", "Renewal"]
    assert "Promote" in tabs


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, kinds",
    [(PassPage, ["entries", "unlimited", "days"]), (CreditPackPage, ["credits", "money"])],
)
def test_k1_to_k5_each_page_type_offers_only_its_kinds(admin, index, model, kinds):
    response = admin.get(add_url(model, index))

    offered = [radio["value"] for radio in soup_of(response).select('input[name="kind"]')]
    assert offered == kinds


@pytest.mark.django_db
def test_k4_pass_page_refuses_kind_credits(admin, index):
    response = admin.post(add_url(PassPage, index), publish(product_form_data(kind="credits")))

    errors = form_errors(response)
    assert "kind" in errors
    assert not PassPage.objects.exists()


@pytest.mark.django_db
def test_k1_credit_pack_page_refuses_kind_entries(admin, index):
    response = admin.post(
        add_url(CreditPackPage, index), publish(product_form_data(kind="entries"))
    )

    assert "kind" in form_errors(response)
    assert not CreditPackPage.objects.exists()


@pytest.mark.django_db
def test_editor_shows_an_existing_product(admin):
    page = PassPageFactory(title="Ten", period_limit="week", period_max_uses=2)

    response = admin.get(reverse("wagtailadmin_pages:edit", args=(page.pk,)))

    assert response.status_code == 200
    assert soup_of(response).select_one('input[name="kind"][value="entries"]').has_attr("checked")


# Every refusal is shown next to its field ------------------------------------------------------

REFUSALS = {
    "k2_unlimited_without_time_frame": (
        {"kind": "unlimited", "quantity": "", "validity_basis": "purchase", "duration_days": "0"},
        "duration_days",
        "An unlimited pass needs a time frame",
    ),
    "k2_unlimited_with_a_number_of_entries": (
        {"kind": "unlimited", "quantity": "10"},
        "quantity",
        "An unlimited pass has no number of entries.",
    ),
    "k1_entries_without_quantity": (
        {"quantity": ""},
        "quantity",
        "Say how many entries, days or credits, or the amount.",
    ),
    "k1_fractional_entries": (
        {"quantity": "2.5"},
        "quantity",
        "Enter a whole number of at least 1.",
    ),
    "k5_money_credit_of_nothing": (
        {"kind": "money", "quantity": "0"},
        "quantity",
        "Enter an amount greater than 0.",
    ),
    "v4_fixed_dates_missing": (
        {"validity_basis": "fixed", "fixed_start": "2027-01-01", "fixed_end": ""},
        "fixed_end",
        "Fixed-dates validity needs both a start and an end date.",
    ),
    "v4_fixed_dates_reversed": (
        {"validity_basis": "fixed", "fixed_start": "2027-03-31", "fixed_end": "2027-01-01"},
        "fixed_end",
        "The end date must not be before the start date.",
    ),
    "a3_pro_rata_without_fixed_dates": (
        {"pro_rata": True, "pro_rata_from": "2027-01-01", "pro_rata_minimum_price": "10"},
        "pro_rata",
        "Pro-rata pricing needs fixed validity dates.",
    ),
    "a3_pro_rata_without_full_price_date": (
        {
            "validity_basis": "fixed",
            "fixed_start": "2027-01-01",
            "fixed_end": "2027-03-31",
            "pro_rata": True,
            "pro_rata_minimum_price": "10",
        },
        "pro_rata_from",
        "Say until which date the full price applies.",
    ),
    "a3_pro_rata_without_minimum": (
        {
            "validity_basis": "fixed",
            "fixed_start": "2027-01-01",
            "fixed_end": "2027-03-31",
            "pro_rata": True,
            "pro_rata_from": "2027-01-15",
        },
        "pro_rata_minimum_price",
        "Set the lowest price pro-rata may reach.",
    ),
    "a3_pro_rata_from_outside_the_dates": (
        {
            "validity_basis": "fixed",
            "fixed_start": "2027-01-01",
            "fixed_end": "2027-03-31",
            "pro_rata": True,
            "pro_rata_from": "2027-06-01",
            "pro_rata_minimum_price": "10",
        },
        "pro_rata_from",
        "This date must lie within the validity dates.",
    ),
    "a3_pro_rata_minimum_above_price": (
        {
            "validity_basis": "fixed",
            "fixed_start": "2027-01-01",
            "fixed_end": "2027-03-31",
            "pro_rata": True,
            "pro_rata_from": "2027-01-15",
            "pro_rata_minimum_price": "100",
        },
        "pro_rata_minimum_price",
        "The minimum cannot exceed the price.",
    ),
    "a6_negative_price": (
        {"price": "-1.00"},
        "price",
        "Ensure this value is greater than or equal to 0.",
    ),
    "a6_negative_quantity": (
        {"kind": "money", "quantity": "-5"},
        "quantity",
        "Ensure this value is greater than or equal to 0.",
    ),
    "a6_jpy_cents": (
        {"currency": "JPY", "price": "1000.50"},
        "price",
        "JPY has no fractional units; enter a whole amount.",
    ),
    "a6_jpy_cents_in_the_minimum_price": (
        {
            "currency": "JPY",
            "price": "10000",
            "validity_basis": "fixed",
            "fixed_start": "2027-01-01",
            "fixed_end": "2027-03-31",
            "pro_rata": True,
            "pro_rata_from": "2027-01-15",
            "pro_rata_minimum_price": "500.50",
        },
        "pro_rata_minimum_price",
        "JPY has no fractional units; enter a whole amount.",
    ),
    "u1_period_limit_without_max": (
        {"period_limit": "week", "period_max_uses": ""},
        "period_max_uses",
        "Say how many uses the period allows.",
    ),
    "u1_max_without_period": (
        {"period_limit": "", "period_max_uses": "2"},
        "period_limit",
        "Choose the period the limit applies to.",
    ),
    "a2_sale_ends_before_it_starts": (
        {"sale_starts_at": "2027-03-01 09:00", "sale_ends_at": "2027-02-01 09:00"},
        "sale_ends_at",
        "The end of the sale must be after its start.",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", REFUSALS, ids=[f"test_{name}" for name in REFUSALS])
def test_invalid_product_refused_with_the_error_next_to_its_field(admin, index, case):
    changes, field, message = REFUSALS[case]
    model = CreditPackPage if changes.get("kind") in ("credits", "money") else PassPage

    response = admin.post(add_url(model, index), publish(product_form_data(**changes)))

    errors = form_errors(response)
    assert list(errors) == [field], errors
    assert any(message in error for error in errors[field]), errors
    assert message in response.content.decode()
    assert not model.objects.exists()


@pytest.mark.django_db
def test_k2_unlimited_without_time_frame_refused_in_editor(admin, index):
    changes, field, message = REFUSALS["k2_unlimited_without_time_frame"]

    response = admin.post(add_url(PassPage, index), publish(product_form_data(**changes)))

    assert form_errors(response) == {field: [f"{message}: a duration in days or fixed dates."]}


@pytest.mark.django_db
def test_k2_unlimited_with_fixed_dates_is_accepted(admin, index):
    data = product_form_data(
        kind="unlimited",
        quantity="",
        validity_basis="fixed",
        duration_days="0",
        fixed_start="2027-01-01",
        fixed_end="2027-06-30",
    )

    response = admin.post(add_url(PassPage, index), publish(data))

    assert response.status_code == 302
    assert PassPage.objects.get().kind == "unlimited"


@pytest.mark.django_db
def test_a3_pro_rata_with_fixed_dates_is_accepted(admin, index):
    data = product_form_data(
        validity_basis="fixed",
        fixed_start="2027-01-01",
        fixed_end="2027-03-31",
        pro_rata=True,
        pro_rata_from="2027-01-15",
        pro_rata_minimum_price="20.00",
    )

    response = admin.post(add_url(PassPage, index), publish(data))

    assert response.status_code == 302
    assert PassPage.objects.get().pro_rata


@pytest.mark.django_db
def test_u5_required_product_must_be_a_product(admin, index):
    home = Site.objects.get(is_default_site=True).root_page

    response = admin.post(
        add_url(PassPage, index), publish(product_form_data(required_product=str(home.pk)))
    )

    assert "required_product" in form_errors(response)
    product = PassPageFactory(parent=index, slug="membership")
    response = admin.post(
        add_url(PassPage, index),
        publish(product_form_data(slug="member-pass", required_product=str(product.pk))),
    )
    assert response.status_code == 302
    assert PassPage.objects.get(slug="member-pass").required_product_id == product.pk
