"""The registration page (P9, P10): mandatory products locked in, add-ons ticked, terms per
product, the total confirmed; every bad input a clear message with nothing written."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from wagtail_passes.models import Order, ProgrammeProduct, Registration
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProgrammeFactory,
    member_pass,
)

from . import form_data, order_url, soup_of, words

pytestmark = pytest.mark.django_db


@pytest.fixture
def swim():
    programme = ProgrammeFactory(name="Swim club", slug="swim-club", description="Lanes.")
    season = PassPageFactory(title="Season pass", price=Decimal("40.00"), currency="EUR")
    swims = CreditPackPageFactory(title="10 swims", price=Decimal("90.00"), currency="EUR")
    ProgrammeProduct.objects.create(
        programme=programme, product=season, role=ProgrammeProduct.Role.MANDATORY
    )
    ProgrammeProduct.objects.create(
        programme=programme, product=swims, role=ProgrammeProduct.Role.OPTIONAL
    )
    programme.season, programme.swims = season, swims
    return programme


def register_url(programme):
    return reverse("wagtail_passes:register", kwargs={"slug": programme.slug})


def total_on(response):
    return words(soup_of(response).select_one(".wp-checkout__total"))


def alert(response):
    return words(soup_of(response).select_one(".wp-alert"))


def test_p10_anonymous_visitors_log_in_and_come_back(client, swim):
    response = client.get(register_url(swim))

    assert response.status_code == 302
    assert response["Location"] == f"{settings.LOGIN_URL}?next={register_url(swim)}"


def test_p10_an_unknown_programme_is_404(member_client):
    response = member_client.get(reverse("wagtail_passes:register", kwargs={"slug": "nope"}))

    assert response.status_code == 404


def test_p9_the_page_shows_the_mandatory_line_locked_and_offers_the_add_on(member_client, swim):
    response = member_client.get(register_url(swim))

    assert response.status_code == 200
    page = soup_of(response)
    rows = [words(row) for row in page.select(".wp-lines tbody tr")]
    assert len(rows) == 1 and "Season pass" in rows[0] and "required to register" in rows[0]
    assert "40.00" in total_on(response)
    add_ons = page.select("input[name=add_on]")
    assert [box["value"] for box in add_ons] == [str(swim.swims.pk)]
    assert "10 swims" in words(page.select_one(f"label[for={add_ons[0]['id']}]"))


def test_p9_update_total_shows_the_total_with_the_add_on(member_client, swim):
    page = member_client.get(register_url(swim))

    response = member_client.post(
        register_url(swim), {**form_data(page), "add_on": [swim.swims.pk], "action": "update"}
    )

    assert response.status_code == 200
    assert "130.00" in total_on(response)
    assert Order.objects.count() == 0 and Registration.objects.count() == 0
    assert (
        soup_of(response)
        .select_one(f"input[name=add_on][value='{swim.swims.pk}']")
        .has_attr("checked")
    )


def test_p9_registering_with_a_new_add_on_first_shows_the_new_total(member_client, swim):
    page = member_client.get(register_url(swim))

    response = member_client.post(
        register_url(swim), {**form_data(page), "add_on": [swim.swims.pk], "action": "register"}
    )

    assert response.status_code == 200
    assert "130.00" in alert(response) and "130.00" in total_on(response)
    assert Order.objects.count() == 0

    confirmed = member_client.post(
        register_url(swim),
        {**form_data(response), "add_on": [swim.swims.pk], "action": "register"},
    )
    order = Order.objects.get()
    assert confirmed.status_code == 303 and confirmed["Location"] == order_url(order)
    assert order.total == Decimal("130.00") and order.registration.programme == swim


def test_p10_registering_places_the_order_and_its_page_names_the_registration(
    member_client, member, swim
):
    page = member_client.get(register_url(swim))

    response = member_client.post(register_url(swim), {**form_data(page), "action": "register"})

    order = Order.objects.get()
    assert response.status_code == 303
    detail = member_client.get(order_url(order))
    assert "Registration Swim club" in words(soup_of(detail).select_one(".wp-receipt"))
    again = member_client.get(register_url(swim))
    assert "awaiting payment" in words(soup_of(again).select_one(".wp-passes"))
    assert order.reference in words(soup_of(again).select_one(".wp-passes"))


def test_p10_the_same_form_sent_twice_places_one_order(member_client, swim):
    page = member_client.get(register_url(swim))
    data = {**form_data(page), "action": "register"}

    first = member_client.post(register_url(swim), data)
    second = member_client.post(register_url(swim), data)

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_p10_a_member_holding_everything_registers_without_paying(member_client, member, swim):
    member_pass(member, swim.season)
    page = member_client.get(register_url(swim))
    assert "registering is free" in words(soup_of(page).select_one("#wp-registration-free"))

    response = member_client.post(register_url(swim), {**form_data(page), "action": "register"})

    assert response.status_code == 303
    assert Registration.objects.get().member == member and Order.objects.count() == 0
    followed = member_client.get(response["Location"])
    assert "You are registered for Swim club" in words(
        soup_of(followed).select_one("#wp-registered")
    )


def test_a5_terms_unticked_are_refused_with_the_product_named(member_client, swim):
    swim.season.terms = "<p>No running on deck.</p>"
    swim.season.save_revision().publish()
    page = member_client.get(register_url(swim))
    assert "No running on deck." in words(soup_of(page).select_one(".wp-terms"))

    response = member_client.post(register_url(swim), {**form_data(page), "action": "register"})

    assert response.status_code == 200
    assert "Accept the terms of “Season pass”" in alert(response)
    assert Order.objects.count() == 0 and Registration.objects.count() == 0

    accepted = member_client.post(
        register_url(swim),
        {**form_data(response), "accept_terms": [swim.season.pk], "action": "register"},
    )
    assert accepted.status_code == 303
    assert Order.objects.get().lines.get().terms_acceptances.get().terms == "No running on deck."


@pytest.mark.parametrize(
    "changes",
    [
        {"add_on": ["abc"]},
        {"add_on": ["999999"]},
        {"accept_terms": ["x"]},
        {"seen_total": "lots"},
        {"seen_total": "1e999"},
        {"token": ""},
        {"discount_code": "NOPE"},
    ],
    ids=lambda changes: next(iter(changes)) + "=" + str(next(iter(changes.values()))),
)
def test_p9_bad_input_is_a_clear_message_and_nothing_is_written(member_client, swim, changes):
    page = member_client.get(register_url(swim))

    response = member_client.post(
        register_url(swim), {**form_data(page), "action": "register", **changes}
    )

    assert response.status_code == 200
    assert alert(response)
    assert Order.objects.count() == 0 and Registration.objects.count() == 0


def test_p10_a_sold_out_mandatory_product_says_so_without_a_form(member_client, swim):
    swim.season.stock_limit = 0
    swim.season.save_revision().publish()

    response = member_client.get(register_url(swim))

    assert response.status_code == 200
    refusal = soup_of(response).select_one("[data-refusal]")
    assert refusal["data-refusal"] == "sold_out" and "Sold out" in words(refusal)
    assert soup_of(response).select_one("form.wp-checkout") is None


def test_p10_the_page_pins_its_query_count(member_client, swim, django_assert_max_num_queries):
    member_client.get(register_url(swim))  # warm caches (site, page types)

    # Measured 18: session, user, the programme, the registration; its status (mandatory
    # links, their pages, passes held, lines awaiting payment); the add-ons and each line's
    # product checked as at checkout (live page, stock, required product); one token save.
    # Each further product adds about two (a programme has a handful).
    with django_assert_max_num_queries(18):
        response = member_client.get(register_url(swim))

    assert response.status_code == 200


def test_p10_the_amounts_due_page_shows_the_mandatory_product_until_held(
    member_client, member, swim, django_assert_max_num_queries
):
    from wagtail_passes import services

    done = services.register(member, swim)
    services.cancel_order(done.order, member)

    with django_assert_max_num_queries(14):
        response = member_client.get(reverse("wagtail_passes:dues"))

    item = soup_of(response).select_one(".wp-registrations-due__item")
    assert "Swim club" in words(item) and "Season pass" in words(item)
    assert item.select_one("a")["href"] == register_url(swim)

    member_pass(member, swim.season)
    response = member_client.get(reverse("wagtail_passes:dues"))
    assert soup_of(response).select_one(".wp-registrations-due") is None
    assert "You owe nothing." in words(soup_of(response).select_one(".wp-passes"))


# ---- P10 (issue 17, item 19): the page after registering, the order awaiting payment --------


def read(element):
    """The element's text as a reader sees it (links inline, spaces collapsed)."""
    return " ".join(element.get_text().split())


def registered_with_the_add_on(member, swim):
    from wagtail_passes import services

    return services.register(member, swim, add_ons=[swim.swims.pk]).order


def test_p10_while_the_registration_order_awaits_payment_the_page_links_to_pay_it(
    member_client, member, swim
):
    order = registered_with_the_add_on(member, swim)

    page = soup_of(member_client.get(register_url(swim)))

    text = words(page.select_one(".wp-passes"))
    assert "registering is free" not in text and "Nothing to pay" not in text
    assert page.select_one("#wp-registration-free") is None
    awaiting = page.select_one("#wp-registration-awaiting")
    assert read(awaiting) == (
        f"Your registration awaits payment of order {order.reference}: pay it to complete it."
    )
    assert awaiting.select_one("a")["href"] == order_url(order)
    # No button to register again for a member whose order is waiting for payment.
    assert page.select_one("button[value=register]") is None


def test_p10_an_add_on_awaiting_payment_is_not_offered_again(member_client, member, swim):
    order = registered_with_the_add_on(member, swim)

    page = soup_of(member_client.get(register_url(swim)))

    assert page.select("input[name=add_on]") == []
    assert f"10 swims is awaiting payment in order {order.reference}." in read(
        page.select_one(".wp-passes")
    )


def test_p10_an_add_on_in_the_order_awaiting_payment_cannot_be_ordered_twice(member, swim):
    from wagtail_passes import services
    from wagtail_passes.exceptions import CheckoutError

    registered_with_the_add_on(member, swim)

    with pytest.raises(CheckoutError) as refused:
        services.register(member, swim, add_ons=[swim.swims.pk])

    assert refused.value.code == "not_an_add_on"
    assert Order.objects.count() == 1
