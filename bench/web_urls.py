"""The example site's URLs with the bench's floor views in front (bench/web_floor.py)."""

from django.urls import path
from example.urls import urlpatterns as site_urlpatterns

from bench import web_floor

urlpatterns = [
    path("bench/floor/ok/", web_floor.ok, name="bench_floor_ok"),
    path("bench/floor/sessions/<int:pk>/book/", web_floor.book, name="bench_floor_book"),
    path("bench/floor/booked/", web_floor.ok, name="bench_floor_booked"),
    *site_urlpatterns,
]
