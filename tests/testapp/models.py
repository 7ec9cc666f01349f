"""A host site's own page type, as a real site would have, for page and block tests."""

from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page


class TestHomePage(Page):
    body = StreamField([("paragraph", blocks.RichTextBlock())], blank=True)
