"""Registrations in the admin (P9, P10): the list (status in words, filters, search), a
registration's page (its mandatory products, its orders, its history), the staff's
"Withdraw", and the link from an order's page. Members register with
``services.register``."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.admin.registrations import registration_status_text
from wagtail_passes.models import Order, ProgrammeProduct, Registration
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, listed, row_cells, sidebar_menu

pytestmark = pytest.mark.django_db

INDEX_URL = admin_url("registration", "index")
HOME_URL = reverse("wagtailadmin_home")
MANDATORY = ProgrammeProduct.Role.MANDATORY
OPTIONAL = ProgrammeProduct.Role.OPTIONAL


def inspect_url(registration):
    return admin_url("registration", "inspect", registration.pk)


def withdraw_url(registration):
    return admin_url("registration", "withdraw", registration.pk)


def history_url(registration):
    return admin_url("registration", "history", registration.pk)


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def form_errors(response):
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def text_of(response, **find):
    soup = BeautifulSoup(response.content, "html.parser")
    part = soup.find(**find) if find else soup
    return part.get_text(" ", strip=True)


def snapshot():
    return (
        list(Registration.objects.order_by("pk").values()),
        list(Order.objects.order_by("pk").values()),
        list(ModelLogEntry.objects.order_by("pk").values("action", "object_id")),
    )


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def staff(client, *codenames):
    user = StaffFactory(permissions=list(codenames))
    client.force_login(user)
    return user


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee", email="ann@example.com")


@pytest.fixture
def swim():
    """A swim club: a season pass (40.00) and a club badge (5.00) everyone must hold, and a
    towel hire pass (15.00) offered as an add-on."""
    programme = ProgrammeFactory(name="Swim club", slug="swim-club")
    season = PassPageFactory(title="Season pass", price=Decimal("40.00"), currency="EUR")
    badge = PassPageFactory(title="Club badge", price=Decimal("5.00"), currency="EUR")
    towel = PassPageFactory(title="Towel hire", price=Decimal("15.00"), currency="EUR")
    ProgrammeProduct.objects.create(programme=programme, product=season, role=MANDATORY)
    ProgrammeProduct.objects.create(programme=programme, product=badge, role=MANDATORY)
    ProgrammeProduct.objects.create(programme=programme, product=towel, role=OPTIONAL)
    programme.season, programme.badge, programme.towel = season, badge, towel
    return programme


@pytest.fixture
def chess():
    """A programme with no mandatory product."""
    return ProgrammeFactory(name="Chess club", slug="chess-club")


def register(member, programme, **kwargs):
    return services.register(member, programme, **kwargs)


def complete(member, programme):
    """Registered, and holding every mandatory product (passes given by hand)."""
    for product in (programme.season, programme.badge):
        member_pass(member, product)
    return register(member, programme).registration


def awaiting(member, programme):
    """Registered; the registering order awaits payment."""
    return register(member, programme).registration


def due(member, programme):
    """Registered; the registering order was cancelled, so both products are due again."""
    done = register(member, programme)
    services.cancel_order(done.order, by=member)
    return done.registration


def withdrawn(member, programme, by=None):
    registration = register(member, programme).registration
    return services.withdraw_registration(registration, by, reason="Moved away")


# ---- the menu and the list -----------------------------------------------------------


def test_p10_registrations_is_an_item_of_the_passes_menu(admin):
    assert "Registrations" in sidebar_menu(admin.get(HOME_URL))["Passes"]


def test_p10_list_shows_member_programme_date_and_status_in_words(admin, ann, swim, chess):
    first = complete(ann, swim)
    second = awaiting(UserFactory(), swim)
    third = due(UserFactory(), swim)
    fourth = withdrawn(UserFactory(), swim)
    fifth = register(UserFactory(), chess).registration

    response = admin.get(INDEX_URL)

    assert response.status_code == 200
    assert listed(response) == [fifth, fourth, third, second, first]  # newest first
    cells = row_cells(response, first)
    # The member's email is on the registration's page.
    assert cells[:2] == ["Swim club", "Ann Lee (ann)"]
    assert cells[2]  # when, in the site's time zone
    assert cells[3] == "Complete"
    assert row_cells(response, second)[3] == "Awaiting payment"
    assert row_cells(response, third)[3] == "Due: Club badge, Season pass"
    assert row_cells(response, fourth)[3] == "Withdrawn"
    assert row_cells(response, fifth)[3] == "Complete"  # nothing mandatory
    page = response.content.decode()
    assert "Add registration" not in page


def test_p10_list_status_is_what_registration_status_says_for_each_row(admin, swim, chess):
    # Every mix a member can be in: one product held and the other awaiting payment or
    # due, a pass used up, an order of the product placed outside the registration.
    members = [UserFactory() for _ in range(8)]
    complete(members[0], swim)
    awaiting(members[1], swim)
    due(members[2], swim)
    withdrawn(members[3], swim)
    member_pass(members[4], swim.season)
    awaiting(members[4], swim)  # the badge only awaits payment
    member_pass(members[5], swim.badge)
    due(members[5], swim)  # the season pass only is due
    used_up = member_pass(members[6], swim.season)
    used_up.status = "used_up"
    used_up.save(update_fields=["status"])
    due(members[6], swim)
    services.place_order(members[7], swim.season)
    due(members[7], swim)  # the badge's order was cancelled; the season pass awaits payment
    register(members[0], chess)

    response = admin.get(INDEX_URL)

    rows = listed(response)
    assert len(rows) == 9
    for registration in rows:
        status = services.registration_status(registration.member, registration.programme)
        assert row_cells(response, registration)[3] == registration_status_text(
            registration, status
        ), registration
    words = {r.member: row_cells(response, r)[3] for r in rows if r.programme == swim}
    assert words == {
        members[0]: "Complete",
        members[1]: "Awaiting payment",
        members[2]: "Due: Club badge, Season pass",
        members[3]: "Withdrawn",
        members[4]: "Awaiting payment",
        members[5]: "Due: Season pass",
        members[6]: "Due: Club badge, Season pass",
        members[7]: "Due: Club badge",
    }


def test_p10_list_queries_do_not_grow_with_registrations(
    admin, swim, chess, django_assert_max_num_queries
):
    # 40 registrations of 40 members in two programmes, in every status: a status counted
    # per row would add 4 or more queries per row.
    # Measured: 17 for the page (session, user, profile; the programme filter's choices
    # twice, as modeladmin builds the filters twice; three counts; the page of registrations
    # joined with their members and programmes; five for the statuses of the whole page:
    # mandatory products, their specific pages (one query per page type: passes and credit
    # packs here), passes held, lines awaiting payment; locale and two page queries of the
    # menu).
    makers = (complete, awaiting, due, withdrawn)
    for number in range(36):
        makers[number % 4](UserFactory(), swim)
    for _ in range(4):
        register(UserFactory(), chess)
    admin.get(INDEX_URL)  # fills per-process caches (permission codenames), as in production

    with django_assert_max_num_queries(17):
        response = admin.get(INDEX_URL)

    assert len(listed(response)) == 40


def test_p10_list_filters_by_programme_and_current_or_withdrawn(admin, swim, chess):
    current = awaiting(UserFactory(), swim)
    gone = withdrawn(UserFactory(), swim)
    chess_one = register(UserFactory(), chess).registration

    assert listed(admin.get(INDEX_URL, {"programme": swim.pk})) == [gone, current]
    assert listed(admin.get(INDEX_URL, {"programme": chess.pk})) == [chess_one]
    assert listed(admin.get(INDEX_URL, {"withdrawn": "no"})) == [chess_one, current]
    assert listed(admin.get(INDEX_URL, {"withdrawn": "yes"})) == [gone]
    assert listed(admin.get(INDEX_URL, {"programme": swim.pk, "withdrawn": "no"})) == [current]
    filters = text_of(admin.get(INDEX_URL))
    assert "Swim club" in filters and "Chess club" in filters
    for nonsense in ({"programme": "abc"}, {"programme": "9" * 30}, {"withdrawn": "maybe"}):
        response = admin.get(INDEX_URL, nonsense)
        assert response.status_code == 200 and listed(response) == [], nonsense


@pytest.mark.parametrize("query", ["ann@example", "Lee", "ann", "swim"])
def test_p10_list_searches_by_member_and_programme(admin, ann, swim, chess, query):
    mine = awaiting(ann, swim)
    register(UserFactory(username="bob", first_name="Bob", last_name="Ray"), chess)

    assert listed(admin.get(INDEX_URL, {"q": query})) == [mine]


# ---- a registration's page -------------------------------------------------------------


def test_p10_inspect_shows_the_status_products_orders_and_history(admin, ann, swim):
    member_pass(ann, swim.badge)
    done = register(ann, swim)
    registration = done.registration

    response = admin.get(inspect_url(registration))

    assert response.status_code == 200
    text = text_of(response)
    assert "Ann Lee (ann)" in text and "ann@example.com" in text and "Swim club" in text
    assert "Awaiting payment" in text
    products = BeautifulSoup(response.content, "html.parser").find(
        class_="passes-registration-products"
    )
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
        for row in products.find("tbody").find_all("tr")
    ]
    assert rows == [
        ["Season pass", "Awaiting payment", done.order.reference],
        ["Club badge", "Held", "—"],
    ]
    order_page = admin_url("order", "inspect", done.order.pk)
    assert products.find("a", href=order_page) is not None
    orders = BeautifulSoup(response.content, "html.parser").find(
        class_="passes-registration-orders"
    )
    assert orders.find("a", href=order_page).get_text(strip=True) == done.order.reference
    assert "Awaiting payment" in orders.get_text(" ", strip=True)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("a", href=history_url(registration)) is not None
    assert soup.find("a", href=withdraw_url(registration)) is not None
    history = admin.get(history_url(registration))
    assert history.status_code == 200
    assert "Registered for Swim club" in history.content.decode()


def test_p10_inspect_of_a_due_registration_names_what_is_due(admin, ann, swim):
    registration = due(ann, swim)

    response = admin.get(inspect_url(registration))

    text = text_of(response, class_="passes-registration-products")
    assert "Club badge Due" in text and "Season pass Due" in text
    assert "Due: Club badge, Season pass" in text_of(response)
    assert "Cancelled" in text_of(response, class_="passes-registration-orders")


def test_p10_inspect_of_a_withdrawn_registration_says_who_and_why(admin, ann, swim, superuser):
    registration = withdrawn(ann, swim, by=superuser)

    response = admin.get(inspect_url(registration))

    text = text_of(response)
    assert "Withdrawn" in text and "Moved away" in text and "admin" in text
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find(class_="passes-registration-products") is None
    assert soup.find("a", href=withdraw_url(registration)) is None
    assert (
        "Registration for Swim club withdrawn"
        in admin.get(history_url(registration)).content.decode()
    )


# ---- withdraw ----------------------------------------------------------------------------


def test_p10_withdraw_asks_first_then_writes_the_withdrawal_and_its_history(
    admin, ann, swim, superuser
):
    registration = awaiting(ann, swim)
    before = snapshot()

    confirm = admin.get(withdraw_url(registration))

    assert confirm.status_code == 200
    assert "no longer registered" in text_of(confirm)
    assert BeautifulSoup(confirm.content, "html.parser").find("button", type="submit")
    assert snapshot() == before  # a GET changes nothing

    response = admin.post(withdraw_url(registration), {"reason": "Moved to another town"})

    assert response.status_code == 302 and response["Location"] == inspect_url(registration)
    assert messages_of(response) == ["Registration of Ann Lee (ann) for Swim club withdrawn."]
    registration.refresh_from_db()
    assert registration.withdrawn_at is not None
    assert registration.withdrawn_by == superuser
    assert registration.withdrawal_reason == "Moved to another town"
    entry = ModelLogEntry.objects.get(action="wagtail_passes.registration.withdraw")
    assert entry.object_id == str(registration.pk) and entry.user == superuser
    assert entry.data["reason"] == "Moved to another town"
    assert services.registration_status(ann, swim).is_registered is False
    assert Order.objects.get(registration=registration).state == "pending"  # left as it is


def test_p10_withdrawing_twice_shows_the_refusal_and_changes_nothing(admin, ann, swim):
    registration = awaiting(ann, swim)
    admin.post(withdraw_url(registration), {"reason": "first"})
    before = snapshot()

    again = admin.post(withdraw_url(registration), {"reason": "second"})

    assert form_errors(again) == {"__all__": ["This registration was withdrawn already."]}
    assert "This registration was withdrawn already." in again.content.decode()
    assert snapshot() == before
    confirm = admin.get(withdraw_url(registration))
    assert confirm.status_code == 200
    assert "was withdrawn on" in text_of(confirm)
    assert BeautifulSoup(confirm.content, "html.parser").find("button", type="submit") is None


def test_p10_withdraw_reason_too_long_is_a_field_error(admin, ann, swim):
    registration = awaiting(ann, swim)
    before = snapshot()

    response = admin.post(withdraw_url(registration), {"reason": "x" * 501})

    assert "reason" in form_errors(response)
    assert snapshot() == before


def test_p10_withdraw_needs_the_csrf_token(superuser, ann, swim):
    registration = awaiting(ann, swim)
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    before = snapshot()

    assert client.post(withdraw_url(registration), {"reason": "x"}).status_code == 403
    assert snapshot() == before


# ---- who may do what -------------------------------------------------------------------


def test_p10_view_permission_shows_registrations_but_not_withdraw(client, ann, swim):
    registration = awaiting(ann, swim)
    staff(client, "view_registration")

    assert sidebar_menu(client.get(HOME_URL))["Passes"] == ["Registrations"]
    assert client.get(INDEX_URL).status_code == 200
    page = client.get(inspect_url(registration))
    assert page.status_code == 200
    assert "Withdraw" not in text_of(page)
    # Without view_order, the order is named but not linked.
    assert registration.orders.get().reference in text_of(page)
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.find("a", href=admin_url("order", "inspect", registration.orders.get().pk)) is None
    assert client.get(history_url(registration)).status_code == 200
    before = snapshot()
    assert client.get(withdraw_url(registration)).status_code == 302
    assert client.post(withdraw_url(registration), {"reason": "x"}).status_code == 302
    assert snapshot() == before


def test_p10_staff_without_registration_permissions_is_turned_away(client, ann, swim):
    registration = awaiting(ann, swim)
    staff(client, "view_order", "change_order", "view_memberpass")
    before = snapshot()

    assert "Registrations" not in sidebar_menu(client.get(HOME_URL)).get("Passes", [])
    for url in (
        INDEX_URL,
        inspect_url(registration),
        history_url(registration),
        withdraw_url(registration),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == HOME_URL, url
    assert client.post(withdraw_url(registration), {"reason": "x"}).status_code == 302
    assert snapshot() == before


def test_p10_change_registration_permission_may_withdraw(client, ann, swim):
    registration = awaiting(ann, swim)
    user = staff(client, "change_registration")

    response = client.post(withdraw_url(registration), {"reason": ""})

    assert response.status_code == 302 and response["Location"] == inspect_url(registration)
    registration.refresh_from_db()
    assert registration.is_withdrawn and registration.withdrawn_by == user


def test_p10_no_add_edit_or_delete_by_hand(admin, ann, swim):
    registration = awaiting(ann, swim)

    for url in (
        admin_url("registration", "create"),
        admin_url("registration", "edit", registration.pk),
        admin_url("registration", "delete", registration.pk),
    ):
        assert admin.get(url).status_code == 302, url
    assert "Add registration" not in admin.get(INDEX_URL).content.decode()
    assert Registration.objects.filter(pk=registration.pk).exists()


@pytest.mark.parametrize("action", ["inspect", "withdraw", "history"])
def test_p10_bad_ids_are_a_404(admin, action):
    good = admin_url("registration", action, 1)
    for bad in ("abc", "-1", "99999999999999999999999"):
        assert admin.get(good.replace("/1/", f"/{bad}/")).status_code == 404
    assert admin.get(admin_url("registration", action, 999999)).status_code == 404
    assert admin.post(admin_url("registration", action, 999999), {"reason": "x"}).status_code == 404


# ---- the order's page links to its registration ------------------------------------------


def test_p10_an_order_page_links_to_its_registration(admin, ann, swim):
    done = register(ann, swim)

    response = admin.get(admin_url("order", "inspect", done.order.pk))

    soup = BeautifulSoup(response.content, "html.parser")
    link = soup.find("a", href=inspect_url(done.registration))
    assert link is not None and link.get_text(strip=True) == "Swim club"
    assert link.find_parent("dd").find_previous_sibling("dt").get_text(strip=True) == (
        "Registration"
    )


def test_p10_an_order_page_names_the_programme_without_a_link_for_order_only_staff(
    client, ann, swim
):
    done = register(ann, swim)
    staff(client, "view_order")

    response = client.get(admin_url("order", "inspect", done.order.pk))

    assert "Registration Swim club" in text_of(response)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("a", href=inspect_url(done.registration)) is None


def test_an_order_without_a_registration_shows_none(admin, ann):
    order = services.place_order(ann, PassPageFactory())

    response = admin.get(admin_url("order", "inspect", order.pk))

    assert "Registration" not in text_of(response)
