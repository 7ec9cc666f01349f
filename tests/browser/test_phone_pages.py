"""Every member and checkout page reads on a phone (issue 19, item 1): at 320, 375 and 1280 px
wide no page scrolls sideways, no amount and no date is split over two lines, every link,
button and box out of running text is at least 24 by 24 px (WCAG 2.5.8), the tables of rows
are cards on a phone and tables on a wide screen, and axe finds no WCAG 2.2 AA violation.

One world (``phone_world``) holds what makes the tables realistic: several passes, upcoming
and past bookings of classes with long names, orders with a discount, amounts due in two
currencies, a waiting-list entry, a saved card. Each test walks many pages in one browser
page, measuring every page at each width, and reports every problem it found at once.
Screenshots at 375 px are kept (``phone-<page>-375.png``, see ``save_screenshot``).
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from wagtail_passes import services
from wagtail_passes.blocks import ProductListBlock
from wagtail_passes.models import MemberProfile, ProgrammeProduct, Session
from wagtail_passes.payments.stripe import StripeProvider
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    DiscountCodeFactory,
    PassPageFactory,
    ProductIndexPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 375, 1280)
SCREENSHOT_WIDTH = 375
#: Below this width (48rem) a table of rows is one card per row.
CARDS_BELOW = 768

LONG_CLASS = "Vinyasa Flow and Restorative Yoga for Absolute Beginners"
GERMAN_CLASS = "Wassergymnastikfortgeschrittenenkurs am Abend"
LONG_LOCATION = "Studio 2, Harbour Building, upper floor"

# What one page looks like at the viewport's width: its problems in words, and the display
# of each table of rows (wp-cards). Hidden text (visually hidden headers and captions) is
# left out: it is read, not seen.
MEASURE = """() => {
  const problems = [];
  const width = window.innerWidth;
  const root = document.documentElement;
  if (root.scrollWidth > width) problems.push(`the page is ${root.scrollWidth} px wide`);
  const hidden = (el) => !el.getClientRects().length
    || el.closest(".wp-visually-hidden, thead, caption")
    || getComputedStyle(el).visibility === "hidden";
  const words = (el) => (el.innerText || el.value || el.getAttribute("aria-label") || el.outerHTML)
    .trim().replace(/\\s+/g, " ").slice(0, 60);
  for (const el of document.querySelectorAll(".wp-passes *")) {
    const style = getComputedStyle(el);
    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`scrolls sideways inside: ${el.tagName.toLowerCase()}.${el.className}`);
    }
  }
  for (const el of document.querySelectorAll(".wp-passes :is(.wp-money, time, .wp-date)")) {
    if (hidden(el)) continue;
    const box = el.getBoundingClientRect();
    const lineHeight = parseFloat(getComputedStyle(el).fontSize) * 1.6;
    if (el.getClientRects().length !== 1 || box.height > lineHeight) {
      problems.push(`split over lines: "${words(el)}"`);
    }
    if (box.left < 0 || box.right > width) problems.push(`off the screen: "${words(el)}"`);
  }
  const targets = ".wp-passes :is(a[href], button, input[type=checkbox], input[type=radio])";
  for (const el of document.querySelectorAll(targets)) {
    if (hidden(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 24 || box.height < 24) {
      problems.push(`target ${Math.round(box.width)}x${Math.round(box.height)} px: "${words(el)}"`);
    }
    if (box.left < 0 || box.right > width) problems.push(`target off the screen: "${words(el)}"`);
  }
  const cards = [...document.querySelectorAll(".wp-cards")]
    .map((el) => getComputedStyle(el).display);
  return {problems, cards};
}"""


@pytest.fixture
def stripe_on(settings, monkeypatch):
    """Card payments on, against a recording fake of Stripe (the live server runs in this
    process): the pages then offer "Pay by card" and the saved card."""
    fake = FakeStripe()
    monkeypatch.setattr(StripeProvider, "http_client", fake)
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = SECRET_KEY
    settings.WAGTAIL_PASSES_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return fake


def _session(klass, days, hour=18, length=90):
    start = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    start += dt.timedelta(days=days)
    return SessionFactory(
        programme_class=klass, start=start, end=start + dt.timedelta(minutes=length)
    )


def _into_the_past(booking, days):
    """A booking made while its session was ahead, its session since moved ``days`` back."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=days)
    Session.objects.filter(pk=booking.session_id).update(
        start=start, end=start + dt.timedelta(hours=1)
    )


def phone_world():
    """A member, "sam", with a realistic amount of everything the member pages list."""
    sam = UserFactory(username="sam", first_name="Sam", last_name="Okafor")
    yoga = ProgrammeFactory(name="Yoga and Mindful Movement", slug="yoga")
    pool = ProgrammeFactory(
        name="Pool", slug="pool", currency="GBP", default_unit_price=Decimal("100.00")
    )
    flow = ProgrammeClassFactory(programme=yoga, name=LONG_CLASS, location=LONG_LOCATION)
    water = ProgrammeClassFactory(programme=pool, name=GERMAN_CLASS, location="Pool")
    tiny = ProgrammeClassFactory(programme=yoga, name="Full house", capacity=1)
    dance = ProgrammeFactory(name="Dance", slug="dance", default_unit_price=Decimal("1250.00"))
    improv = ProgrammeClassFactory(programme=dance, name="Contemporary Dance Improvisation")

    index = ProductIndexPageFactory(title="Passes and credit packs", slug="shop")
    ten = PassPageFactory(
        parent=index,
        title="Zehnerkarte Yoga für Fortgeschrittene",
        price=Decimal("1000.00"),
        quantity=Decimal(10),
        duration_days=90,
        programmes=[yoga],
        terms="<p>Passes are personal and cannot be refunded once used.</p>",
    )
    month = PassPageFactory(
        parent=index,
        title="Unlimited month",
        kind="unlimited",
        quantity=None,
        price=Decimal("89.50"),
        duration_days=30,
        programmes=[yoga],
    )
    credits = CreditPackPageFactory(
        parent=index, title="Credit pack", price=Decimal("45.00"), programmes=[yoga]
    )
    sold_out = PassPageFactory(
        parent=index, title="Founders' season pass", price=Decimal("250.00"), stock_limit=0
    )
    DiscountCodeFactory(code="SPRINGTIME", value=Decimal(10))

    passes = {
        "ten": member_pass(sam, ten),
        "month": member_pass(sam, month),
        "credits": member_pass(sam, credits),
        "taster": member_pass(sam, title="Taster class", quantity=Decimal(1), programmes=[yoga]),
    }
    # Past bookings: one paid by the taster (now used up), one cancelled, one owing money.
    past = services.book(sam, _session(flow, 2), member_pass=passes["taster"])
    _into_the_past(past, 3)
    cancelled = services.book(sam, _session(flow, 4), member_pass=passes["ten"])
    services.cancel_booking(cancelled, by=sam)
    # Upcoming: paid with passes, and owing amounts in euros and in pounds.
    upcoming = [
        services.book(sam, _session(flow, 3), member_pass=passes["ten"]),
        services.book(sam, _session(flow, 5, hour=7), member_pass=passes["month"]),
        services.book(sam, _session(flow, 6), member_pass=passes["ten"]),
        services.book(sam, _session(water, 7)),
        services.book(sam, _session(water, 8)),
        services.book(sam, _session(improv, 9)),  # no pass covers dance: owed in euros
    ]
    full = _session(tiny, 4)
    services.book(UserFactory(), full)
    services.join_waitlist(sam, full)

    # Orders: one pending with a discount, one paid, one cancelled.
    pending = services.place_order(sam, ten, discount_code="SPRINGTIME", accepted_terms=True)
    paid = services.fulfil_order(services.place_order(sam, credits), provider="manual")
    dropped = services.place_order(sam, month, quantity=2)
    services.cancel_order(dropped, by=sam)

    # A programme to register for: a mandatory season product and an optional add-on.
    club = ProgrammeFactory(name="Swim club", slug="swim-club")
    season = PassPageFactory(
        parent=index, title="Season pass", price=Decimal("140.00"), terms="<p>No running.</p>"
    )
    towels = PassPageFactory(parent=index, title="Towel service", price=Decimal("12.50"))
    ProgrammeProduct.objects.create(
        programme=club, product=season, role=ProgrammeProduct.Role.MANDATORY
    )
    ProgrammeProduct.objects.create(
        programme=club, product=towels, role=ProgrammeProduct.Role.OPTIONAL
    )
    closed = ProgrammeFactory(name="Founders' club", slug="founders")
    ProgrammeProduct.objects.create(
        programme=closed, product=sold_out, role=ProgrammeProduct.Role.MANDATORY
    )

    MemberProfile.objects.create(
        member=sam,
        stripe_customer_id="cus_sam",
        payment_method_id="pm_sam",
        card_brand="visa",
        card_last4="4242",
        card_exp_month=12,
        card_exp_year=2030,
    )
    return {
        "member": sam,
        "index": index,
        "products": {"ten": ten, "month": month, "credits": credits, "sold_out": sold_out},
        "passes": passes,
        "upcoming": upcoming,
        "bookable": _session(flow, 10),
        "orders": {"pending": pending, "paid": paid, "cancelled": dropped},
    }


def log_in(page, live_server, member):
    """The member's session cookie in the browser: the login form is tested elsewhere."""
    client = Client()
    client.force_login(member)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


class Walk:
    """Measures the page the browser shows at each width and keeps every problem found, so
    one run reports them all."""

    def __init__(self, page, assert_accessible, save_screenshot):
        self.page = page
        self.assert_accessible = assert_accessible
        self.save_screenshot = save_screenshot
        self.problems = []
        self.pages = 0

    def check(self, name, *, has_cards=False):
        expect(self.page.locator(".wp-passes").first).to_be_visible()
        self.pages += 1
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 800})
            found = self.page.evaluate(MEASURE)
            where = f"{name} at {width} px"
            self.problems += [f"{where}: {problem}" for problem in found["problems"]]
            wanted = "block" if width < CARDS_BELOW else "table"
            if has_cards and not found["cards"]:
                self.problems.append(f"{where}: no table of rows (wp-cards)")
            if any(display != wanted for display in found["cards"]):
                self.problems.append(f"{where}: rows shown as {found['cards']}, not {wanted}")
            try:
                self.assert_accessible(self.page, where)
            except AssertionError as error:
                self.problems.append(str(error))
            if width == SCREENSHOT_WIDTH:
                self.save_screenshot(self.page, f"phone-{name}-{width}")

    def visit(self, url, name, **kwargs):
        self.page.goto(url)
        self.check(name, **kwargs)

    def assert_fine(self):
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def walk(page, assert_accessible, save_screenshot):
    page.set_default_timeout(10_000)
    return Walk(page, assert_accessible, save_screenshot)


def test_m1_m2_p6_n1_member_pages_fit_a_phone(page, live_server, walk, stripe_on):
    world = phone_world()
    log_in(page, live_server, world["member"])
    url = live_server.url
    booking = world["upcoming"][0]

    walk.visit(f"{url}/passes/my/", "my-passes")
    expect(page.locator(".wp-mypasses--past")).to_contain_text("Taster class")
    walk.visit(f"{url}/passes/my/{world['passes']['ten'].pk}/", "my-pass", has_cards=True)
    walk.visit(f"{url}/passes/bookings/", "my-bookings", has_cards=True)
    expect(page.locator(".wp-bookings--upcoming")).to_contain_text(LONG_CLASS)
    expect(page.locator(".wp-bookings--past")).to_contain_text("Cancelled")
    expect(page.locator(".wp-waiting")).to_contain_text("number 1 on the waiting list")
    walk.visit(f"{url}/passes/bookings/{booking.pk}/cancel/", "cancel-booking")
    expect(page.get_by_role("button", name="Yes, cancel the booking")).to_be_visible()
    walk.visit(f"{url}/passes/my/settings/", "payment-and-emails")
    expect(page.locator(".wp-settings__saved-card")).to_contain_text("Visa ending in 4242")
    walk.visit(f"{url}/passes/my/settings/card/remove/", "remove-card")
    walk.assert_fine()
    assert walk.pages == 6


def test_c1_c6_p10_order_and_checkout_pages_fit_a_phone(page, live_server, walk, stripe_on):
    world = phone_world()
    log_in(page, live_server, world["member"])
    url = live_server.url
    orders, products = world["orders"], world["products"]

    walk.visit(f"{url}/passes/orders/", "my-orders", has_cards=True)
    expect(page.locator(".wp-orders tbody tr")).to_have_count(3)
    walk.visit(f"{url}/passes/orders/{orders['pending'].reference}/", "order", has_cards=True)
    expect(page.locator(".wp-lines__discount-note")).to_contain_text("Discount: −€100.00")
    walk.visit(f"{url}/passes/orders/{orders['paid'].reference}/", "order-paid", has_cards=True)
    walk.visit(
        f"{url}/passes/orders/{orders['pending'].reference}/cancel/", "order-cancel", has_cards=True
    )
    walk.visit(f"{url}/passes/dues/", "amounts-due", has_cards=True)
    expect(page.locator(".wp-dues__total")).to_have_count(2)  # euros and pounds
    euros = [b.pk for b in world["upcoming"] if b.currency == "EUR" and b.amount_due]
    query = "&".join(f"booking={pk}" for pk in euros)
    walk.visit(f"{url}/passes/dues/pay/?{query}", "dues-checkout", has_cards=True)

    # The checkout, with a discount code applied: its total changes, the page says so.
    walk.visit(f"{url}/passes/checkout/{products['ten'].pk}/", "checkout", has_cards=True)
    page.get_by_label("Discount code").fill("SPRINGTIME")
    page.get_by_label(re.compile("I accept the terms")).check()
    page.get_by_role("button", name="Place order").click()
    expect(page.locator(".wp-lines__discount")).to_contain_text("SPRINGTIME")
    walk.check("checkout-discount", has_cards=True)
    walk.visit(f"{url}/passes/checkout/{products['sold_out'].pk}/", "checkout-refused")
    expect(page.locator("[data-refusal]")).to_be_visible()

    walk.visit(f"{url}/passes/programmes/swim-club/register/", "registration", has_cards=True)
    walk.visit(f"{url}/passes/programmes/founders/register/", "registration-refused")
    expect(page.locator("[data-refusal]")).to_be_visible()

    # Card payments: the return page while the payment is pending, and a payment that
    # could not start (Stripe refused).
    pending = orders["pending"]
    walk.visit(f"{url}/passes/orders/{pending.reference}/paid/", "payment-pending")
    expect(page.get_by_role("heading", name="Payment pending")).to_be_visible()
    page.goto(f"{url}/passes/orders/{pending.reference}/")
    stripe_on.fail_next(401, "invalid_request_error", "Invalid API Key provided")
    page.get_by_role("button", name="Pay by card").click()
    expect(page.locator("#wp-payment-problem")).to_be_visible()
    walk.check("payment-problem")
    walk.assert_fine()
    assert walk.pages == 13


def test_cal2_a1_booking_and_product_pages_fit_a_phone(page, live_server, walk):
    world = phone_world()
    url = live_server.url
    products = world["products"]
    index, ten = world["index"], products["ten"]

    walk.visit(f"{url}{index.url}", "product-index")
    walk.visit(f"{url}{ten.url}", "product-page")
    # The product list block, as a host page renders it in its StreamField.
    block = ProductListBlock()
    value = block.to_python(
        {"heading": "Our passes", "products": [p.pk for p in products.values()]}
    )
    html = block.render(value, context={})
    page.goto(f"{url}/passes/my/")  # any page of the site: the block's stylesheet loads from it
    page.set_content(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<base href="{url}/"><title>Host page</title></head>'
        f'<body><main id="main"><h1>Host page</h1>{html}</main></body></html>'
    )
    expect(page.locator(".wp-product-list .wp-card")).to_have_count(4)
    walk.check("product-list-block")

    log_in(page, live_server, world["member"])
    session = world["bookable"]
    walk.visit(f"{url}/passes/sessions/{session.pk}/book/", "book")
    expect(page.locator(".wp-booking__passes")).to_be_visible()  # several passes can pay
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.locator("#wp-booked")).to_contain_text("Booked")
    walk.check("booked")
    walk.assert_fine()
    assert walk.pages == 5
