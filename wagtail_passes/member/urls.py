"""Included by wagtail_passes.urls inside its "wagtail_passes" namespace: the member's own
pages (M1, M2). Ids are digits only, at most 18 of them, so ``/abc/`` or an id beyond
the database's range is a 404, never an error in a view."""

from django.urls import path, register_converter

from .bookings import cancel_booking, leave_waitlist, my_bookings
from .household import edit_me, edit_person, my_household, remove_person
from .passes import my_pass, my_passes
from .renewal import pass_renewal
from .settings import member_settings, remove_card


class MemberIdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(MemberIdConverter, "passes_member_id")

urlpatterns: list = [
    path("my/", my_passes, name="my_passes"),
    path("my/<passes_member_id:pk>/", my_pass, name="my_pass"),
    path("my/<passes_member_id:pk>/renewal/", pass_renewal, name="pass_renewal"),
    path("my/household/", my_household, name="my_household"),
    path("my/household/me/", edit_me, name="edit_me"),
    path("my/household/<passes_member_id:pk>/", edit_person, name="edit_person"),
    path("my/household/<passes_member_id:pk>/remove/", remove_person, name="remove_person"),
    path("my/settings/", member_settings, name="member_settings"),
    path("my/settings/card/remove/", remove_card, name="remove_card"),
    path("bookings/", my_bookings, name="my_bookings"),
    path("bookings/<passes_member_id:pk>/cancel/", cancel_booking, name="cancel_booking"),
    path("bookings/waiting/<passes_member_id:pk>/leave/", leave_waitlist, name="leave_waitlist"),
]
