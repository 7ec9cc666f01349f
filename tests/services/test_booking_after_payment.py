"""C3: the booking that started the checkout is made once the order's pass exists — with that
pass, never leaving an amount due; refusals leave the payment alone and are on record."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import Booking, MemberPass, Order, OrderState
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def session_of(programme, *, capacity=10, days=3):
    start = timezone.now() + dt.timedelta(days=days)
    return SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme),
        start=start,
        end=start + dt.timedelta(hours=1),
        capacity=capacity,
    )


@pytest.fixture
def yoga():
    return ProgrammeFactory(require_valid_pass=True)


@pytest.fixture
def ten_classes(yoga):
    return PassPageFactory(
        title="10-class pass", price=Decimal("90.00"), duration_days=90, programmes=[yoga]
    )


def history(order):
    return [e.data.get("message") for e in ModelLogEntry.objects.for_instance(order)]


def test_c3_paying_books_the_session_with_the_orders_pass(
    yoga, ten_classes, django_capture_on_commit_callbacks
):
    member, session = UserFactory(), session_of(yoga)
    order = services.place_order(member, ten_classes, book_session=session.pk)
    assert order.book_session == session
    assert not Booking.objects.exists()  # nothing before payment

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order, StaffFactory())

    booking = Booking.objects.get(member=member, session=session)
    assert booking.member_pass == MemberPass.objects.get(order_line__order=order)
    assert booking.amount_due == 0
    assert booking.member_pass.balance == Decimal(9)
    assert any(m.startswith("Booked ") for m in history(order))


def test_c3_a_session_full_by_then_is_not_booked_and_the_payment_stands(
    yoga, ten_classes, django_capture_on_commit_callbacks
):
    member, session = UserFactory(), session_of(yoga, capacity=1)
    order = services.place_order(member, ten_classes, book_session=session)
    other = UserFactory()
    services.assign_pass(other, ten_classes, by=StaffFactory())
    services.book(other, session)  # the last place goes meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order, StaffFactory())

    assert Order.objects.get(pk=order.pk).state == OrderState.PAID
    assert not Booking.objects.filter(member=member).exists()
    assert any(m.startswith("Could not book") and "full" in m for m in history(order))


def test_c3_a_pass_that_does_not_cover_the_session_books_nothing(
    yoga, django_capture_on_commit_callbacks
):
    elsewhere = PassPageFactory(programmes=[ProgrammeFactory()], duration_days=90)
    member, session = UserFactory(), session_of(ProgrammeFactory())  # pays at booking (P1)
    order = services.place_order(member, elsewhere, book_session=session)

    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order, StaffFactory())

    assert not Booking.objects.filter(member=member).exists()  # never an amount due instead


def test_c3_p4_the_unpaid_pass_books_at_once(django_capture_on_commit_callbacks):
    programme = ProgrammeFactory(redeem_if_unpaid=True)
    product = PassPageFactory(programmes=[programme], duration_days=90)
    member, session = UserFactory(), session_of(programme)

    with django_capture_on_commit_callbacks(execute=True):
        order = services.place_order(member, product, book_session=session)

    booking = Booking.objects.get(member=member, session=session)
    assert booking.member_pass.order_line.order == order and not booking.member_pass.is_paid
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order, StaffFactory())
    assert Booking.objects.filter(member=member).count() == 1  # not booked twice


@pytest.mark.parametrize("given", ["cancelled", "started", "999999", "abc", "1.5"])
def test_c3_a_session_that_cannot_be_booked_refuses_the_order(yoga, ten_classes, given):
    session = session_of(yoga)
    if given == "cancelled":
        session.is_cancelled = True
        session.save()
        given = session.pk
    elif given == "started":
        session = session_of(yoga, days=-1)
        given = session.pk

    with pytest.raises(CheckoutError) as caught:
        services.place_order(UserFactory(), ten_classes, book_session=given)

    assert caught.value.code == "session_not_bookable"
    assert not Order.objects.exists()


def test_c1_the_checkout_carries_the_session_and_the_order_page_says_booked(
    client, yoga, ten_classes, django_capture_on_commit_callbacks
):
    member, session = UserFactory(), session_of(yoga)
    client.force_login(member)
    url = reverse("wagtail_passes:checkout", args=(ten_classes.pk,))

    page = client.get(url, {"session": session.pk})
    soup = BeautifulSoup(page.content, "html.parser")
    assert str(session) in soup.select_one("#wp-checkout-then-book").get_text(" ")
    data = {
        field["name"]: field.get("value", "")
        for field in soup.select("form.wp-checkout input[name]")
        if field.get("type") != "checkbox"
    }
    assert data["book_session"] == str(session.pk)
    response = client.post(url, data)
    order = Order.objects.get()
    assert response.status_code == 303 and order.book_session == session
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_paid(order, StaffFactory())

    detail = client.get(reverse("wagtail_passes:order", args=(order.reference,)))
    words = BeautifulSoup(detail.content, "html.parser").select_one(".wp-order__book-session")
    assert "booked" in words.get_text(" ")


def test_c1_a_bad_session_in_the_checkout_link_is_said_and_ignored(client, yoga, ten_classes):
    client.force_login(UserFactory())

    page = client.get(
        reverse("wagtail_passes:checkout", args=(ten_classes.pk,)), {"session": "nope"}
    )

    soup = BeautifulSoup(page.content, "html.parser")
    assert page.status_code == 200
    assert "can no longer be booked" in soup.select_one(".wp-alert").get_text(" ")
    assert soup.select_one("input[name=book_session]").get("value", "") == ""
