"""The ready-made product pages, on Wagtail's own ``Page``.

Each adds to its mixin what an editor expects of a page: a body of rich text, images and
embeds, and the product's words in the site's search. A host on a custom base page model
builds the same three from the mixins (see docs/how-to/install.md).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from ..blocks import body_blocks
from ..models.products import (
    INDEX_TEMPLATE,
    PRODUCT_TEMPLATE,
    CreditPackProductMixin,
    PassProductMixin,
    ProductIndexMixin,
)


class ProductIndexPage(ProductIndexMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """Lists the passes and credit packs placed under it."""

    body = StreamField(body_blocks(), verbose_name=_("body"), blank=True)

    template = INDEX_TEMPLATE
    content_panels = [*ProductIndexMixin.content_panels, FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        *ProductIndexMixin.index_search_fields,
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("passes and credit packs index")


class PassPage(PassProductMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """An entry, unlimited or day pass (K1-K3)."""

    body = StreamField(body_blocks(), verbose_name=_("body"), blank=True)

    # Both product page types share one template (Wagtail would otherwise pick one each).
    template = PRODUCT_TEMPLATE
    content_panels = [*PassProductMixin.content_panels, FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        *PassProductMixin.product_search_fields,
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")


class CreditPackPage(CreditPackProductMixin, Page):  # noqa: DJ008 (Page gives __str__)
    """A credit pack or prepaid money credit (K4, K5)."""

    body = StreamField(body_blocks(), verbose_name=_("body"), blank=True)

    template = PRODUCT_TEMPLATE
    content_panels = [*CreditPackProductMixin.content_panels, FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        *CreditPackProductMixin.product_search_fields,
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("credit pack")
        verbose_name_plural = _("credit packs")
