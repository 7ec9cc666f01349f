"""Template filters that show dates and times the way the rest of wagtail_passes does
(``wagtail_passes.presentation``), in the active language's formats and the site's time
zone (``WAGTAIL_PASSES_TIME_ZONE``), whatever zone the template engine would convert to::

    {% load passes_tags %}
    {{ session.start|passes_moment }}          Tuesday, 9 March 2027, 18:30
    {{ session.start|passes_moment:"short" }}  9 Mar, 18:30
    {{ session.start|passes_moment:"time" }}   18:30
    {{ member_pass.valid_until|passes_day }}   9 March 2027

(the examples in en-gb; de reads "Dienstag, 9. März 2027, 18:30")

money, by the active language's conventions and the currency's own decimals::

    {{ offer.price|passes_money }}                             €90.00 (de: 90,00 €)
    {{ booking.amount_due|passes_money:booking.currency }}     JP¥1,000

and the tag that loads the public pages' stylesheet from inside the content, so it works in
any host base template (one with only ``{% block content %}`` too)::

    <div class="wp-passes">{% passes_stylesheet %}...</div>

With ``WAGTAIL_PASSES_DARK_MODE = "os"`` or ``"never"`` the link carries
``data-wagtail-passes-dark-mode``, which the stylesheet reads to follow the visitor's system
or to stay light (docs/reference/templates.md, "Light and dark").
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from ..conf import passes_settings
from ..presentation import (
    format_brief_moment,
    format_day,
    format_time,
    format_weekday_moment,
)
from ..rules.money import Money, format_money

register = template.Library()

STYLESHEET = "wagtail_passes/css/passes.css"
_STYLESHEET_EMITTED = "_wagtail_passes_stylesheet"

MOMENT_STYLES = {"long": format_weekday_moment, "short": format_brief_moment, "time": format_time}


@register.filter
def passes_moment(moment, style="long"):
    if not moment:
        return ""
    return MOMENT_STYLES.get(style, format_weekday_moment)(moment)


@register.filter
def passes_day(day):
    return format_day(day) if day else ""


@register.filter
def passes_money(value, currency=None):
    """A ``Money``, or an amount with its currency, as the active language writes money
    (``rules.money.format_money``): ``{{ offer.price|passes_money }}``,
    ``{{ booking.amount_due|passes_money:booking.currency }}``."""
    if isinstance(value, Money):
        return str(value)
    if value in (None, "") or not currency:
        return ""
    # A float is refused by format_money, as everywhere near money.
    return format_money(Decimal(value) if isinstance(value, int | str) else value, currency)


@register.simple_tag(takes_context=True)
def passes_stylesheet(context):
    """``<link rel="stylesheet">`` to the app's stylesheet, once per page: later calls in
    the same rendering or the same request (includes, blocks, the page template and
    ``wagtail_passes/base.html`` both calling it) emit nothing."""
    request = context.get("request")
    # The bottom of the render context is shared by the template, its parents, includes
    # and copies of the context; a StreamField block is a separate rendering, hence the
    # request too.
    rendering = context.render_context.dicts[0]
    if rendering.get(_STYLESHEET_EMITTED) or getattr(request, _STYLESHEET_EMITTED, False):
        return ""
    rendering[_STYLESHEET_EMITTED] = True
    if request is not None:
        setattr(request, _STYLESHEET_EMITTED, True)
    mode = passes_settings.DARK_MODE
    if mode in ("os", "never"):  # "host" needs no mark; anything else is check E007's
        return format_html(
            '<link rel="stylesheet" href="{}" data-wagtail-passes-dark-mode="{}">',
            static(STYLESHEET),
            mode,
        )
    return format_html('<link rel="stylesheet" href="{}">', static(STYLESHEET))
