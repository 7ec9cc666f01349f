"""The public pages live inside a host's layout (issue 19, item 6): nothing the app emits or
styles may meet what the host wrote. Every class and id in a public template starts with
``wp-``, and every selector of passes.css only reaches elements inside the app's own.

Public templates: everything under templates/wagtail_passes/ except the admin's (Wagtail's
own namespace) and the emails' (no host page around them).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import wagtail_passes

PACKAGE = Path(wagtail_passes.__file__).parent
TEMPLATES = PACKAGE / "templates" / "wagtail_passes"
STYLESHEET = PACKAGE / "static" / "wagtail_passes" / "css" / "passes.css"
PREFIX = "wp-"

# Template expressions standing for a whole class or id, whose rendered value a test below
# shows to be in the namespace.
NAMESPACED_EXPRESSIONS = {
    "calendar.dom_id": "test_calendar_anchor_is_namespaced",
    "radio.id_for_label": "test_checkout_form_ids_are_namespaced",
    "calendar.strip_id": "test_cal2_the_filters_and_the_day_strip_have_namespaced_ids",
    "field.id": "test_cal2_the_filters_and_the_day_strip_have_namespaced_ids",
    "check.id": "test_cal2_the_filters_and_the_day_strip_have_namespaced_ids",
}
FORM_ID = re.compile(r"^form\.\w+\.id_for_label$")  # test_checkout_form_ids_are_namespaced

# Selectors that reach host elements on purpose, with why.
HOST_SELECTORS = {
    # printing an order's receipt hides the rest of the host's page, only in print and only
    # on a page that shows a receipt
    "body:has(.wp-receipt) *",
}


def public_templates():
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if path.relative_to(TEMPLATES).parts[0] not in ("admin", "emails")
    )


def _expression(match):
    expression = match.group(1).strip()
    if expression in NAMESPACED_EXPRESSIONS or FORM_ID.match(expression):
        return f"{PREFIX}expr"
    # Inside a token ("wp-status--{{ tone }}") the text before it decides; alone it fails.
    return "{{" + expression.replace(" ", "") + "}}"


def markup(source):
    """A template as plain HTML to parse: comments gone, ``{% tag %}`` a space (both
    branches of an ``if`` are kept, so each class either may give is seen), ``{{ x }}`` a
    placeholder, and the ``class`` of an ``{% image %}`` tag as an element of its own."""
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", source, flags=re.S)
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"{%\s*image\b[^%]*?\bclass=\"([^\"]*)\"[^%]*%}", r'<img class="\1">', source)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.S)
    return re.sub(r"{{(.*?)}}", _expression, source, flags=re.S)


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []  # (line, "class" or "id", token)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "class":
                self.found.extend((self.getpos()[0], "class", t) for t in (value or "").split())
            elif name == "id":
                self.found.append((self.getpos()[0], "id", value or ""))


def attributes(path):
    parser = Attributes()
    parser.feed(markup(path.read_text()))
    return parser.found


def test_the_public_templates_are_found():
    names = {str(path.relative_to(TEMPLATES)) for path in public_templates()}
    assert {"base.html", "includes/product_card.html", "calendars/calendar.html"} <= names
    assert not any(name.startswith(("admin/", "emails/")) for name in names)


@pytest.mark.parametrize(
    "path", public_templates(), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_every_class_and_id_of_a_public_template_starts_with_wp(path):
    outside = [
        f"line {line}: {kind} {token!r}"
        for line, kind, token in attributes(path)
        if not token.startswith(PREFIX)
    ]
    assert outside == []


def test_the_template_check_sees_classes_ids_and_their_variants():
    """The parser the test above relies on: a class in either branch of an ``if``, in an
    ``{% image %}`` tag, an id from an unknown expression, all reported."""
    source = (
        '{% load wagtailimages_tags %}<div class="wp-a{% if x %} passes-b{% else %} c{% endif %}"'
        ' id="{{ thing.pk }}">{% image img fill-10x10 class="card" %}'
        '<p class="wp-status--{{ tone }}" id="{{ form.code.id_for_label }}">'
        "{# <i class='old'> #}</p></div>"
    )
    parser = Attributes()
    parser.feed(markup(source))
    tokens = {(kind, token) for _, kind, token in parser.found}
    assert {("class", "passes-b"), ("class", "c"), ("class", "card")} <= tokens
    assert ("id", "{{thing.pk}}") in tokens
    assert ("class", "wp-status--{{tone}}") in tokens  # its text before decides
    assert ("id", "wp-expr") in tokens
    assert ("class", "old") not in tokens


def test_checkout_form_ids_are_namespaced():
    """``{{ form.<field>.id_for_label }}`` and the payment radios: Django's ``id_email`` would
    share an id with a host's own form on the page."""
    from wagtail_passes.checkout.forms import CheckoutForm, DuesCheckoutForm, RegistrationForm

    methods = [("manual", "Bank transfer"), ("stripe", "Card")]
    forms = [
        CheckoutForm(needs_code=True, terms="Terms", methods=methods, renew="Renews"),
        DuesCheckoutForm(methods=methods),
        RegistrationForm(methods=methods),
    ]
    for form in forms:
        for field in form:
            assert field.auto_id.startswith(PREFIX), (type(form).__name__, field.name)
            for choice in getattr(field, "subwidgets", []):
                assert choice.id_for_label.startswith(PREFIX)
        assert 'id="id_' not in str(form)


def test_calendar_anchor_is_namespaced():
    from wagtail_passes.calendars.navigation import Params

    assert Params("abc123").anchor.startswith(PREFIX)


# the stylesheet ------------------------------------------------------------------------


def _split_top(text, separators):
    """``text`` split at the characters in ``separators`` outside (), [] and quotes."""
    parts, depth, quote, current = [], 0, None, ""
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char in separators:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def style_rules(css):
    """Each (selector list, declarations) of a stylesheet, inside @media blocks too."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, headers, text = [], [], ""
    for char in css:
        if char == "{":
            headers.append(text.strip())
            text = ""
        elif char == "}":
            header = headers.pop()
            if not header.startswith("@"):
                rules.append((header, text.strip()))
            text = ""
        elif char == ";" and (not headers or headers[-1].startswith("@")):
            text = ""  # a statement such as @import, outside any style rule
        else:
            text += char
    return rules


def selectors(selector_list):
    return [s.strip() for s in _split_top(selector_list, ",") if s.strip()]


def compounds(selector):
    """``.a > .b c`` as [(None, ".a"), (">", ".b"), (" ", "c")]."""
    spaced = re.sub(r"\s*([>+~])\s*", r" \1 ", selector.strip())
    steps, combinator = [], None
    for part in _split_top(spaced, " "):
        if not part:
            continue
        if part in (">", "+", "~"):
            combinator = part
            continue
        steps.append((combinator if steps else None, part))
        combinator = " "
    return steps


def _pseudo_functions(compound):
    """``compound`` without its functional pseudo-classes, and each of them as (name, what
    it holds): ``a:not(.x):is(.y, p)`` gives ``a`` and [("not", ".x"), ("is", ".y, p")]."""
    plain, functions, i = "", [], 0
    while i < len(compound):
        match = re.match(r":([\w-]+)\(", compound[i:])
        if not match:
            plain += compound[i]
            i += 1
            continue
        depth, j = 1, i + match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(compound[j], 0)
            j += 1
        functions.append((match.group(1), compound[i + match.end() : j - 1]))
        i = j
    return plain, functions


def _is_app_compound(compound):
    """The compound names an app class itself, or is a :is()/:where() of selectors that all
    match only app elements. What :not() and :has() hold does not count."""
    plain, functions = _pseudo_functions(compound)
    if re.search(r"\.wp-", plain):
        return True
    return any(
        name in ("is", "where") and all(namespaced(s) for s in selectors(inner))
        for name, inner in functions
    )


def namespaced(selector):
    """It matches only an element of the app (a ``wp-`` class) or one inside one: the
    subject or an ancestor (across a descendant or child combinator) is an app element. A
    sibling of an app element may be the host's."""
    steps = compounds(selector)
    if _is_app_compound(steps[-1][1]):
        return True
    return any(
        _is_app_compound(steps[i - 1][1]) for i in range(1, len(steps)) if steps[i][0] in " >"
    )


def test_the_selector_check_tells_app_selectors_from_host_ones():
    for selector in (
        ".wp-passes",
        ":where(.wp-passes)",
        ".wp-passes a:not(.wp-button)",
        ".wp-card > :first-child",
        "html :where(.wp-passes) h2",
        ':where(:is(html, body):is(.dark, [data-theme="dark"])) :where(.wp-passes)',
        ".wp-passes *::before",
        ":is(.wp-a, .wp-b) p",
    ):
        assert namespaced(selector), selector
    for selector in (
        ".passes",
        "h2",
        "a:not(.wp-button)",
        "body:has(.wp-receipt) *",
        ".wp-card + p",
        ":is(.wp-a, p)",
        ".dark .passes-card",
    ):
        assert not namespaced(selector), selector


def test_every_selector_of_the_stylesheet_stays_inside_the_app():
    rules = style_rules(STYLESHEET.read_text())
    assert len(rules) > 100  # the parser found the stylesheet's rules
    outside = [
        selector
        for selector_list, _ in rules
        for selector in selectors(selector_list)
        if not namespaced(selector) and selector not in HOST_SELECTORS
    ]
    assert outside == []


def declarations(block):
    return dict(
        (name.strip(), value.strip())
        for name, value in (d.split(":", 1) for d in block.split(";") if d.strip())
    )


def test_the_dark_palettes_for_host_hooks_and_for_the_os_are_the_same():
    """The palette a host hook turns on and the one "os" mode turns on are written twice
    (one inside @media); they must not drift apart."""
    palettes = [
        declarations(block)
        for selector, block in style_rules(STYLESHEET.read_text())
        if "--passes-surface" in block and "dark" in selector
    ]
    assert len(palettes) == 2
    assert palettes[0] == palettes[1]
    assert palettes[0]["color-scheme"] == "dark"
