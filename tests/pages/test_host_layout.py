"""The public pages inside a host site's own base template that has only
``{% block content %}`` (shaped like wagtail/bakerydemo's: no ``extra_css`` block): the
stylesheet is loaded once from inside the content, everything sits in the ``.passes``
wrapper, and the host's header and breadcrumbs stay around it."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template
from django.urls import reverse
from wagtail.blocks import StreamValue

from tests.host_layout import host_layout
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
    UserFactory,
)

STYLESHEET = "/static/wagtail_passes/css/passes.css"

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def inside_the_host_base():
    with host_layout():
        yield


def visit(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def words(element):
    return " ".join(element.stripped_strings)


def assert_at_home(soup, *, breadcrumbs=True):
    """The host's layout around one ``.passes`` wrapper holding the stylesheet."""
    header = soup.select_one("body > header.site-header")
    assert header is not None and header.select_one("nav a[href='/breads/']") is not None
    assert soup.select_one("body > footer.site-footer") is not None
    assert not soup.head.select("link[rel=stylesheet]")  # the host's head is untouched

    main = soup.select_one("body > main#main-content")
    wrappers = soup.select(".wp-passes")
    assert len(wrappers) == 1
    wrapper = wrappers[0]
    assert wrapper.parent is main
    assert wrapper.name == "div"

    links = soup.select("link[rel=stylesheet]")
    assert [link["href"] for link in links] == [STYLESHEET]
    assert wrapper in links[0].parents

    if breadcrumbs:
        trail = soup.select_one("nav[aria-label=Breadcrumb] ol.breadcrumbs")
        assert trail is not None
        # the trail comes before the content, outside the wrapper
        assert trail.find_next("main") is main
        assert wrapper not in trail.parents
    return wrapper


def test_product_page_renders_inside_the_host_base(client):
    index = ProductIndexPageFactory(title="Passes")
    product = PassPageFactory(parent=index, title="10-class pass", price=Decimal("90.00"))

    soup = visit(client, product.url)

    wrapper = assert_at_home(soup)
    assert words(wrapper.select_one("h1")) == "10-class pass"
    assert words(wrapper.select_one(".wp-facts__price")) == "€90.00"
    buy = wrapper.select_one("a.wp-button")
    assert buy["href"] == reverse("wagtail_passes:checkout", args=(product.pk,))
    assert words(buy) == "Buy 10-class pass"
    crumbs = [words(li) for li in soup.select(".breadcrumbs li")]
    assert crumbs[-2:] == ["Passes", "10-class pass"]
    assert soup.title.get_text(strip=True) == "10-class pass - The Wagtail Bakery"


def test_index_page_renders_inside_the_host_base(client):
    index = ProductIndexPageFactory(title="Passes", intro="<p>Our offers.</p>")
    PassPageFactory(parent=index, title="10-class pass", price=Decimal("90.00"))
    CreditPackPageFactory(parent=index, title="Credit pack 20", price=Decimal("150.00"))

    soup = visit(client, index.url)

    wrapper = assert_at_home(soup)
    assert words(wrapper.select_one("h1")) == "Passes"
    assert words(wrapper.select_one(".wp-index__intro")) == "Our offers."
    cards = wrapper.select(".wp-card")
    assert [words(card.select_one(".wp-card__title")) for card in cards] == [
        "10-class pass",
        "Credit pack 20",
    ]
    assert [words(card.select_one(".wp-facts__price")) for card in cards] == [
        "€90.00",
        "€150.00",
    ]


def test_checkout_renders_inside_the_host_base(client):
    product = PassPageFactory(title="10-class pass", price=Decimal("90.00"))
    client.force_login(UserFactory())

    soup = visit(client, reverse("wagtail_passes:checkout", args=(product.pk,)))

    wrapper = assert_at_home(soup, breadcrumbs=False)
    assert words(wrapper.select_one("h1")) == "Buy 10-class pass"
    assert wrapper.select_one(".wp-lines a")["href"] == product.url
    assert words(wrapper.select_one(".wp-checkout__total")) == "€90.00"
    assert soup.title.get_text(strip=True).startswith("Buy 10-class pass")


def test_my_orders_renders_inside_the_host_base(client):
    client.force_login(UserFactory())

    wrapper = assert_at_home(visit(client, reverse("wagtail_passes:orders")), breadcrumbs=False)

    assert words(wrapper.select_one("h1")) == "My orders"


def with_body(page, html):
    if not any(field.name == "body" for field in page._meta.get_fields()):
        pytest.skip(f"{type(page).__name__} has no body")
    page.body = StreamValue(page.body.stream_block, [("paragraph", html)], is_lazy=False)
    page.save_revision().publish()
    return page


def test_product_page_shows_its_body_after_the_offer(client):
    product = with_body(PassPageFactory(title="10-class pass"), "<p>Mats are provided.</p>")

    wrapper = assert_at_home(visit(client, product.url))

    body = wrapper.select_one(".wp-body")
    assert words(body) == "Mats are provided."
    assert body.find_previous(class_="wp-buy") is not None  # after the Buy section


def test_index_page_shows_its_body_after_the_intro(client):
    index = with_body(
        ProductIndexPageFactory(title="Passes", intro="<p>Our offers.</p>"),
        "<p>Ask at the desk.</p>",
    )

    wrapper = assert_at_home(visit(client, index.url))

    body = wrapper.select_one(".wp-body")
    assert words(body) == "Ask at the desk."
    assert body.find_previous(class_="wp-index__intro") is not None


def test_no_body_no_body_element(client):
    product = PassPageFactory(title="10-class pass")

    assert visit(client, product.url).select_one(".wp-body") is None


def test_stylesheet_tag_emits_the_link_once_per_rendering():
    template = Template(
        "{% load passes_tags %}<div class='passes'>{% passes_stylesheet %}"
        "{% passes_stylesheet %}{% with x=1 %}{% passes_stylesheet %}{% endwith %}</div>"
    )

    html = template.render(Context())

    assert html.count("<link") == 1
    assert f'<link rel="stylesheet" href="{STYLESHEET}">' in html
    assert template.render(Context()).count("<link") == 1  # again in a new rendering
