"""Holds (C5) decided by the clock at read time: an unpaid order stops holding its stock (A1)
and its discount code use (A4) the moment its hold runs out, before any job expires it; a
late payment takes both again under the locks or is refused so the money goes back; the
tidy job expires what ran out and emails the members."""

import contextlib
import datetime as dt
from decimal import Decimal
from importlib.util import find_spec

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import CheckoutError
from wagtail_passes.models import DiscountRedemption, MemberPass, Order, OrderState, Payment
from wagtail_passes.test.factories import (
    DiscountCodeFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def refused(code, call, *args, **kwargs):
    with pytest.raises(CheckoutError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def card_order(product, member=None, **kwargs):
    """An order about to be paid by card: held for the card hold's minutes."""
    return services.place_order(member or UserFactory(), product, provider="stripe", **kwargs)


def pay_by_card(order, now=None):
    """The card payment of ``order`` arriving (the webhook's call), at ``now``."""
    return services.fulfil_order(
        order, provider="stripe", provider_id=f"cs_{order.reference}", now=now
    )


def availability(client, product):
    response = client.get(product.url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.select_one("[data-availability]")["data-availability"]


def paid_orders_with(code):
    return Order.objects.filter(
        discount_redemption__code=code, state__in=[OrderState.PAID, OrderState.PARTIALLY_REFUNDED]
    )


# ---- a hold frees its stock the moment it ends (C5, A1) ----------------------------------


def test_c5_a1_an_abandoned_card_checkout_frees_the_last_unit_when_its_hold_ends(
    client, time_machine
):
    product = PassPageFactory(title="Last spot", stock_limit=1)
    time_machine.move_to(timezone.now(), tick=False)
    abandoned = card_order(product)

    assert availability(client, product) == "sold_out"
    refused("sold_out", services.place_order, UserFactory(), product, provider="stripe")

    time_machine.move_to(abandoned.expires_at + SECOND, tick=False)  # no job has run

    assert availability(client, product) == "available"
    assert product.availability().can_buy
    bought = card_order(product)
    assert bought.state == OrderState.PENDING and bought.lines.get().holds_stock
    assert Order.objects.get(pk=abandoned.pk).state == OrderState.PENDING  # not tidied yet
    assert product.sold_count() == 1


def test_a1_the_product_lists_and_blocks_see_a_lapsed_hold_as_free(time_machine):
    from wagtail_passes.blocks import product_offers
    from wagtail_passes.services.catalogue import products_on_sale

    product = PassPageFactory(stock_limit=1)
    time_machine.move_to(timezone.now(), tick=False)
    abandoned = card_order(product)
    assert product not in products_on_sale()
    assert product_offers([product])[0].availability.code == "sold_out"

    time_machine.move_to(abandoned.expires_at + SECOND, tick=False)

    assert product in products_on_sale()
    assert product_offers([product])[0].availability.can_buy


# ---- a late payment takes its stock and its code again (C5, A1, A4) ---------------------


@pytest.mark.parametrize("tidied", [True, False], ids=["expired", "not_yet_expired"])
def test_a4_c5_a_late_payment_cannot_reuse_the_one_use_code_another_order_paid_with(tidied):
    """The issue's case: A takes a one-use code, A's hold runs out, B uses the code and
    pays, then A's late card payment arrives: refused (the money goes back), never a
    second discounted order."""
    code = DiscountCodeFactory(code="ONCE", value=Decimal(50), max_uses=1)
    product = PassPageFactory(price=Decimal("80.00"))
    a = card_order(product, discount_code="once")
    later = a.expires_at + SECOND
    if tidied:
        assert services.expire_orders(now=later) == 1

    b = services.place_order(UserFactory(), product, discount_code="once", now=later)
    pay_by_card(b, now=later)

    error = refused("code_gone", pay_by_card, a, now=later)
    assert "ONCE" in error.message
    a.refresh_from_db()
    assert a.state == (OrderState.EXPIRED if tidied else OrderState.PENDING)
    assert not Payment.objects.filter(order=a).exists()
    assert not MemberPass.objects.filter(order_line__order=a).exists()
    assert list(paid_orders_with(code)) == [b]
    assert code.uses(later) == 1


def test_a1_c5_a_late_payment_before_the_tidy_job_cannot_take_the_last_unit_sold_since():
    """The unit freed when A's hold ran out went to B; A's payment, arriving before any job
    expired A, is refused (``stock_gone``) rather than selling the unit twice."""
    product = PassPageFactory(stock_limit=1)
    a = card_order(product)
    later = a.expires_at + SECOND

    b = services.place_order(UserFactory(), product, now=later)
    pay_by_card(b, now=later)

    refused("stock_gone", pay_by_card, a, now=later)
    assert Order.objects.filter(state=OrderState.PAID).get() == b
    assert Order.objects.get(pk=a.pk).state == OrderState.PENDING
    assert product.sold_count(later) == 1
    assert not MemberPass.objects.filter(order_line__order=a).exists()


@pytest.mark.parametrize("tidied", [True, False], ids=["expired", "not_yet_expired"])
def test_a4_c5_a_late_payment_keeps_its_discount_while_the_code_has_a_use_left(tidied):
    code = DiscountCodeFactory(code="TWICE", value=Decimal(50), max_uses=2)
    product = PassPageFactory(price=Decimal("80.00"), stock_limit=3)
    a = card_order(product, discount_code="twice")
    later = a.expires_at + SECOND
    if tidied:
        services.expire_orders(now=later)
    b = services.place_order(UserFactory(), product, discount_code="twice", now=later)

    paid = pay_by_card(a, now=later)

    assert paid.state == OrderState.PAID and paid.lines.get().holds_stock
    assert paid.total == Decimal("40.00")
    assert code.uses(later) == 2 and product.sold_count(later) == 2
    another = UserFactory()
    refused(
        "code_used_up", services.place_order, another, product, discount_code="twice", now=later
    )
    assert b.state == OrderState.PENDING


def test_a4_a_code_use_comes_back_the_moment_its_order_hold_ends():
    code = DiscountCodeFactory(code="ONCE", max_uses=1)
    product = PassPageFactory()
    a = card_order(product, discount_code="once")
    assert code.uses() == 1
    refused("code_used_up", services.place_order, UserFactory(), product, discount_code="once")

    later = a.expires_at + SECOND

    assert code.uses(later) == 0
    b = services.place_order(UserFactory(), product, discount_code="once", now=later)
    assert DiscountRedemption.objects.get(order=b).code == code


def test_a4_the_discount_list_counts_the_uses_as_checkout_does(time_machine):
    from wagtail_passes.models import DiscountCode

    code = DiscountCodeFactory(code="ONCE", max_uses=1)
    time_machine.move_to(timezone.now(), tick=False)
    a = card_order(PassPageFactory(), discount_code="once")

    def listed():
        return DiscountCode.with_uses(DiscountCode.objects.filter(pk=code.pk)).get().current_uses

    assert listed() == code.uses() == 1
    time_machine.move_to(a.expires_at + SECOND, tick=False)
    assert listed() == code.uses() == 0


def test_c5_staff_mark_paid_on_a_lapsed_order_whose_code_went_is_refused(admin_client):
    from tests.admin import admin_url, post_form

    DiscountCodeFactory(code="ONCE", max_uses=1)
    product = PassPageFactory()
    a = services.place_order(UserFactory(), product, discount_code="once")
    Order.objects.filter(pk=a.pk).update(expires_at=timezone.now() - SECOND)
    services.place_order(UserFactory(), product, discount_code="once")

    page = admin_client.get(admin_url("order", "mark_paid", a.pk))
    assert "Its hold ran out" in page.content.decode()
    response = post_form(
        admin_client,
        admin_url("order", "mark_paid", a.pk),
        {"method": "bank_transfer", "confirm": "on"},
    )

    assert response.status_code == 200
    [message] = response.context["form"].errors["__all__"]
    assert "discount code “ONCE”" in message and "used up" in message
    assert Order.objects.get(pk=a.pk).state == OrderState.PENDING
    assert not Payment.objects.filter(order=a).exists()


# ---- P4: an owed order keeps holding after its hold ran out ------------------------------


def test_c5_p4_an_order_whose_unpaid_pass_paid_for_a_session_keeps_its_stock():
    programme = ProgrammeFactory(redeem_if_unpaid=True)
    product = PassPageFactory(stock_limit=1, duration_days=90, programmes=[programme])
    start = timezone.now() + dt.timedelta(days=3)
    session = SessionFactory(
        programme_class=ProgrammeClassFactory(programme=programme),
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    member = UserFactory()
    owed = services.place_order(member, product)  # bank transfer: the pass is issued unpaid
    services.book(member, session)
    later = owed.expires_at + SECOND

    assert product.sold_count(later) == 1
    refused("sold_out", services.place_order, UserFactory(), product, now=later)
    assert services.expire_orders(now=later) == 0
    assert services.run_tidy(now=later).orders_expired == 0
    assert Order.objects.get(pk=owed.pk).state == OrderState.PENDING

    services.mark_paid(owed, StaffFactory())  # still holding: nothing to take again
    assert Order.objects.get(pk=owed.pk).state == OrderState.PAID
    assert product.sold_count(later) == 1


# ---- the tidy job (C5) -------------------------------------------------------------------


def test_c5_the_tidy_job_expires_orders_whose_hold_ran_out_and_emails_them(
    django_capture_on_commit_callbacks,
):
    product = PassPageFactory(stock_limit=2)
    held = card_order(product, member=UserFactory(email="cy@example.com"))
    bank = services.place_order(UserFactory(), product)  # days of hold

    assert services.run_tidy(now=held.expires_at - SECOND).orders_expired == 0
    later = held.expires_at + SECOND
    with django_capture_on_commit_callbacks(execute=True):
        report = services.run_tidy(now=later)

    assert report.orders_expired == 1
    assert ": 1 unpaid orders expired, 0 waiting refunds sent" in report.summary()
    held.refresh_from_db()
    assert held.state == OrderState.EXPIRED and held.closed_at == later
    assert not held.lines.get().holds_stock
    assert Order.objects.get(pk=bank.pk).state == OrderState.PENDING
    assert mail.outbox[-1].subject == f"Order {held.reference} expired"
    assert mail.outbox[-1].to == ["cy@example.com"]
    assert services.run_tidy(now=later).orders_expired == 0  # idempotent


def test_c5_the_tidy_command_and_task_expire_what_ran_out(capsys):
    from wagtail_passes.tasks import run_tidy_job

    first, second = card_order(PassPageFactory()), card_order(PassPageFactory())
    past = timezone.now() - SECOND
    Order.objects.filter(pk=first.pk).update(expires_at=past)

    call_command("passes_tidy")
    assert "1 unpaid orders expired" in capsys.readouterr().out

    Order.objects.filter(pk=second.pk).update(expires_at=past)
    result = run_tidy_job.enqueue()  # the Immediate backend runs it at once
    assert "1 unpaid orders expired" in result.return_value
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.EXPIRED}


def test_c5_the_daily_job_still_expires_orders():
    order = card_order(PassPageFactory())
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - SECOND)

    assert services.run_daily().orders_expired == 1


def dummy_tasks_backend():
    """The Tasks API's Dummy backend (it keeps what is enqueued and can defer), of the API
    our tasks are built with (``compat.task``)."""
    with contextlib.suppress(ImportError):  # django-tasks < 0.12 connects it in ready()
        import django_tasks.signal_handlers  # noqa: F401
    package = "django.tasks" if find_spec("django.tasks") else "django_tasks"
    return {"default": {"BACKEND": f"{package}.backends.dummy.DummyBackend"}}


def test_c5_an_order_enqueues_its_expiry_for_its_hold_end_where_tasks_can_wait(
    django_capture_on_commit_callbacks, time_machine
):
    from wagtail_passes.tasks import expire_order_at_hold_end

    product = PassPageFactory()
    with override_settings(TASKS=dummy_tasks_backend()):
        with django_capture_on_commit_callbacks(execute=True):
            order = card_order(product)
        backend = expire_order_at_hold_end.get_backend()
        [deferred] = [r for r in backend.results if r.task.name == "expire_order_at_hold_end"]
        assert deferred.task.run_after == order.expires_at
        assert list(deferred.args) == [order.pk]

    # When the worker runs it (not before the hold's end): the order expires, once.
    time_machine.move_to(order.expires_at, tick=False)
    assert expire_order_at_hold_end.call(order.pk) is True
    assert expire_order_at_hold_end.call(order.pk) is False
    assert Order.objects.get(pk=order.pk).state == OrderState.EXPIRED


def test_c5_without_deferred_tasks_placing_an_order_enqueues_nothing_for_its_hold(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = card_order(PassPageFactory())  # the Immediate backend cannot wait

    assert len(callbacks) == 1  # the "order received" email only
    assert Order.objects.get(pk=order.pk).state == OrderState.PENDING
