"""The example site's own home page: a title and a StreamField body where editors add
headings, text, wagtail_passes' calendar of sessions and a list of its products."""

from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from wagtail_passes.blocks import ProductListBlock
from wagtail_passes.calendars.blocks import CalendarBlock


class HomePage(Page):
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title")),
            ("paragraph", blocks.RichTextBlock()),
            ("calendar", CalendarBlock()),
            ("products", ProductListBlock()),
        ],
        blank=True,
    )

    content_panels = Page.content_panels + [FieldPanel("body")]
