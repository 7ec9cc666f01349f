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
    with the dark palette (what a host's dark hook turns on) on top for "dark"."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    blocks = re.findall(r"([^{}]*)\{([^{}]*)\}", css)
    light = next(body for selector, body in blocks if selector.strip() == ":where(.wp-passes)")
    values = dict(re.findall(r"--passes-([\w-]+):\s*([^;]+);", light))
    if scheme == "dark":
        dark = next(
            body for selector, body in blocks if "dark" in selector and "--passes-surface" in body
        )
        values.update(re.findall(r"--passes-([\w-]+):\s*([^;]+);", dark))
    return {name: value.strip() for name, value in values.items()}


# What a host's theme switch does to say its page is dark (bakerydemo's: class "dark" on
# <html>), run after each page load as the host's own script would.
HOST_DARK = "document.documentElement.classList.add('dark')"


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

        def visit(url):
            assert page.goto(f"{live_server.url}{url}").ok
            if scheme == "dark":  # the host's theme switch says dark
                page.evaluate(HOST_DARK)

        # wide: the product page, its Buy button in the stylesheet's accent
        visit(product.url)
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
        visit(index.url)
        assert_styled_inside_the_host(page, defaults)
        first, second = page.locator(".wp-card").all()
        assert first.bounding_box()["y"] == second.bounding_box()["y"]
        screenshot(page, tmp_path, f"index-{scheme}")

        # a phone: nothing scrolls sideways, the cards stack
        page.set_viewport_size(PHONE)
        screenshot(page, tmp_path, f"index-{scheme}-phone")
        assert_fits_the_screen(page)
        assert first.bounding_box()["y"] < second.bounding_box()["y"]
        visit(product.url)
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


# Issue 19, item 6: a host with a theme switch, a heading scale and menu items whose classes
# come from page titles (tests/templates/host_themed/base.html).

DARK_SURFACE = rgb(stylesheet_defaults("dark")["surface"])
NO_SURFACE = "rgba(0, 0, 0, 0)"
# each way a host's theme switch may say "dark"
HOST_DARK_HOOKS = {
    "html.dark": HOST_DARK,
    'html[data-theme="dark"]': "document.documentElement.dataset.theme = 'dark'",
    "body.theme-dark": "document.body.classList.add('theme-dark')",
    'html[data-bs-theme="dark"]': "document.documentElement.dataset.bsTheme = 'dark'",
    "html color-scheme: dark": "document.documentElement.style.colorScheme = 'dark'",
}
HOST_LIGHT_HOOKS = {
    'html[data-theme="light"]': "document.documentElement.dataset.theme = 'light'",
    "body.theme-light": "document.body.classList.add('theme-light')",
}
CLEAR_HOOKS = """() => { const html = document.documentElement;
    html.className = ''; html.removeAttribute('style'); document.body.className = '';
    delete html.dataset.theme; delete html.dataset.bsTheme; }"""

# Every computed property of every host element (outside .wp-passes), but those that follow
# the page's layout (the wrapper's content changes the page's height).
HOST_STYLES = """() => {
    const sized = /^(width|height|inline-size|block-size|transform-origin|perspective-origin)$/;
    const elements = [document.documentElement, document.body,
        ...document.querySelectorAll('body *')].filter(el =>
            !el.closest('.wp-passes') && !['SCRIPT', 'LINK', 'STYLE'].includes(el.tagName));
    return elements.map((el, i) => {
        const style = getComputedStyle(el), values = {};
        for (const name of style) {
            if (!sized.test(name)) values[name] = style.getPropertyValue(name);
        }
        return [`${i} ${el.tagName}.${el.className}`, values];
    });
}"""
WITHOUT_THE_APP = "document.querySelector('link[href$=\"passes.css\"]').disabled = true"


@pytest.fixture
def themed_host():
    """The calendar block in a host page, an index with two product cards and a product page,
    inside the themed host; the URLs by name."""
    import datetime as dt

    from tests.browser.test_calendar import calendar_page, session_on
    from wagtail_passes.presentation import local_today
    from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory

    with host_layout(themed=True):
        yoga = ProgrammeFactory(name="Yoga", slug="yoga")
        flow = ProgrammeClassFactory(programme=yoga, name="Yoga Flow", location="Studio 1")
        for days in (1, 2, 3):
            session_on(flow, local_today() + dt.timedelta(days=days))
        index = ProductIndexPageFactory(title="Passes", intro="<p>Passes for every class.</p>")
        product = PassPageFactory(
            parent=index, title="10-class pass", slug="ten", price=Decimal("90.00")
        )
        CreditPackPageFactory(parent=index, title="Credit pack 20", price=Decimal("150.00"))
        yield {
            "calendar": calendar_page(yoga, "list").url,
            "index": index.url,
            "product": product.url,
        }


def test_host_elements_named_passes_keep_the_host_styles_and_headings_the_wrapper_scale(
    browser, live_server, themed_host
):
    """No rule of the app reaches an element the host wrote: the menu items `class="passes"`
    and `class="passes-card"` (and everything else outside the wrapper) compute the same with
    and without the app's stylesheet, light or dark. Inside the wrapper, headings size against
    its text, not the host's `h2 { font-size: 3rem }`; a host's class rule still wins."""
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        for hook in (None, HOST_DARK):
            assert page.goto(f"{live_server.url}{themed_host['calendar']}").ok
            if hook:
                page.evaluate(hook)
            wrapper = page.locator(".wp-passes").first
            assert computed(wrapper, "max-inline-size") == rem_in_px(page, "48rem")  # styled
            menu_item = page.locator("li.passes")
            assert computed(menu_item, "max-inline-size") == "none"
            assert computed(menu_item, "padding") == "4px 8px"
            assert computed(menu_item, "border-bottom") == "3px solid rgb(224, 160, 48)"
            assert computed(menu_item, "background-color") == NO_SURFACE
            with_app = page.evaluate(HOST_STYLES)
            page.evaluate(WITHOUT_THE_APP)
            assert computed(wrapper, "max-inline-size") == "none"  # the app's rules are off
            without_app = page.evaluate(HOST_STYLES)
            assert len(with_app) > 10
            assert with_app == without_app

        # headings: 1.375em of the wrapper's 16px, not the host's 3rem (48px)
        assert page.goto(f"{live_server.url}{themed_host['index']}").ok
        card_title = page.locator(".wp-card__title").first
        assert computed(card_title, "font-size") == "22px"
        page.add_style_tag(content=".wp-card__title { font-size: 2rem; }")  # deliberate
        assert computed(card_title, "font-size") == "32px"
        assert page.goto(f"{live_server.url}{themed_host['calendar']}").ok
        assert computed(page.locator(".wp-calendar__title"), "font-size") != "48px"
        assert page.goto(f"{live_server.url}{themed_host['product']}").ok
        assert computed(page.locator(".wp-product__title"), "font-size") == "28px"  # not 4rem
    finally:
        context.close()


def test_dark_follows_the_host_and_every_mismatch_keeps_contrast(
    browser, live_server, themed_host, assert_accessible, tmp_path
):
    """Light by default; dark when the host says so, whatever the system; the system's dark
    only with WAGTAIL_PASSES_DARK_MODE = "os" and never against a host's explicit light.
    axe finds nothing (no contrast failure) on the calendar and a product page in light, in
    the host's dark on a light system, in the host's light on a dark system, and in "os"
    mode on a dark system inside a light host page."""
    from django.test import override_settings

    def wrapper_surface(page):
        return computed(page.locator(".wp-passes").first, "background-color")

    cases = [
        # (system scheme, setting, host hook, expected surface)
        ("light", "host", None, NO_SURFACE),
        ("light", "host", HOST_DARK, DARK_SURFACE),
        ("dark", "host", None, NO_SURFACE),
        ("dark", "os", None, DARK_SURFACE),
    ]
    for system, mode, hook, surface in cases:
        name = f"{system}-system-{mode}-mode-{'host-dark' if hook else 'host-light'}"
        context = browser.new_context(color_scheme=system, viewport=WIDE)
        try:
            page = context.new_page()
            with override_settings(WAGTAIL_PASSES_DARK_MODE=mode):
                for page_name in ("calendar", "product"):
                    assert page.goto(f"{live_server.url}{themed_host[page_name]}").ok
                    if hook:
                        page.evaluate(hook)
                    assert wrapper_surface(page) == surface, name
                    screenshot(page, tmp_path, f"theme-{page_name}-{name}")
                    assert_accessible(page, f"{page_name}, {name}")
        finally:
            context.close()

    # every hook, without axe: the surface alone says which palette is on
    def surfaces(system, mode, hooks):
        context = browser.new_context(color_scheme=system, viewport=WIDE)
        try:
            page = context.new_page()
            with override_settings(WAGTAIL_PASSES_DARK_MODE=mode):
                assert page.goto(f"{live_server.url}{themed_host['product']}").ok
            found = {}
            for hook_name, hook in hooks.items():
                page.evaluate(CLEAR_HOOKS)
                if hook:
                    page.evaluate(hook)
                found[hook_name] = wrapper_surface(page)
            return found
        finally:
            context.close()

    assert surfaces("light", "host", HOST_DARK_HOOKS) == dict.fromkeys(
        HOST_DARK_HOOKS, DARK_SURFACE
    )
    assert surfaces("dark", "host", {"none": None, **HOST_LIGHT_HOOKS}) == dict.fromkeys(
        ["none", *HOST_LIGHT_HOOKS], NO_SURFACE
    )
    # "os": the system's dark, unless the host says light; the host's dark on a light system
    assert surfaces("dark", "os", {"none": None, **HOST_LIGHT_HOOKS}) == {
        "none": DARK_SURFACE,
        **dict.fromkeys(HOST_LIGHT_HOOKS, NO_SURFACE),
    }
    assert surfaces("light", "os", {"none": None, "html.dark": HOST_DARK}) == {
        "none": NO_SURFACE,
        "html.dark": DARK_SURFACE,
    }
    # "never": light even when the host and the system say dark
    assert surfaces("dark", "never", HOST_DARK_HOOKS) == dict.fromkeys(HOST_DARK_HOOKS, NO_SURFACE)
