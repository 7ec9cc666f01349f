"""The host's page types: a base page with a field every page has, a home page, and its own
product pages built on the wagtail_passes mixins (with fields of their own)."""

from django.db import models
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import AbstractPage

from wagtail_passes.models import (
    CreditPackProductMixin,
    PassProductMixin,
    ProductIndexMixin,
)


class BasePage(AbstractPage):
    """The site's base page model: every page has an accent colour for its header."""

    accent_colour = models.CharField(max_length=20, blank=True)

    promote_panels = [*AbstractPage.promote_panels, FieldPanel("accent_colour")]


class HomePage(BasePage):
    body = StreamField([("paragraph", blocks.RichTextBlock())], blank=True)

    content_panels = [*BasePage.content_panels, FieldPanel("body")]


class PassesIndexPage(ProductIndexMixin, BasePage):
    pass


class ClassPassPage(PassProductMixin, BasePage):
    """A pass with the host's own field."""

    strapline = models.CharField(max_length=120, blank=True)

    content_panels = [*PassProductMixin.content_panels, FieldPanel("strapline")]
    search_fields = [*BasePage.search_fields, *PassProductMixin.product_search_fields]


class CreditsPage(CreditPackProductMixin, BasePage):
    strapline = models.CharField(max_length=120, blank=True)

    content_panels = [*CreditPackProductMixin.content_panels, FieldPanel("strapline")]
    search_fields = [*BasePage.search_fields, *CreditPackProductMixin.product_search_fields]
