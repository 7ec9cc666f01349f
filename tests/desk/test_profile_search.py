"""Finding a member at the front desk (issue 18, item 1): the search box on the admin
home's "Passes today" panel and the member search page, by name, username or email, at
least two characters, paged; one member found opens their profile."""

import pytest
from django.urls import reverse

from wagtail_passes.test.factories import UserFactory

from ..admin import staff_client
from .profile_helpers import *  # noqa: F403 (the fixtures)
from .profile_helpers import page, profile, text

pytestmark = pytest.mark.django_db

SEARCH = reverse("wagtail_passes_desk:member_search")
HOME = reverse("wagtailadmin_home")


@pytest.fixture
def people(clock, ann):
    return {
        "ann": ann,
        "anna": UserFactory(
            username="anna", first_name="Anna", last_name="Berg", email="berg@example.net"
        ),
        "bob": UserFactory(
            username="bob", first_name="Bob", last_name="Stone", email="bob@studio.test"
        ),
        "gone": UserFactory(
            username="annette", first_name="Annette", last_name="Gone", is_active=False
        ),
    }


def found(response) -> list[str]:
    table = page(response).find(id="passes-member-results-table")
    if table is None:
        return []
    return [tr.find("td").get_text(strip=True) for tr in table.find("tbody").find_all("tr")]


def test_S1_search_by_name_lists_the_active_members_found(admin, people):
    response = admin.get(SEARCH, {"q": "ann"})

    # ann, anna (name), not annette (inactive).
    assert found(response) == ["Ann Lee (ann)", "Anna Berg (anna)"]
    assert page(response).find("a", string="Ann Lee (ann)")["href"] == profile(people["ann"])


def test_S1_every_word_must_match(admin, people):
    response = admin.get(SEARCH, {"q": "ann  berg"})
    assert response.status_code == 302
    assert response["Location"] == profile(people["anna"])


def test_S1_one_member_found_by_email_opens_the_profile(admin, people):
    response = admin.get(SEARCH, {"q": "STUDIO.test"})

    assert response.status_code == 302
    assert response["Location"] == profile(people["bob"])


def test_S1_search_by_username(admin, people):
    response = admin.get(SEARCH, {"q": "bob"})

    assert response["Location"] == profile(people["bob"])


def test_S1_a_query_shorter_than_two_characters_is_not_run(admin, people):
    response = admin.get(SEARCH, {"q": " a "})

    assert found(response) == []
    assert "Type at least 2 characters." in text(page(response))


def test_S1_no_member_found_says_so(admin, people):
    response = admin.get(SEARCH, {"q": "zed"})

    assert "No member matches “zed”." in text(page(response))


def test_S1_the_search_page_without_a_query_shows_the_box(admin):
    response = admin.get(SEARCH)

    assert page(response).find("input", attrs={"name": "q"}) is not None
    assert "Type at least" not in text(page(response))


def test_S1_results_are_paged(admin, clock):
    for n in range(25):
        UserFactory(username=f"member{n:02}", first_name="Sam", last_name=f"Ng{n:02}")

    first = admin.get(SEARCH, {"q": "sam"})
    second = admin.get(SEARCH, {"q": "sam", "page": "2"})

    assert len(found(first)) == 20 and len(found(second)) == 5
    nav = page(first).find("nav", class_="passes-profile__pages")
    assert "Page 1 of 2" in text(nav)
    assert "q=sam" in nav.find("a", rel="next")["href"]


def test_S1_long_and_odd_queries_never_fail(admin, people):
    for query in ("x" * 5000, "%_\\'\"", "<script>", "ä ö"):
        assert admin.get(SEARCH, {"q": query}).status_code == 200


def test_S1_the_search_needs_a_view_permission(clock, people):
    outsider = staff_client("view_schedule", group_name="Schedules")
    desk = staff_client("view_booking", group_name="Bookings")

    denied = outsider.get(SEARCH, {"q": "bob"})
    assert denied.status_code == 302 and denied["Location"] == HOME
    assert desk.get(SEARCH, {"q": "bob"})["Location"] == profile(people["bob"])


def test_S1_the_dashboard_panel_carries_the_search_box(admin, clock):
    box = page(admin.get(HOME)).find("form", attrs={"data-passes-member-search": True})

    assert box is not None
    assert box["action"] == SEARCH and box["method"] == "get"
    field = box.find("input", attrs={"name": "q"})
    assert box.find("label", attrs={"for": field["id"]}).get_text(strip=True) == "Find a member"


def test_S1_the_panel_search_box_follows_the_permissions(clock):
    orders = staff_client("view_order", group_name="Orders")

    box = page(orders.get(HOME)).find("form", attrs={"data-passes-member-search": True})

    assert box is not None  # anyone who sees the panel may open profiles
