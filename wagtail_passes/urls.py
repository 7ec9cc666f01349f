"""Public URLs of wagtail_passes. Include them in the host site's urls.py::

path("passes/", include("wagtail_passes.urls")),
"""

from django.urls import include, path, register_converter

from .checkout.dues import dues_checkout, dues_list
from .checkout.orders import order_cancel, order_detail, order_list
from .checkout.registration import register_view
from .checkout.views import checkout
from .payments.views import order_pay, stripe_return, stripe_webhook
from .services.orders import REFERENCE_ALPHABET, REFERENCE_LENGTH


class OrderReferenceConverter:
    """An order's reference as ``services.orders`` writes it; anything else is a 404."""

    regex = f"[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrderReferenceConverter, "passes_order_reference")

app_name = "wagtail_passes"

urlpatterns: list = [
    path("checkout/<int:product_id>/", checkout, name="checkout"),
    path("programmes/<slug:slug>/register/", register_view, name="register"),
    path("dues/", dues_list, name="dues"),
    path("dues/pay/", dues_checkout, name="dues_checkout"),
    path("orders/", order_list, name="orders"),
    path("orders/<passes_order_reference:reference>/", order_detail, name="order"),
    path("orders/<passes_order_reference:reference>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<passes_order_reference:reference>/pay/", order_pay, name="order_pay"),
    path("orders/<passes_order_reference:reference>/paid/", stripe_return, name="stripe_return"),
    path("webhooks/stripe/", stripe_webhook, name="stripe_webhook"),
    # The member's pages, the calendar and the feeds: their own URL modules, same namespace.
    path("", include("wagtail_passes.member.urls")),
    path("", include("wagtail_passes.calendars.urls")),
    path("", include("wagtail_passes.feeds.urls")),
]
