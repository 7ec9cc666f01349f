"""A2 on the calendar: the Buy links of sessions that need a pass (P3) name only products
whose page the visitor may view (Wagtail's page privacy), on the calendar, on the booking
page and in the booking service's refusal, with no query per product."""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
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


def test_a2_calendar_buy_links_leave_out_products_the_visitor_may_not_view(
    offers, flow, render_block, member, teachers
):
    bulk_sessions(3, flow)
    value = block_value(programmes=[flow.programme_id], first_view="list")
    teacher = UserFactory()
    teacher.groups.add(teachers)

    assert buy_links(render_block(value, user=member)) == ["Open pass"]
    assert buy_links(render_block(value, user=teacher)) == ["Open pass", "Teachers pass"]


def test_a2_calendar_buy_links_show_a_password_product_once_its_password_was_entered(
    offers, flow, render_block, member, request_for
):
    _public, _private, secret = offers
    bulk_sessions(3, flow)
    value = block_value(programmes=[flow.programme_id], first_view="list")
    request = request_for(member)
    request.session = SessionStore()
    request.session[PageViewRestriction.passed_view_restrictions_session_key] = [
        secret.restriction.pk
    ]
    from wagtail_passes.calendars.blocks import CalendarBlock

    html = CalendarBlock().render(value, context={"request": request, "id": "0a1b2c3d"})

    assert buy_links(html) == ["Friends pass", "Open pass"]


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
    # 11 for the calendar (tests/calendars/test_queries.py) + the view restrictions of all
    # the products, their groups and the member's groups: the same for 1 as for 6.
    with django_assert_max_num_queries(14):
        html = render_block(block_value(programmes=[yoga.pk], first_view="list"), user=member)
    assert buy_links(html) == ["Open pass"]


def test_a2_the_booking_page_and_the_booking_refusal_name_only_visible_products(
    client, offers, member, make_session
):
    session = make_session(2)
    client.force_login(member)

    html = client.get(f"/passes/sessions/{session.pk}/book/").content.decode()
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
    html = client.get(f"/passes/sessions/{session.pk}/book/").content.decode()
    assert buy_links(html) == ["Friends pass", "Open pass"]
