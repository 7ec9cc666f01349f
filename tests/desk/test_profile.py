"""The member profile of the front desk (issue 18, item 1): everything a member holds on
one page, each block paged on its own and shown only with its own view permission, the
empty states, and a fixed number of queries whatever the member holds.

Today is Wednesday 10 March 2027, 10:00 in London (GMT).
"""

import pytest
from django.test import Client
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import Registration
from wagtail_passes.services.staff_roles import ensure_front_desk_group
from wagtail_passes.test.factories import ProgrammeFactory, UserFactory

from .profile_helpers import *  # noqa: F403 (the fixtures)
from .profile_helpers import block, links, profile, rows, text

pytestmark = pytest.mark.django_db


# ---- the blocks -----------------------------------------------------------------------


def test_S1_S4_passes_show_what_is_left_status_holds_renewal_payment_and_tools(admin, ann, held):
    section = block(admin.get(profile(ann)), "passes")

    found = rows(section, "passes-passes")
    # Newest first: the pending order issued nothing yet (C2: a pass once paid).
    titles = [row[0].split(" Valid until")[0] for row in found]
    assert titles == ["Unlimited month", "Ten classes", "Ten classes"]
    gift, bought, old = found
    assert gift[1:5] == ["Unlimited", "Active", "Does not renew", "Complimentary"]
    assert bought[1:5] == ["8 of 10 entries", "Active", "Does not renew", "Paid €90.00"]
    assert "On hold 20 Mar 2027 – 22 Mar 2027" in bought[0]
    assert old[2] == "Cancelled"
    tools = [
        [a.get_text(strip=True) for a in tr.find_all("a", class_="button")]
        for tr in section.find(id="passes-passes").find("tbody").find_all("tr")
    ]
    # Adjust is not offered on an unlimited pass; a cancelled pass has no tools (S4).
    assert tools == [
        ["Put on hold", "Extend", "Cancel pass"],
        ["Put on hold", "Adjust balance", "Extend", "Cancel pass"],
        [],
    ]
    inspect = reverse("wagtail_passes_memberpass_modeladmin_inspect", args=[held["bought"].pk])
    assert links(section)["Ten classes"] in (
        inspect,
        reverse("wagtail_passes_memberpass_modeladmin_inspect", args=[held["old"].pk]),
    )


def test_S3_bookings_upcoming_past_and_waiting(admin, ann, held):
    response = admin.get(profile(ann))

    upcoming = rows(block(response, "upcoming"), "passes-upcoming")
    assert upcoming == [
        [
            "Yoga Flow Yoga",
            "Thu, 11 Mar 2027, 18:00",
            "Booked",
            "Ten classes",
            "Cancel booking",
        ]
    ]
    past = rows(block(response, "past"), "passes-past")
    assert [row[:4] for row in past] == [
        ["Yoga Flow Yoga", "Tue, 9 Mar 2027, 18:00", "Booked", "Amount due €12.00"],
        ["Yoga Flow Yoga", "Mon, 8 Mar 2027, 18:00", "Attended", "Free"],
    ]
    assert past[0][4] == "Paid at the desk"
    waiting = rows(block(response, "waiting"), "passes-waiting")
    assert waiting == [
        ["Yoga Flow", "Fri, 12 Mar 2027, 18:00", "1", "1", "Remove from the waiting list"]
    ]


def test_C2_C6_S2_amounts_due_and_orders_with_totals_per_currency(admin, ann, held):
    response = admin.get(profile(ann))

    owed = block(response, "owed")
    assert rows(owed, "passes-owed") == [
        ["Yoga Flow, 9 March 2027, 18:00", "€12.00", "Paid at the desk"],
        [f"Order {held['pending'].reference}: Ten classes", "€90.00", "Mark paid"],
    ]
    assert text(owed.find(id="passes-owed-total")) == "Total owed: €102.00"
    orders = rows(block(response, "orders"), "passes-orders")
    pending, paid = held["pending"], held["order"]
    assert [row[0].split()[0] for row in orders] == [pending.reference, paid.reference]
    assert orders[0][2:] == ["Awaiting payment", "€90.00", "—", "Mark paid"]
    assert orders[1][1:] == [
        "Ten classes",
        "Paid",
        "€90.00",
        "Bank transfer or pay at the venue",
        "",
    ]


def test_C6_an_amount_due_in_an_order_awaiting_payment_is_counted_once(admin, ann, held):
    dues_order = services.place_dues_order(ann, [held["owing"]])

    owed = block(admin.get(profile(ann)), "owed")

    found = rows(owed, "passes-owed")
    assert found[0][0] == (
        f"Yoga Flow, 9 March 2027, 18:00 In order {dues_order.reference}, awaiting payment"
    )
    assert found[0][2] == ""  # paid with its order
    assert f"Order {dues_order.reference}: Yoga Flow, 9 March 2027, 18:00" in [r[0] for r in found]
    # 90.00 (the pass's order) + 12.00 (the order of the amount due), not 12.00 twice.
    assert text(owed.find(id="passes-owed-total")) == "Total owed: €102.00"


def test_registrations_block(admin, ann, held, superuser):
    services.withdraw_registration(held["registration"], superuser, reason="moved")
    Registration.objects.create(member=ann, programme=ProgrammeFactory(name="Chess"))

    found = rows(block(admin.get(profile(ann)), "registrations"), "passes-registrations")

    assert found == [
        ["Chess", "Wed, 10 Mar 2027, 10:00", "Registered"],
        ["Yoga", "Wed, 10 Mar 2027, 10:00", "Withdrawn on 10 Mar 2027"],
    ]


def test_S5_history_lists_staff_actions_on_their_things_newest_first(admin, ann, held, superuser):
    other = UserFactory()
    services.assign_pass(other, held["bought"].product, superuser)  # not ann's

    history = rows(block(admin.get(profile(ann)), "history"), "passes-history")

    actions = [row[1] for row in history]
    assert actions[0].startswith("Add to waiting list")
    assert any(a.startswith("Book for a member") for a in actions)
    assert any(a.startswith("Cancel pass") for a in actions)
    assert any(a.startswith("Put pass on hold") for a in actions)
    assert any(a.startswith("Adjust balance Adjusted by -1") or "Adjust" in a for a in actions)
    assert any(a.startswith("Place order") for a in actions)
    assert sum(a.startswith("Assign pass") for a in actions) == 1  # the other's is not here
    assert history[0][3] == "admin"


def test_S1_empty_states_say_so(admin, ann):
    response = admin.get(profile(ann))

    assert "No passes yet." in text(block(response, "passes"))
    assert "No upcoming bookings." in text(block(response, "upcoming"))
    assert "No bookings yet." in text(block(response, "past"))
    assert "Not waiting for any session." in text(block(response, "waiting"))
    assert "No orders yet." in text(block(response, "orders"))
    assert "Nothing is owed." in text(block(response, "owed"))
    assert "No registrations yet." in text(block(response, "registrations"))
    assert "Nothing recorded yet." in text(block(response, "history"))


def test_unknown_member_is_a_404(admin):
    assert admin.get("/admin/passes-desk/members/999999/").status_code == 404
    assert admin.get("/admin/passes-desk/members/99999999999999999999999/").status_code == 404
    assert admin.get("/admin/passes-desk/members/abc/").status_code == 404


def test_profile_is_get_only(admin, ann):
    assert admin.post(profile(ann)).status_code == 405


# ---- paging ----------------------------------------------------------------------------


def test_each_block_pages_on_its_own(admin, ann, many):
    response = admin.get(profile(ann), {"upcoming": "2"})

    upcoming = rows(block(response, "upcoming"), "passes-upcoming")
    assert [row[1] for row in upcoming] == ["Sun, 21 Mar 2027, 18:00", "Mon, 22 Mar 2027, 18:00"]
    # The other blocks stay on their first page.
    assert len(rows(block(response, "past"), "passes-past")) == 10
    assert len(rows(block(response, "passes"), "passes-passes")) == 10
    nav = block(response, "upcoming").find("nav")
    assert text(nav).startswith("Page 2 of 2")
    previous = nav.find("a", rel="prev")["href"]
    assert "upcoming=1" in previous and previous.endswith("#upcoming-section")
    past_next = block(response, "past").find("nav").find("a", rel="next")["href"]
    assert "past=2" in past_next and "upcoming=2" in past_next  # paging one keeps the other


def test_a_page_past_the_end_and_garbage_pages(admin, ann, many):
    response = admin.get(profile(ann), {"orders": "99", "passes": "abc", "past": "-1"})

    orders = block(response, "orders")
    assert "Page 99 is past the end." in text(orders)
    assert "orders=1" in orders.find("nav").find("a")["href"]
    assert len(rows(block(response, "passes"), "passes-passes")) == 10
    assert len(rows(block(response, "past"), "passes-past")) == 10
    # The amounts due still count every pending order, whatever page the orders show.
    assert len(rows(block(response, "owed"), "passes-owed")) == 12


# ---- the query count -------------------------------------------------------------------

#: The profile of any member, for a superuser: the session, the user and their Wagtail
#: profile, the sidebar's locale and pages (3); the member; their passes and renewal
#: chains; bookings (upcoming, past and amounts due in one); waiting-list entries; orders
#: (with the pending ones); registrations; history; the sessions to book them into; and
#: (F3) the household's people, read once for the household block and the "For" choices
#: (each list loads its rows' person in its own query, so a household of 5 costs the same).
PROFILE_QUERIES = 16
#: The same page for a member of the "Front desk" group: the same 10 queries of the profile,
#: and Django's and Wagtail's permission look-ups for a group member (their permissions,
#: their groups' permissions, the groups' page and collection permissions).
FRONT_DESK_QUERIES = 18


def test_S1_query_count_is_the_same_for_nothing_and_everything(
    admin, ann, many, held, django_assert_num_queries
):
    nobody = UserFactory()
    admin.get(profile(nobody))  # fills per-process caches (content types), as in production

    with django_assert_num_queries(PROFILE_QUERIES):
        admin.get(profile(nobody))
    with django_assert_num_queries(PROFILE_QUERIES):
        response = admin.get(profile(ann), {"past": "2", "history": "2"})

    assert len(rows(block(response, "history"), "passes-history")) == 20


def test_S1_query_count_for_the_front_desk_group_is_constant_too(
    clock, ann, many, held, django_assert_num_queries
):
    group, _ = ensure_front_desk_group()
    desk = UserFactory()
    desk.groups.add(group)
    client = Client()
    client.force_login(desk)
    nobody = UserFactory()
    client.get(profile(nobody))

    with django_assert_num_queries(FRONT_DESK_QUERIES):
        client.get(profile(nobody))
    with django_assert_num_queries(FRONT_DESK_QUERIES):
        client.get(profile(ann))
