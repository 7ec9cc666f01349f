"""Who sees the "Passes" menu and may open its lists and forms."""

import pytest
from django.urls import reverse

from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    ScheduleFactory,
    SessionFactory,
)

from . import admin_url, sidebar_menu, staff_client

pytestmark = pytest.mark.django_db

PASSES_MENU = [
    "Programmes",
    "Classes",
    "Sessions",
    "Schedules",
    "Bookings",
    "Member passes",
    "Orders",
    "Payments needing attention",
    "Registrations",
    "Discount codes",
    "Check-in",  # the front desk's screens (issue 18) follow the lists
    "Sell at the desk",  # C2, C6
    "Pass holders",  # then the reports (S1, S2)
    "Outstanding payments",
]
FACTORIES = {
    "programme": ProgrammeFactory,
    "programmeclass": ProgrammeClassFactory,
    "session": SessionFactory,
    "schedule": ScheduleFactory,
}


def test_superuser_sees_the_passes_menu_with_its_nine_items(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    assert sidebar_menu(response)["Passes"] == PASSES_MENU


def test_menu_items_open_their_lists(client, superuser):
    client.force_login(superuser)

    for model_name in FACTORIES:
        assert client.get(admin_url(model_name, "index")).status_code == 200


def test_editor_without_passes_permissions_does_not_see_the_menu():
    client = staff_client()

    response = client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    assert "Passes" not in sidebar_menu(response)


@pytest.mark.parametrize("model_name", FACTORIES)
def test_editor_without_passes_permissions_is_turned_away(model_name):
    obj = FACTORIES[model_name]()
    client = staff_client()
    urls = [
        admin_url(model_name, "index"),
        admin_url(model_name, "create"),
        admin_url(model_name, "edit", obj.pk),
        admin_url(model_name, "delete", obj.pk),
    ]

    for url in urls:
        response = client.get(url)
        # Wagtail answers "permission denied" with a message and a redirect to the dashboard.
        assert response.status_code == 302, url
        assert response["Location"] == reverse("wagtailadmin_home")

    obj.refresh_from_db()  # still there: the delete page never showed


def test_view_permission_opens_the_programme_list_only():
    programme = ProgrammeFactory(name="Yoga")
    client = staff_client("view_programme")

    assert client.get(admin_url("programme", "index")).status_code == 200
    assert sidebar_menu(client.get(reverse("wagtailadmin_home")))["Passes"] == ["Programmes"]
    # Viewing is not editing, and the other lists stay closed.
    assert client.get(admin_url("programme", "edit", programme.pk)).status_code == 302
    assert client.get(admin_url("session", "index")).status_code == 302


def test_change_permission_opens_the_programme_form():
    programme = ProgrammeFactory()
    client = staff_client("view_programme", "change_programme")

    response = client.get(admin_url("programme", "edit", programme.pk))

    assert response.status_code == 200
    assert client.get(admin_url("programme", "create")).status_code == 302
