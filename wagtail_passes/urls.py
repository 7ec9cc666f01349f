"""Public URLs of wagtail_passes. Include them in the host site's urls.py::

path("passes/", include("wagtail_passes.urls")),
"""

from django.urls import path

from .products.views import checkout_not_available

app_name = "wagtail_passes"

urlpatterns: list = [
    # A placeholder until the real checkout (C1) takes this URL over.
    path("checkout/<int:product_id>/", checkout_not_available, name="checkout"),
]
