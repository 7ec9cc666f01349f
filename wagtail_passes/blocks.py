"""StreamField blocks of wagtail_passes.

``body_blocks()`` is what the ready-made product pages offer editors: rich text, an image
and an embed; a host's own product pages may reuse it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


def body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("paragraph", blocks.RichTextBlock(label=_("Text"))),
        ("image", ImageChooserBlock(label=_("Image"))),
        ("embed", EmbedBlock(label=_("Embed"), help_text=_("A video or post, by its URL."))),
    ]
