"""A host site's own page type, as a real site would have, for page and block tests."""

from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from wagtail_passes.calendars.blocks import CalendarBlock


class TestHomePage(Page):
    body = StreamField([("paragraph", blocks.RichTextBlock())], blank=True)


class CalendarTestPage(Page):
    """A host page with the calendar block (CAL1), as an editor would build one."""

    body = StreamField(
        [("calendar", CalendarBlock()), ("paragraph", blocks.RichTextBlock())], blank=True
    )

    content_panels = [*Page.content_panels, FieldPanel("body")]
