"""Template filters that show dates and times the way the rest of wagtail_passes does,
in the site's time zone (``WAGTAIL_PASSES_TIME_ZONE``), whatever zone the template
engine would convert to::

    {% load passes_tags %}
    {{ session.start|passes_moment }}        Monday 9 March 2027, 18:30
    {{ session.start|passes_moment:"short" }}  9 Mar, 18:30
    {{ member_pass.valid_until|passes_day }}  9 March 2027
"""

from __future__ import annotations

from django import template
from django.utils.formats import date_format

from ..presentation import format_day, local

register = template.Library()

MOMENT_FORMATS = {"long": "l j F Y, H:i", "short": "j M, H:i", "time": "H:i"}


@register.filter
def passes_moment(moment, style="long"):
    if not moment:
        return ""
    return date_format(local(moment), MOMENT_FORMATS.get(style, MOMENT_FORMATS["long"]))


@register.filter
def passes_day(day):
    return format_day(day) if day else ""
