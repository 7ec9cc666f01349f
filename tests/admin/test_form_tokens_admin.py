"""Every admin form that moves money or changes what a member holds carries a one-time
token (``wagtail_passes/admin/once.py``; issue 17, item 14): sent twice, it acts once; sent
without the token it was given, it changes nothing and comes back "out of date".

C4 the refund, C2 "Mark paid", C5 "Cancel order", C6 the desk payment, S4 the pass tools
(assign, adjust, hold, extend, cancel)."""

import datetime as dt
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.admin import once
from wagtail_passes.models import (
    Booking,
    FormToken,
    Hold,
    LedgerEntry,
    MemberPass,
    Order,
    OrderState,
    Payment,
    Refund,
)
from wagtail_passes.services.form_tokens import claim_form_token
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProgrammeClassFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from . import admin_url, form_token

pytestmark = pytest.mark.django_db

OUT_OF_DATE = "This form is out of date: check it and send it again."


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ann():
    return UserFactory(username="ann", first_name="Ann", last_name="Lee")


@pytest.fixture
def paid(ann):
    product = PassPageFactory(title="Ten classes", price=Decimal("90.00"), currency="EUR")
    return services.mark_paid(services.place_order(ann, product), by=None)


@pytest.fixture
def pending(ann):
    return services.place_order(ann, PassPageFactory(title="Trial", price=Decimal("20.00")))


@pytest.fixture
def owing():
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=48)
    session = SessionFactory(
        start=start, end=start + dt.timedelta(hours=1), programme_class=ProgrammeClassFactory()
    )
    booking = services.book(UserFactory(username="bob"), session)  # no pass: owes the price
    assert booking.amount_due > 0
    return booking


@pytest.fixture
def ten_entries(ann):
    return member_pass(ann, title="Ten classes", quantity=Decimal(10), duration_days=30)


def snapshot():
    """Everything these forms could change."""
    return [
        list(model.objects.order_by("pk").values())
        for model in (Order, Payment, Refund, Booking, MemberPass, LedgerEntry, Hold)
    ]


def messages_of(response):
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


def non_field_errors(response):
    assert response.status_code == 200
    return list(response.context["form"].non_field_errors())


def in_days(days):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


# ---- each form, its token, and the same form sent twice ---------------------------------


def forms(paid, pending, owing, ten_entries, ann):
    """(url, data that does something, what a second sending is told) per form."""
    line = paid.lines.get()
    product = PassPageFactory(title="Gift")
    return {
        "c4_refund": (
            admin_url("order", "refund", paid.pk),
            {f"line_{line.pk}": "on", f"amount_{line.pk}": "20", "confirm": "on"},
            "This refund was recorded already; nothing changed.",
        ),
        "c2_mark_paid": (
            admin_url("order", "mark_paid", pending.pk),
            {"method": "bank_transfer", "reference": "transfer 7", "confirm": "on"},
            "This payment was recorded already; nothing changed.",
        ),
        "c5_cancel_order": (
            admin_url("order", "cancel", pending.pk),
            {},
            "This order was cancelled already; nothing changed.",
        ),
        "c6_desk_payment": (
            admin_url("booking", "desk_payment", owing.pk),
            {"method": "cash", "note": "receipt 9"},
            "This payment at the desk was recorded already; nothing changed.",
        ),
        "s4_assign": (
            admin_url("memberpass", "assign"),
            {"member": ann.pk, "product": product.pk, "reason": "gift"},
            "This pass was assigned already; nothing changed.",
        ),
        "s4_adjust": (
            admin_url("memberpass", "adjust", ten_entries.pk),
            {"amount": "2", "reason": "goodwill"},
            "This adjustment was made already; nothing changed.",
        ),
        "s4_extend": (
            admin_url("memberpass", "extend", ten_entries.pk),
            {"days": "30", "reason": "injury"},
            "This extension was made already; nothing changed.",
        ),
        "s4_hold": (
            admin_url("memberpass", "hold", ten_entries.pk),
            {"starts_on": in_days(5), "ends_on": in_days(9), "reason": "travel"},
            "This hold was recorded already; nothing changed.",
        ),
        "s4_cancel_pass": (
            admin_url("memberpass", "cancel", ten_entries.pk),
            {"reason": "left the studio"},
            "This pass was cancelled already; nothing changed.",
        ),
    }


FORMS = [
    "c4_refund",
    "c2_mark_paid",
    "c5_cancel_order",
    "c6_desk_payment",
    "s4_assign",
    "s4_adjust",
    "s4_extend",
    "s4_hold",
    "s4_cancel_pass",
]


@pytest.fixture(params=FORMS)
def money_form(request, paid, pending, owing, ten_entries, ann):
    return forms(paid, pending, owing, ten_entries, ann)[request.param]


def test_c4_c2_c5_c6_s4_each_money_form_carries_a_one_time_token(admin, money_form):
    url, _data, _done = money_form
    first, second = admin.get(url), admin.get(url)

    tokens = [form_token(first), form_token(second)]

    assert all(len(token) >= 32 for token in tokens), tokens
    assert tokens[0] != tokens[1]  # one per form shown
    field = BeautifulSoup(first.content, "html.parser").find("input", attrs={"name": "form_token"})
    assert field["type"] == "hidden"
    assert field.find_parent("form")["method"] == "post"


@pytest.mark.parametrize("token", ["", "forged-0123456789abcdef0123456789ab", "x" * 500])
def test_c4_c2_c5_c6_s4_a_form_without_its_token_changes_nothing(admin, money_form, token):
    url, data, _done = money_form
    admin.get(url)  # a real token exists in the session; this POST does not carry it
    before = snapshot()

    response = admin.post(url, {**data, "form_token": token} if token else data)

    assert non_field_errors(response) == [OUT_OF_DATE]
    assert OUT_OF_DATE in response.content.decode()
    assert snapshot() == before
    # The page that says so carries a new token, which works.
    again = admin.post(url, {**data, "form_token": form_token(response)})
    assert again.status_code == 302
    assert snapshot() != before


def test_c4_c2_c5_c6_s4_the_same_form_sent_twice_acts_once(admin, money_form):
    url, data, done_already = money_form
    token = form_token(admin.get(url))

    first = admin.post(url, {**data, "form_token": token})
    assert first.status_code == 302, first.context and first.context["form"].errors
    after_first = snapshot()
    second = admin.post(url, {**data, "form_token": token})

    assert second.status_code == 302
    assert second["Location"] == first["Location"]  # where the first one led
    assert messages_of(second)[-1] == done_already
    assert snapshot() == after_first


def test_c4_a_token_is_good_for_its_own_form_only(admin, paid, pending):
    refund_token = form_token(admin.get(admin_url("order", "refund", paid.pk)))
    before = snapshot()

    response = admin.post(
        admin_url("order", "mark_paid", pending.pk), {"confirm": "on", "form_token": refund_token}
    )

    assert non_field_errors(response) == [OUT_OF_DATE]
    assert snapshot() == before


def test_c4_a_token_of_another_staff_members_session_is_refused(
    client, admin, paid, django_user_model
):
    url = admin_url("order", "refund", paid.pk)
    token = form_token(admin.get(url))
    line = paid.lines.get()
    other = django_user_model.objects.create_superuser("other", "other@example.com", "pw")
    client.logout()
    client.force_login(other)  # a new session, which was never given the token
    before = snapshot()

    response = client.post(url, {f"line_{line.pk}": "on", "confirm": "on", "form_token": token})

    assert non_field_errors(response) == [OUT_OF_DATE]
    assert snapshot() == before


# ---- C4: the refund twice ---------------------------------------------------------------


def refund_data(order, amount="20", token=""):
    line = order.lines.get()
    return {
        f"line_{line.pk}": "on",
        f"amount_{line.pk}": amount,
        "confirm": "on",
        "form_token": token,
    }


def test_c4_a_manual_refund_submitted_twice_is_recorded_once(admin, paid):
    """The page reloaded after the refund (the browser's "resend"): one refund of 20.00,
    not two; the second answer says it was recorded already and leads to the order."""
    url = admin_url("order", "refund", paid.pk)
    token = form_token(admin.get(url))

    first = admin.post(url, refund_data(paid, token=token))
    second = admin.post(url, refund_data(paid, token=token))

    assert [first.status_code, second.status_code] == [302, 302]
    assert second["Location"] == admin_url("order", "inspect", paid.pk)
    assert messages_of(second)[-1] == "This refund was recorded already; nothing changed."
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("20.00")]
    paid.refresh_from_db()
    assert paid.state == OrderState.PARTIALLY_REFUNDED


def test_c4_the_same_token_reaching_the_service_again_refunds_once(admin, paid):
    """Where neither the session nor the claim remembers the first sending (a session
    write lost to another tab, a claim tidied away), the refund service still finds the
    token's refund under the order's lock: the token is its request key."""
    url = admin_url("order", "refund", paid.pk)
    token = form_token(admin.get(url))
    admin.post(url, refund_data(paid, token=token))
    # Forget the first sending everywhere but in the refund's own row.
    session = admin.session
    tokens = session[once.SESSION_KEY]
    tokens[token] = [url, ""]
    session[once.SESSION_KEY] = tokens
    session.save()
    FormToken.objects.all().delete()

    again = admin.post(url, refund_data(paid, token=token))

    assert again.status_code == 302
    assert messages_of(again)[-1] == "This refund was recorded already; nothing changed."
    assert Refund.objects.count() == 1
    assert Refund.objects.get().request_key == token


def test_c4_a_form_sent_while_the_same_is_being_sent_changes_nothing(admin, paid):
    """A double click: the second request finds the token claimed by the first (still
    running) and leads to the order without refunding."""
    url = admin_url("order", "refund", paid.pk)
    token = form_token(admin.get(url))
    assert claim_form_token(token)  # the first request, still at work
    before = snapshot()

    response = admin.post(url, refund_data(paid, token=token))

    assert response.status_code == 302
    assert response["Location"] == admin_url("order", "inspect", paid.pk)
    assert "sent twice at the same time" in messages_of(response)[-1]
    assert snapshot() == before


def test_c4_a_refused_refund_gives_the_form_a_new_token(admin, paid):
    """The service refused (too much): nothing changed, the form comes back with a new
    token; the old one cannot be sent again, the new one refunds once corrected."""
    url = admin_url("order", "refund", paid.pk)
    token = form_token(admin.get(url))
    before = snapshot()

    refused = admin.post(url, refund_data(paid, amount="500", token=token))

    assert refused.status_code == 200 and snapshot() == before
    fresh = form_token(refused)
    assert fresh and fresh != token
    stale = admin.post(url, refund_data(paid, token=token))
    assert non_field_errors(stale) == [OUT_OF_DATE] and snapshot() == before
    assert admin.post(url, refund_data(paid, token=fresh)).status_code == 302
    assert Refund.objects.count() == 1


def test_c4_a_form_that_is_not_valid_keeps_its_token(admin, paid):
    """A missing tick never reaches the service: the same token still works."""
    url = admin_url("order", "refund", paid.pk)
    token = form_token(admin.get(url))
    assert token
    data = refund_data(paid, token=token)
    del data["confirm"]

    invalid = admin.post(url, data)

    assert invalid.status_code == 200 and form_token(invalid) == token
    assert admin.post(url, refund_data(paid, token=token)).status_code == 302
    assert Refund.objects.count() == 1


# ---- S4: the pass tools, twice ----------------------------------------------------------


def test_s4_extend_by_30_days_sent_twice_extends_once(admin, ten_entries):
    url = admin_url("memberpass", "extend", ten_entries.pk)
    end = ten_entries.valid_until
    token = form_token(admin.get(url))

    for _ in range(2):
        admin.post(url, {"days": "30", "reason": "injury", "form_token": token})

    ten_entries.refresh_from_db()
    assert ten_entries.valid_until == end + dt.timedelta(days=30)
    assert ten_entries.ledger.filter(kind="extend").count() == 1


def test_s4_adjust_sent_twice_adjusts_once(admin, ten_entries):
    url = admin_url("memberpass", "adjust", ten_entries.pk)
    token = form_token(admin.get(url))

    for _ in range(2):
        admin.post(url, {"amount": "-3", "reason": "paid in cash", "form_token": token})

    ten_entries.refresh_from_db()
    assert ten_entries.balance == 7


def test_s4_assign_sent_twice_gives_one_pass(admin, ann):
    url = admin_url("memberpass", "assign")
    product = PassPageFactory(title="Gift")
    token = form_token(admin.get(url))
    data = {"member": ann.pk, "product": product.pk, "paid": "on", "form_token": token}

    first, second = admin.post(url, data), admin.post(url, data)

    given = MemberPass.objects.get(member=ann)
    assert first["Location"] == second["Location"] == admin_url("memberpass", "inspect", given.pk)


# ---- C6: the desk payment twice ---------------------------------------------------------


def test_c6_desk_payment_sent_twice_is_recorded_once(admin, owing):
    url = admin_url("booking", "desk_payment", owing.pk)
    token = form_token(admin.get(url))
    data = {"method": "cash", "note": "", "form_token": token}

    first, second = admin.post(url, data), admin.post(url, data)

    assert [first.status_code, second.status_code] == [302, 302]
    assert messages_of(second)[-1] == (
        "This payment at the desk was recorded already; nothing changed."
    )
    owing.refresh_from_db()
    assert owing.amount_due == 0 and owing.amount_paid == Decimal("12.00")


def test_c4_a_form_opened_before_many_others_is_out_of_date(admin, paid):
    """The session keeps the tokens of the last ``KEEP`` forms shown: an older one is out
    of date and changes nothing."""
    url = admin_url("order", "refund", paid.pk)
    oldest = form_token(admin.get(url))
    for _ in range(once.KEEP):
        admin.get(url)
    before = snapshot()

    response = admin.post(url, refund_data(paid, token=oldest))

    assert non_field_errors(response) == [OUT_OF_DATE]
    assert snapshot() == before
