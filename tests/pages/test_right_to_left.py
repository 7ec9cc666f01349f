"""Right to left (bakerydemo ships Arabic): a product page renders in Arabic with the money in
Arabic's own format, and the app's stylesheet never pins anything to the left or the right
(logical properties only, so the page mirrors by itself under dir="rtl")."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

import wagtail_passes
from wagtail_passes.test.factories import PassPageFactory

STYLESHEET = Path(wagtail_passes.__file__).parent / "static/wagtail_passes/css/passes.css"
NBSP = "\N{NO-BREAK SPACE}"
RLM = "\N{RIGHT-TO-LEFT MARK}"


@pytest.mark.django_db
def test_a6_a_product_page_in_arabic_renders_with_arabic_money(client):
    page = PassPageFactory(price=Decimal("90.00"), currency="EUR")

    with translation.override("ar"):
        response = client.get(page.url)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.html["lang"] == "ar"
    assert soup.select_one(".wp-passes .wp-product__title").get_text(strip=True) == page.title
    price = soup.select_one(".wp-facts__price .wp-money")
    assert price.get_text() == f"{RLM}90.00{NBSP}€"


def test_the_stylesheet_uses_no_physical_left_or_right():
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.DOTALL)
    physical = [line.strip() for line in css.splitlines() if re.search(r"\b(left|right)\b", line)]
    assert not physical, (
        "use logical properties (margin-inline-start, inset-inline-end, text-align: start) "
        f"so right-to-left pages mirror: {physical}"
    )
