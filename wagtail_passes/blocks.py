"""StreamField blocks of wagtail_passes.

``body_blocks()`` is what the ready-made product pages offer editors: rich text, an image
and an embed; a host's own product pages may reuse it.

``ProductListBlock`` lists chosen passes and credit packs (their words, today's price and a
Buy link); add it to any StreamField of the host's pages.
"""

from __future__ import annotations

from functools import cached_property

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.list_block import ListBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

from .compat import PAGE_MODEL
from .products import registry
from .products.visibility import visible_to_request


def body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("paragraph", blocks.RichTextBlock(label=_("Text"))),
        ("image", ImageChooserBlock(label=_("Image"))),
        ("embed", EmbedBlock(label=_("Embed"), help_text=_("A video or post, by its URL."))),
    ]


class ProductChooserBlock(blocks.PageChooserBlock):
    """A page chooser limited to the site's product page types, read from
    ``products.registry`` once every app is loaded (so a host's own product pages on a
    custom base page model count). It takes no page types: migrations record none."""

    def __init__(self, **kwargs):
        kwargs.pop("page_type", None)
        kwargs.pop("target_model", None)
        super().__init__(**kwargs)

    @cached_property
    def target_models(self):
        from .products.registry import product_models

        return product_models() or [apps.get_model(PAGE_MODEL)]


class ProductListBlock(blocks.StructBlock):
    """Chosen passes and credit packs, each with its words, today's price and a Buy link.

    Visitors see the chosen products that are live and still sold, in the editor's order;
    one that was unpublished, deleted, archived or whose sale is over is left out without a
    word, and so is one whose page the visitor may not view (A2: editors may choose a
    private product; only visitors who may view its page see it). Validation: at least one
    product (deferred when a draft is saved), no product twice, only product pages.
    """

    heading = blocks.CharBlock(
        label=_("Heading"),
        required=False,
        max_length=255,
        help_text=_("Shown above the products; leave empty for none."),
    )
    products = blocks.ListBlock(
        ProductChooserBlock(label=_("Product")),
        label=_("Products"),
        help_text=_("Passes and credit packs, in the order visitors see them."),
    )

    class Meta:
        icon = "list-ul"
        label = _("Product list")
        template = "wagtail_passes/blocks/product_list.html"

    def clean(self, value):
        # The child blocks first: a missing or unknown page is their error, in their words.
        result = super().clean(value)
        chosen = list(result.get("products") or [])
        errors: dict[int, ValidationError] = {}
        seen: set[int] = set()
        for index, page in enumerate(chosen):
            if page is None:
                continue
            if not registry.is_product(page):
                errors[index] = ValidationError(
                    _("Choose a pass or credit pack page; this page is not one."),
                    code="not_a_product",
                )
            elif page.pk in seen:
                errors[index] = ValidationError(
                    _("This product is already in the list."), code="duplicate"
                )
            seen.add(page.pk)
        non_block_errors = []
        if not seen and not getattr(self, "is_deferred_validation", False):
            non_block_errors.append(
                ValidationError(_("Choose at least one product."), code="required")
            )
        if errors or non_block_errors:
            raise StructBlockValidationError(
                block_errors={
                    "products": ListBlockValidationError(
                        block_errors=errors, non_block_errors=non_block_errors
                    )
                }
            )
        return result

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        request = (parent_context or {}).get("request")
        context["offers"] = product_offers(value.get("products") or [], request=request)
        return context


def product_offers(pages, now=None, *, request=None) -> list:
    """The offers of ``pages`` (chosen page objects or ids) that the visitor of ``request``
    (None: an anonymous one) may see: live, on a page they may view (A2, Wagtail's page
    privacy), not archived, not past their sale; in the given order, without repeats. The
    pages are taken from ``catalogue.live_products``, read once per request (the calendar's
    "Get a pass" links read the same); then their view restrictions, their images and the
    stock of those with a stock limit: a constant number of queries."""
    from .models.holds import units_taken
    from .rules.selling import ARCHIVED, NO_LONGER_ON_SALE
    from .services.catalogue import live_products

    ids = []
    for page in pages:
        pk = getattr(page, "pk", page)
        if isinstance(pk, int) and pk not in ids:
            ids.append(pk)
    if not ids:
        return []
    found = {}
    for page in live_products(request):
        known = found.get(page.pk)
        # A page of a product type built on another is read as both: keep the specific one.
        if page.pk in ids and (known is None or isinstance(page, type(known))):
            found[page.pk] = page
    products = visible_to_request([found[pk] for pk in ids if pk in found], request)
    for page_type in {type(page) for page in products}:
        same_type = [page for page in products if type(page) is page_type]
        prefetch_related_objects(same_type, "image__renditions")
    now = now or timezone.now()
    taken = units_taken([page.pk for page in products if page.stock_limit is not None], now)
    offers = [page.offer(now, sold=taken.get(page.pk, 0)) for page in products]
    return [
        offer for offer in offers if offer.availability.code not in (ARCHIVED, NO_LONGER_ON_SALE)
    ]
