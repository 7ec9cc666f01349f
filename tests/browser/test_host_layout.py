"""The public pages inside a bakerydemo-like host base (tests/host_layout.py), as a browser
draws them: the app's stylesheet arrives although the host's base has no ``extra_css`` block,
in a light and a dark colour scheme, on a phone-sized screen and right to left.

Screenshots go to pytest's ``tmp_path`` and, when PASSES_SCREENSHOTS_DIR is set, there too.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

import wagtail_passes
from tests.host_layout import host_layout
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProductIndexPageFactory,
)

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data (see test_admin_and_visitor.py).
    pytest.mark.django_db(transaction=True),
]

STYLESHEET = Path(wagtail_passes.__file__).parent / "static/wagtail_passes/css/passes.css"
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 320, "height": 700}
HOST_HEADER_BACKGROUND = "rgb(60, 47, 47)"  # #3c2f2f in tests/templates/host_layout/base.html


def stylesheet_defaults(scheme):
    """The ``--passes-*`` values passes.css sets for a colour scheme: the light defaults,
    with the dark scheme's on top for "dark"."""
    css = STYLESHEET.read_text()
    light_block = css.split(":where(.wp-passes) {", 1)[1].split("}", 1)[0]
    values = dict(re.findall(r"--passes-([\w-]+):\s*([^;]+);", light_block))
    if scheme == "dark":
        dark_block = css.split("@media (prefers-color-scheme: dark)", 1)[1].split("}", 1)[0]
        values.update(re.findall(r"--passes-([\w-]+):\s*([^;]+);", dark_block))
    return {name: value.strip() for name, value in values.items()}


def rgb(hex_colour):
    """``#0b5cad`` as a browser's computed style writes it: ``rgb(11, 92, 173)``."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def computed(locator, prop):
    return locator.evaluate("(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop)


def rem_in_px(page, value):
    """A ``48rem`` length in the page's CSS pixels."""
    root_px = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    return f"{float(value.removesuffix('rem')) * root_px:g}px"


def text_box(locator):
    """Where an element's text itself is drawn (not its block, which fills the line)."""
    return locator.evaluate(
        """el => { const range = document.createRange(); range.selectNodeContents(el);
                   const box = range.getBoundingClientRect();
                   return {left: box.left, right: box.right}; }"""
    )


def content_box(locator):
    """An element's box inside its padding."""
    return locator.evaluate(
        """el => { const box = el.getBoundingClientRect(), style = getComputedStyle(el);
                   return {left: box.left + parseFloat(style.paddingLeft),
                           right: box.right - parseFloat(style.paddingRight)}; }"""
    )


def screenshot(page, tmp_path, name):
    from .conftest import SCREENSHOTS

    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    path = Path(SCREENSHOTS) / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def assert_styled_inside_the_host(page, defaults):
    """The wrapper got the stylesheet's rules and sits below the host's own header."""
    wrapper = page.locator(".wp-passes")
    expect(wrapper).to_have_count(1)
    assert computed(wrapper, "max-inline-size") == rem_in_px(page, defaults["width"])
    surface = defaults["surface"]
    expected_surface = "rgba(0, 0, 0, 0)" if surface == "transparent" else rgb(surface)
    assert computed(wrapper, "background-color") == expected_surface
    text = defaults["text"]
    if text != "currentColor":
        assert computed(wrapper, "color") == rgb(text)

    header = page.locator("body > header.site-header")
    assert computed(header, "background-color") == HOST_HEADER_BACKGROUND  # host styles intact
    header_box = header.bounding_box()
    assert header_box["y"] + header_box["height"] <= wrapper.bounding_box()["y"]


def assert_fits_the_screen(page):
    sticking_out = page.evaluate(
        """[...document.querySelectorAll('.wp-passes, .wp-passes *')]
           .filter(el => el.getBoundingClientRect().right > window.innerWidth)
           .map(el => `${el.tagName}.${el.className}`)"""
    )
    assert sticking_out == []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of horizontal scroll at {page.viewport_size}"


@pytest.fixture
def pages():
    """An index with a pass (a long one-word title, as German gives) and a credit pack."""
    with host_layout():
        index = ProductIndexPageFactory(
            title="Passes", intro="<p>Passes and credit packs for every class.</p>"
        )
        product = PassPageFactory(
            parent=index,
            title="Ganzjahresmitgliedschaftskarte",
            slug="year-card",
            price=Decimal("90.00"),
            quantity=Decimal(10),
            validity_basis="first_use",
            duration_days=90,
        )
        CreditPackPageFactory(
            parent=index, title="Credit pack 20", slug="credit-pack-20", price=Decimal("150.00")
        )
        yield index, product


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_keep_the_host_layout_and_the_app_styles(
    browser, live_server, pages, scheme, tmp_path
):
    index, product = pages
    defaults = stylesheet_defaults(scheme)
    context = browser.new_context(color_scheme=scheme, viewport=WIDE)
    try:
        page = context.new_page()

        # wide: the product page, its Buy button in the stylesheet's accent
        assert page.goto(f"{live_server.url}{product.url}").ok
        assert_styled_inside_the_host(page, defaults)
        buy = page.locator(".wp-passes a.wp-button")
        assert computed(buy, "background-color") == rgb(defaults["accent"])
        assert computed(buy, "color") == rgb(defaults["accent-text"])
        screenshot(page, tmp_path, f"product-{scheme}")
        # a host restyles with a plain rule in its <head>, before the app's stylesheet
        page.add_style_tag(content=".wp-passes { --passes-accent: #6a1b9a; }")
        assert computed(buy, "background-color") == rgb("#6a1b9a")

        # the text starts on the start side: left, and right once the page is right to left
        wrapper = page.locator(".wp-passes")
        heading = wrapper.locator("h1")
        term, value = wrapper.locator(".wp-facts__row").first.locator("dt, dd").all()
        assert abs(text_box(heading)["left"] - content_box(wrapper)["left"]) <= 1
        assert term.bounding_box()["x"] < value.bounding_box()["x"]
        page.evaluate("document.documentElement.dir = 'rtl'")
        assert computed(wrapper, "direction") == "rtl"
        assert abs(text_box(heading)["right"] - content_box(wrapper)["right"]) <= 1
        assert term.bounding_box()["x"] > value.bounding_box()["x"]
        screenshot(page, tmp_path, f"product-{scheme}-rtl")

        # the index: cards side by side
        assert page.goto(f"{live_server.url}{index.url}").ok
        assert_styled_inside_the_host(page, defaults)
        first, second = page.locator(".wp-card").all()
        assert first.bounding_box()["y"] == second.bounding_box()["y"]
        screenshot(page, tmp_path, f"index-{scheme}")

        # a phone: nothing scrolls sideways, the cards stack
        page.set_viewport_size(PHONE)
        screenshot(page, tmp_path, f"index-{scheme}-phone")
        assert_fits_the_screen(page)
        assert first.bounding_box()["y"] < second.bounding_box()["y"]
        assert page.goto(f"{live_server.url}{product.url}").ok
        screenshot(page, tmp_path, f"product-{scheme}-phone")
        assert_fits_the_screen(page)
    finally:
        context.close()


def test_cal1_m1_calendar_and_member_pages_keep_the_host_layout_and_fit_a_phone(
    browser, live_server, tmp_path
):
    """The calendar block (in a host page) and the member's pages inside the host's base: the
    app's styles arrive, the host's header stays above, a phone scrolls nothing sideways, and
    on a phone the month view falls back to the list."""
    import datetime as dt

    from tests.browser.test_calendar import calendar_page, session_on
    from wagtail_passes.presentation import local_today
    from wagtail_passes.test.factories import (
        ProgrammeClassFactory,
        ProgrammeFactory,
        UserFactory,
        member_pass,
    )

    defaults = stylesheet_defaults("light")
    with host_layout():
        yoga = ProgrammeFactory(name="Yoga", slug="yoga")
        flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 1")
        session_on(flow, local_today() + dt.timedelta(days=2))
        member = UserFactory(username="lee")
        member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
        host = calendar_page(yoga, "month")
        context = browser.new_context(viewport=WIDE)
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "lee")
            page.fill("input[name=password]", "password")
            page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
            for path, name in (
                (host.url, "calendar"),
                ("/passes/programmes/yoga/sessions/", "book-a-date"),
                ("/passes/my/", "my-passes"),
                ("/passes/bookings/", "my-bookings"),
            ):
                page.set_viewport_size(WIDE)
                assert page.goto(f"{live_server.url}{path}").ok, path
                assert_styled_inside_the_host(page, defaults)
                screenshot(page, tmp_path, f"host-{name}")
                page.set_viewport_size(PHONE)
                assert_fits_the_screen(page)
                screenshot(page, tmp_path, f"host-{name}-phone")

            # the month view: a table on a wide screen, the list on a phone
            page.goto(f"{live_server.url}{host.url}")
            page.set_viewport_size(WIDE)
            expect(page.locator(".wp-month__table")).to_be_visible()
            expect(page.locator(".wp-month__list")).to_be_hidden()
            page.set_viewport_size(PHONE)
            expect(page.locator(".wp-month__table")).to_be_hidden()
            expect(page.locator(".wp-month__list")).to_be_visible()
        finally:
            context.close()
