"""The example site's own home page: a title and a StreamField body where editors
add blocks, including wagtail_passes' calendar block once it exists."""

from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page


class HomePage(Page):
    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title")),
            ("paragraph", blocks.RichTextBlock()),
        ],
        blank=True,
    )

    content_panels = Page.content_panels + [FieldPanel("body")]
