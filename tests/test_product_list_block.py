"""The product list block: chosen passes and credit packs, validated in ``clean`` and
rendered for visitors (A2: only live products still sold)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from tests.page_types import BasePage
from wagtail_passes.blocks import ProductChooserBlock, ProductListBlock
from wagtail_passes.products import registry
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
    sell,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def block():
    return ProductListBlock()


@pytest.fixture
def index():
    return ProductIndexPageFactory()


def value(block, *pages, heading="Our passes"):
    return block.to_python({"heading": heading, "products": [page.pk for page in pages]})


def render(block, val):
    request = RequestFactory().get("/")
    return block.render(val, context={"request": request})


def products_error(excinfo) -> ListBlockValidationError:
    error = excinfo.value
    assert isinstance(error, StructBlockValidationError)
    assert set(error.block_errors) == {"products"}
    inner = error.block_errors["products"]
    assert isinstance(inner, ListBlockValidationError)
    return inner


# ---- clean ------------------------------------------------------------------------------


def test_chooser_offers_only_product_page_types():
    chooser = ProductChooserBlock()
    assert set(chooser.target_models) == set(registry.product_models())
    _, _, kwargs = chooser.deconstruct()
    assert "page_type" not in kwargs  # migrations stay the same whatever the site's pages


def test_clean_accepts_products(block, index):
    ten = PassPageFactory(parent=index, title="Ten classes")
    credits = CreditPackPageFactory(parent=index)
    cleaned = block.clean(value(block, ten, credits))
    assert [page.pk for page in cleaned["products"]] == [ten.pk, credits.pk]
    assert cleaned["heading"] == "Our passes"


def test_clean_needs_at_least_one_product(block):
    with pytest.raises(StructBlockValidationError) as excinfo:
        block.clean(value(block))
    inner = products_error(excinfo)
    assert list(inner.non_block_errors) == ["Choose at least one product."]


def test_clean_refuses_duplicates(block, index):
    ten = PassPageFactory(parent=index)
    other = PassPageFactory(parent=index)
    with pytest.raises(StructBlockValidationError) as excinfo:
        block.clean(value(block, ten, other, ten))
    inner = products_error(excinfo)
    assert set(inner.block_errors) == {2}
    assert inner.block_errors[2].message == "This product is already in the list."
    assert inner.block_errors[2].code == "duplicate"


def test_clean_refuses_pages_that_are_not_products(block, index):
    ten = PassPageFactory(parent=index)
    with pytest.raises(StructBlockValidationError) as excinfo:
        block.clean(value(block, index, ten))
    inner = products_error(excinfo)
    assert set(inner.block_errors) == {0}
    assert inner.block_errors[0].code == "not_a_product"
    assert "pass or credit pack" in inner.block_errors[0].message


def test_clean_errors_serialise_like_wagtails(block, index):
    with pytest.raises(StructBlockValidationError) as excinfo:
        block.clean(value(block, index, index))
    errors = excinfo.value.as_json_data()["blockErrors"]["products"]["blockErrors"]
    assert errors[0] == {"messages": ["Choose a pass or credit pack page; this page is not one."]}
    assert set(errors) == {0, 1}


def test_clean_defers_the_minimum_for_drafts(block):
    if not hasattr(block, "defer_required_validation"):
        pytest.skip("Wagtail before 7.4 has no deferred validation")
    block.defer_required_validation()
    try:
        cleaned = block.clean(value(block))
    finally:
        block.restore_deferred_validation()
    assert list(cleaned["products"]) == []
    with pytest.raises(StructBlockValidationError):
        block.clean(value(block))


# ---- render -----------------------------------------------------------------------------


def test_render_shows_products_with_words_price_and_buy(block, index):
    ten = PassPageFactory(parent=index, title="Ten classes", price=Decimal("90.00"))
    credits = CreditPackPageFactory(parent=index, title="Twenty credits", price=Decimal("0"))
    html = render(block, value(block, credits, ten))
    assert "<h2" in html and "Our passes" in html
    assert html.index("Twenty credits") < html.index("Ten classes")  # the editor's order
    assert ten.summary() in html
    assert "€90.00" in html
    assert "Free" in html
    assert f'href="/passes/checkout/{ten.pk}/"' in html
    assert "Buy Ten classes" in html
    assert ten.url in html


def test_render_skips_products_no_longer_available(block, index):
    live = PassPageFactory(parent=index, title="Still sold")
    draft = PassPageFactory(parent=index, title="Unpublished one")
    draft.unpublish()
    archived = PassPageFactory(parent=index, title="Archived one", is_archived=True)
    ended = PassPageFactory(
        parent=index, title="Sale over", sale_ends_at=timezone.now() - dt.timedelta(days=1)
    )
    gone = PassPageFactory(parent=index, title="Deleted one")
    val = value(block, live, draft, archived, ended, gone)
    gone.delete()
    html = render(block, val)
    assert "Still sold" in html
    for title in ("Unpublished one", "Archived one", "Sale over", "Deleted one"):
        assert title not in html


def test_render_says_why_a_product_cannot_be_bought_yet(block, index):
    sold_out = PassPageFactory(parent=index, title="Last ones", stock_limit=5)
    sell(sold_out, 5)
    html = render(block, value(block, sold_out))
    assert "Sold out." in html
    assert "/passes/checkout/" not in html


def test_render_nothing_when_nothing_left(block, index):
    archived = PassPageFactory(parent=index, is_archived=True)
    assert render(block, value(block, archived)).strip() == ""


def test_render_without_heading_uses_h2_for_products(block, index):
    ten = PassPageFactory(parent=index, title="Ten classes")
    html = render(block, value(block, ten, heading=""))
    assert '<h2 class="wp-card__title">' in html


def queries_to_render(block, val) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        render(block, val)
    return len(captured)


def test_render_queries_constant_in_number_of_products(block, index):
    one = [PassPageFactory(parent=index), CreditPackPageFactory(parent=index)]
    many = one + [PassPageFactory(parent=index, stock_limit=50) for _ in range(8)]
    many += [CreditPackPageFactory(parent=index) for _ in range(5)]
    few_queries = queries_to_render(block, value(block, *one))
    many_queries = queries_to_render(block, value(block, *many))
    assert many_queries <= few_queries + 1  # + the stock of limited products
    assert many_queries <= 12


def test_base_page_is_refused(block):
    root = BasePage.objects.filter(depth=2).first()
    with pytest.raises(StructBlockValidationError):
        block.clean(value(block, root))
