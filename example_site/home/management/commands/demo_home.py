"""Fill the example home page with the demo's calendar and passes (run after passes_demo).

Idempotent: a home page whose body already has a calendar is left as it is, so an editor's
changes survive the next ``make demo``.
"""

from django.core.management.base import BaseCommand
from django.urls import reverse
from wagtail.models import Site

from home.models import HomePage
from wagtail_passes.models import Programme
from wagtail_passes.products.registry import product_pages

#: The demo products the home page lists, by slug (passes_demo creates them).
LISTED = ["10-class-pass", "unlimited-month", "credit-pack-20", "swim-season-pass"]


class Command(BaseCommand):
    help = "Put the demo calendar and product list on the example home page (idempotent)."

    def handle(self, *args, **options):
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        home = site.root_page.specific if site else None
        if not isinstance(home, HomePage):
            self.stdout.write("No example home page: nothing to do.")
            return
        if any(block.block_type == "calendar" for block in home.body):
            self.stdout.write("The home page has its calendar already.")
            return
        programmes = list(Programme.objects.order_by("name").values_list("pk", flat=True))
        products = {page.slug: page for page in product_pages().live()}
        swim = Programme.objects.filter(slug="swim-club-season").first()
        register = (
            f' <a href="{reverse("wagtail_passes:register", args=(swim.slug,))}">'
            f"Join the swim club</a>: the season pass comes with registering."
            if swim
            else ""
        )
        home.body = [
            ("heading", "Coming up at the studio"),
            (
                "paragraph",
                f"<p>Book a class with your pass, or see what would pay for it.{register}</p>",
            ),
            (
                "calendar",
                {
                    "programmes": [str(pk) for pk in programmes],
                    "classes": [],
                    "first_view": "list",
                    "weeks_ahead": 6,
                    "show_price": True,
                    "show_places": True,
                },
            ),
            (
                "products",
                {
                    "heading": "Passes and credit packs",
                    "products": [products[slug] for slug in LISTED if slug in products],
                },
            ),
        ]
        home.save_revision().publish()
        self.stdout.write("Home page: calendar and product list added.")
