"""The public product page (PassPage and CreditPackPage share one template): the plain-words
summary of each kind, today's price, availability and the Buy button."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    sell,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# A swim season: 1 April to 30 September 2027 (183 days), full price until 1 May.
SEASON = {
    "validity_basis": "fixed",
    "fixed_start": dt.date(2027, 4, 1),
    "fixed_end": dt.date(2027, 9, 30),
    "pro_rata": True,
    "pro_rata_from": dt.date(2027, 5, 1),
    "pro_rata_minimum_price": Decimal("60.00"),
    "price": Decimal("183.00"),
    "currency": "GBP",
}


def at(year, month, day, hour=12, minute=0, tz=LONDON):
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.fixture
def frozen(time_machine):
    """Freeze the clock (``frozen(at(2027, 3, 1))``)."""

    def freeze(moment):
        time_machine.move_to(moment, tick=False)

    freeze(at(2027, 3, 1))
    return freeze


def visit(client, page):
    response = client.get(page.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text(soup, selector):
    element = soup.select_one(selector)
    return " ".join(element.stripped_strings) if element else None


def buy_link(soup):
    return soup.select_one("a.wp-button")


def availability(soup):
    return soup.select_one("[data-availability]")["data-availability"]


# What it gives, in plain words -------------------------------------------------------------


def test_k1_entry_pass_page_shows_title_intro_and_summary(client, frozen):
    yoga = ProgrammeFactory(name="Yoga")
    page = PassPageFactory(
        title="10-class pass",
        intro="<p>Ten classes at a better price.</p>",
        kind="entries",
        quantity=Decimal(10),
        validity_basis="first_use",
        duration_days=90,
        period_limit="week",
        period_max_uses=2,
        programmes=[yoga],
    )

    soup = visit(client, page)

    assert text(soup, "h1") == "10-class pass"
    assert soup.title.string == "10-class pass"
    assert text(soup, ".wp-product__intro") == "Ten classes at a better price."
    assert text(soup, ".wp-facts__summary") == (
        "10 entries, valid 90 days from first use, max 2 per week, for Yoga"
    )


def test_k2_unlimited_pass_summary(client, frozen):
    page = PassPageFactory(kind="unlimited", quantity=None, duration_days=30)

    soup = visit(client, page)

    assert text(soup, ".wp-facts__summary") == (
        "Unlimited, valid 30 days from purchase, for all classes"
    )


def test_k3_day_pass_summary_with_fixed_dates(client, frozen):
    frozen(at(2027, 2, 1))
    page = PassPageFactory(
        kind="days",
        quantity=Decimal(3),
        validity_basis="fixed",
        fixed_start=dt.date(2027, 1, 1),
        fixed_end=dt.date(2027, 3, 31),
    )

    soup = visit(client, page)

    assert text(soup, ".wp-facts__summary") == (
        "3 days of access, valid until 31 March 2027, for all classes"
    )


def test_k4_credit_pack_summary_names_its_classes(client, frozen):
    flow = ProgrammeClassFactory(name="Flow")
    yin = ProgrammeClassFactory(name="Yin", programme=flow.programme)
    page = CreditPackPageFactory(
        kind="credits",
        quantity=Decimal(20),
        validity_basis="payment",
        duration_days=180,
        classes=[flow, yin],
    )

    soup = visit(client, page)

    assert text(soup, ".wp-facts__summary") == (
        "20 credits, valid 180 days from payment, for Flow and Yin"
    )


def test_k5_money_credit_summary(client, frozen):
    page = CreditPackPageFactory(
        kind="money", quantity=Decimal(50), currency="GBP", allows_additional_attendees=True
    )

    soup = visit(client, page)

    assert text(soup, ".wp-facts__summary") == (
        "£50.00 of credit, no expiry, for all classes, "
        "valid for additional attendees in one booking"
    )


def test_image_has_the_title_as_alt_text(client, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    image = Image.objects.create(title="photo", file=get_test_image_file())
    page = PassPageFactory(title="Ten classes", image=image)

    soup = visit(client, page)

    img = soup.select_one("img.wp-product__image")
    assert img["alt"] == "Ten classes"


def test_a5_terms_are_shown_when_set(client, frozen):
    with_terms = PassPageFactory(terms="<p>No refunds after first use.</p>")
    without = PassPageFactory()

    assert text(visit(client, with_terms), ".wp-product__terms") == (
        "Terms No refunds after first use."
    )
    assert visit(client, without).select_one(".wp-product__terms") is None


def test_u5_who_may_buy_is_shown(client, frozen):
    membership = PassPageFactory(title="Club membership")
    page = PassPageFactory(buyer_restriction="new_joiners", required_product=membership)

    notes = [li.get_text(strip=True) for li in visit(client, page).select(".wp-notes li")]

    assert notes == [
        "Only for new joiners (no earlier bookings).",
        "Only for members holding an active, paid “Club membership” (or one the studio gave them).",
    ]


# Today's price --------------------------------------------------------------------------------


def test_a6_price_shown_with_currency(client, frozen):
    page = PassPageFactory(price=Decimal("90.00"), currency="EUR")

    assert text(visit(client, page), ".wp-facts__price") == "€90.00"


def test_a6_zero_decimal_currency_price(client, frozen):
    page = PassPageFactory(price=Decimal("9000"), currency="JPY")

    assert text(visit(client, page), ".wp-facts__price") == "JP¥9,000"


def test_k6_free_product_says_free(client, frozen):
    page = PassPageFactory(price=Decimal(0), quantity=Decimal(1), title="Trial class")

    soup = visit(client, page)

    assert text(soup, ".wp-facts__price") == "Free"
    assert buy_link(soup) is not None


def test_a3_full_price_before_pro_rata_starts(client, frozen):
    frozen(at(2027, 4, 20))
    page = PassPageFactory(**SEASON)

    assert text(visit(client, page), ".wp-facts__price") == "£183.00"


def test_a3_pro_rata_price_shown_mid_season(client, frozen):
    # On 1 July, 1 July..30 September are left: 92 of 183 days, 183.00 x 92 / 183 = 92.00.
    frozen(at(2027, 7, 1))
    page = PassPageFactory(**SEASON)

    assert text(visit(client, page), ".wp-facts__price") == (
        "£92.00 pro-rata for the rest of the season; full price £183.00"
    )


def test_a3_pro_rata_never_below_the_minimum(client, frozen):
    frozen(at(2027, 9, 20))
    page = PassPageFactory(**SEASON)

    assert text(visit(client, page), ".wp-facts__price").startswith("£60.00")


def test_a3_pro_rata_day_is_judged_in_the_site_time_zone(client, frozen, settings):
    # 23:30 in London on 30 June is already 1 July in Auckland: one day fewer left.
    frozen(at(2027, 6, 30, 23, 30))
    page = PassPageFactory(**SEASON)
    assert text(visit(client, page), ".wp-facts__price").startswith("£93.00")

    settings.WAGTAIL_PASSES_TIME_ZONE = "Pacific/Auckland"
    assert text(visit(client, page), ".wp-facts__price").startswith("£92.00")


def test_a3_price_today_helper_matches_the_rule(frozen):
    page = PassPageFactory(**SEASON)

    assert str(page.price_today(dt.date(2027, 7, 1))) == "£92.00"
    assert str(page.price_today(dt.date(2027, 3, 1))) == "£183.00"
    page.pro_rata = False
    assert str(page.price_today(dt.date(2027, 7, 1))) == "£183.00"


# Availability and the Buy button -----------------------------------------------------------------


def test_a1_available_product_has_a_buy_button_to_checkout(client, frozen):
    page = PassPageFactory(title="10-class pass")

    soup = visit(client, page)

    assert availability(soup) == "available"
    link = buy_link(soup)
    assert link["href"] == reverse("wagtail_passes:checkout", args=(page.pk,))
    assert link["href"] == f"/passes/checkout/{page.pk}/"
    assert link.get_text(strip=True) == "Buy 10-class pass"


def test_a1_sold_out_hides_buy_button(client, frozen):
    page = PassPageFactory(stock_limit=3)
    sell(page, 3)

    soup = visit(client, page)

    assert availability(soup) == "sold_out"
    assert text(soup, ".wp-buy") == "Buy Sold out."
    assert buy_link(soup) is None


def test_a1_stock_left_keeps_buy_button(client, frozen):
    page = PassPageFactory(stock_limit=3)
    sell(page, 2)

    soup = visit(client, page)

    assert availability(soup) == "available"
    assert buy_link(soup) is not None


def test_a1_no_sale_yet_with_a_stock_limit_is_available(client, frozen):
    page = PassPageFactory(stock_limit=1)

    assert availability(visit(client, page)) == "available"


def test_a2_not_yet_on_sale_shows_the_date(client, frozen):
    page = PassPageFactory(sale_starts_at=at(2027, 4, 1, 9, 0))

    soup = visit(client, page)

    assert availability(soup) == "not_yet_on_sale"
    assert "on sale from 1 April 2027, 09:00" in text(soup, ".wp-buy")
    assert buy_link(soup) is None


def test_a2_no_longer_on_sale_hides_buy_button(client, frozen):
    page = PassPageFactory(sale_ends_at=at(2027, 2, 1))

    soup = visit(client, page)

    assert availability(soup) == "no_longer_on_sale"
    assert "No longer on sale." in text(soup, ".wp-buy")
    assert buy_link(soup) is None


def test_a2_archived_hides_buy_button(client, frozen):
    page = PassPageFactory(is_archived=True)

    soup = visit(client, page)

    assert availability(soup) == "archived"
    assert "No longer available." in text(soup, ".wp-buy")
    assert buy_link(soup) is None


def test_a2_draft_product_is_not_served(client, frozen):
    page = PassPageFactory()
    url = page.url
    page.unpublish()

    assert client.get(url).status_code == 404


def test_v4_season_over_is_no_longer_on_sale(client, frozen):
    frozen(at(2027, 10, 1))
    page = PassPageFactory(**SEASON)

    soup = visit(client, page)

    assert availability(soup) == "no_longer_on_sale"
    assert "its validity ended on 30 September 2027" in text(soup, ".wp-buy")
    assert buy_link(soup) is None


def test_u6_code_required_is_shown(client, frozen):
    page = PassPageFactory(access_code="FRIENDS")

    soup = visit(client, page)

    assert availability(soup) == "code_required"
    assert "You need an access code to buy this; checkout will ask for it." in text(
        soup, ".wp-buy"
    )
    assert buy_link(soup) is not None
    assert "FRIENDS" not in soup.decode()


# Query counts -------------------------------------------------------------------------------------


def test_product_page_query_count(client, frozen, django_assert_max_num_queries):
    programme = ProgrammeFactory()
    classes = [ProgrammeClassFactory(programme=programme) for _ in range(3)]
    membership = PassPageFactory()
    page = PassPageFactory(
        programmes=[programme, ProgrammeFactory()],
        classes=classes,
        stock_limit=10,
        required_product=membership,
        terms="<p>Terms.</p>",
    )
    url = page.url
    client.get(url)  # warm Wagtail's site-root cache

    with django_assert_max_num_queries(PRODUCT_PAGE_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


# Measured: 7 by Wagtail's serving (site, one page per tree level down to the product, aliases,
# view restrictions) + 6 of ours (programmes, classes, stock, the required product's title, the
# programmes it is mandatory for, its age range: F2).
PRODUCT_PAGE_QUERIES = 13


def test_p9_a_mandatory_product_links_to_the_programmes_registration(client):
    from wagtail_passes.models import ProgrammeProduct
    from wagtail_passes.test.factories import PassPageFactory, ProgrammeFactory

    product = PassPageFactory(title="Season pass")
    club = ProgrammeFactory(name="Swim club", slug="swim-club")
    ProgrammeProduct.objects.create(
        programme=club, product=product, role=ProgrammeProduct.Role.MANDATORY
    )
    ProgrammeProduct.objects.create(
        programme=ProgrammeFactory(name="Yoga"),
        product=product,
        role=ProgrammeProduct.Role.OPTIONAL,
    )

    page = BeautifulSoup(client.get(product.url).content, "html.parser")

    notes = page.select(".wp-buy__registration")
    assert len(notes) == 1 and "Needed to join Swim club" in notes[0].get_text(" ")
    assert notes[0].a["href"] == reverse("wagtail_passes:register", kwargs={"slug": "swim-club"})
