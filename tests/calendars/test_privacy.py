"""A2 on the calendar: the products offered for sessions that need a pass (P3) are only
those whose page the visitor may view (Wagtail's page privacy), on the calendar (its "Get a
pass" link), on the "Get a pass" page and in the booking service's refusal, with no query
per product."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import PageViewRestriction

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.test.factories import PassPageFactory, UserFactory

from .conftest import block_value, bulk_sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def teachers(db):
    return Group.objects.create(name="Teachers")


@pytest.fixture
def offers(yoga, teachers):
    """A session of Yoga needs a pass; a public pass, one for teachers, one behind a password."""
    yoga.require_valid_pass = True
    yoga.save()
    public = PassPageFactory(title="Open pass", programmes=[yoga])
    private = PassPageFactory(title="Teachers pass", programmes=[yoga])
    restriction = PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.set([teachers])
    secret = PassPageFactory(title="Friends pass", programmes=[yoga])
    secret.restriction = PageViewRestriction.objects.create(
        page=secret, restriction_type=PageViewRestriction.PASSWORD, password="pw"
    )
    return public, private, secret


def buy_links(html):
    return sorted(set(re.findall(r"Buy ([A-Za-z ]+ pass)", html)))


def passes_page(client, user, session):
    client.force_login(user)
    return client.get(f"/passes/sessions/{session.pk}/passes/").content.decode()


def test_a2_get_a_pass_leaves_out_products_the_visitor_may_not_view(
    offers, flow, render_block, member, teachers, client
):
    session = bulk_sessions(3, flow)[0]
    value = block_value(programmes=[flow.programme_id], first_view="list")
    teacher = UserFactory()
    teacher.groups.add(teachers)

    assert "Get a pass" in render_block(value, user=member)
    assert buy_links(passes_page(client, member, session)) == ["Open pass"]
    assert buy_links(passes_page(client, teacher, session)) == ["Open pass", "Teachers pass"]


def test_a2_a_calendar_offers_no_pass_when_only_private_products_would_pay(
    offers, flow, render_block, member
):
    public, _private, _secret = offers
    public.unpublish()
    bulk_sessions(3, flow)
    html = render_block(block_value(programmes=[flow.programme_id], first_view="list"), user=member)
    assert "A valid pass is needed" in html and "Get a pass" not in html


def test_a2_get_a_pass_shows_a_password_product_once_its_password_was_entered(
    offers, flow, member, client
):
    _public, _private, secret = offers
    session = bulk_sessions(3, flow)[0]
    assert buy_links(passes_page(client, member, session)) == ["Open pass"]
    client.post(
        reverse("wagtailcore_authenticate_with_password", args=[secret.restriction.pk, secret.pk]),
        {"password": "pw", "return_url": secret.url},
    )
    assert buy_links(passes_page(client, member, session)) == ["Friends pass", "Open pass"]


@pytest.mark.parametrize("private_products", [1, 6])
def test_a2_private_products_cost_no_query_each(
    private_products, yoga, flow, render_block, member, teachers, django_assert_max_num_queries
):
    yoga.require_valid_pass = True
    yoga.save()
    PassPageFactory(title="Open pass", programmes=[yoga])
    for i in range(private_products):
        name = "Private " + "ABCDEF"[i] + " pass"
        page = PassPageFactory(title=name, programmes=[yoga], stock_limit=50)
        restriction = PageViewRestriction.objects.create(
            page=page, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.set([teachers])
    bulk_sessions(20, flow)
    # 12 for the calendar (tests/calendars/test_queries.py) + the view restrictions of all
    # the products, their groups and the member's groups: the same for 1 as for 6.
    with django_assert_max_num_queries(15):
        html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=member)
    assert html.count(">Get a pass<") == 20


def test_a2_the_booking_page_and_the_booking_refusal_name_only_visible_products(
    client, offers, member, make_session
):
    session = make_session(2)
    client.force_login(member)

    html = client.get(f"/passes/sessions/{session.pk}/passes/").content.decode()
    assert buy_links(html) == ["Open pass"]
    with pytest.raises(BookingError) as caught:
        services.book(member, session)
    assert [p.title for p in caught.value.details["products"]] == ["Open pass"]
    assert "Teachers pass" not in caught.value.message

    _public, _private, secret = offers  # the member enters the password on its page
    client.post(
        reverse("wagtailcore_authenticate_with_password", args=[secret.restriction.pk, secret.pk]),
        {"password": "pw", "return_url": secret.url},
    )
    html = client.get(f"/passes/sessions/{session.pk}/passes/").content.decode()
    assert buy_links(html) == ["Friends pass", "Open pass"]
