"""Included by wagtail_passes.urls inside its "wagtail_passes" namespace."""

from django.urls import path, register_converter

from .views import member_feed, programme_feed, reset_member_feed


class FeedTokenConverter:
    """A token as ``services.feeds`` issues them; anything else is a 404 without a query."""

    regex = "[A-Za-z0-9_-]{32,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedTokenConverter, "passes_feed_token")

urlpatterns: list = [
    path("feeds/programmes/<slug:slug>.ics", programme_feed, name="programme_feed"),
    path("feeds/bookings/reset/", reset_member_feed, name="reset_member_feed"),
    path("feeds/bookings/<passes_feed_token:token>.ics", member_feed, name="member_feed"),
]
