"""Template filters that show dates and times the way the rest of wagtail_passes does,
in the site's time zone (``WAGTAIL_PASSES_TIME_ZONE``), whatever zone the template
engine would convert to::

    {% load passes_tags %}
    {{ session.start|passes_moment }}        Monday 9 March 2027, 18:30
    {{ session.start|passes_moment:"short" }}  9 Mar, 18:30
    {{ member_pass.valid_until|passes_day }}  9 March 2027

and the tag that loads the public pages' stylesheet from inside the content, so it works in
any host base template (one with only ``{% block content %}`` too)::

    <div class="passes">{% passes_stylesheet %}...</div>
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.formats import date_format
from django.utils.html import format_html

from ..presentation import format_day, local

register = template.Library()

STYLESHEET = "wagtail_passes/css/passes.css"
_STYLESHEET_EMITTED = "_wagtail_passes_stylesheet"

MOMENT_FORMATS = {"long": "l j F Y, H:i", "short": "j M, H:i", "time": "H:i"}


@register.filter
def passes_moment(moment, style="long"):
    if not moment:
        return ""
    return date_format(local(moment), MOMENT_FORMATS.get(style, MOMENT_FORMATS["long"]))


@register.filter
def passes_day(day):
    return format_day(day) if day else ""


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
    return format_html('<link rel="stylesheet" href="{}">', static(STYLESHEET))
