"""Public URLs of wagtail_passes. Include them in the host site's urls.py::

path("passes/", include("wagtail_passes.urls")),
"""

app_name = "wagtail_passes"

urlpatterns: list = []
