"""P3, CAL2, U5, U6, A1, A2: one way to get a pass. A session that needs a pass shows one "Get a
pass" link; its page lists the products that would pay, cheapest per session first, each with
its price, its cost per session and a Buy link that books the session once paid — or, for a
product the member already ordered and has not paid, that order. A product the member may
not buy is not offered."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from wagtail_passes import services
from wagtail_passes.exceptions import BookingError
from wagtail_passes.models import Order, OrderState
from wagtail_passes.test.factories import (
    CreditPackPageFactory,
    PassPageFactory,
    ProgrammeClassFactory,
    UserFactory,
    member_pass,
)

from .conftest import block_value

pytestmark = pytest.mark.django_db


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def row_of(html, session):
    start = html.index(f'data-session="{session.pk}"')
    return re.sub(r"\s+", " ", html[start : html.index("</li>", start)])


def options_of(html):
    """(title, cost words, action words) of each product listed, in order."""
    found = []
    for item in re.findall(r'<li class="wp-get-pass__option">(.*?)</li>', html, re.S):
        title = text_of(re.search(r"<h2[^>]*>(.*?)</h2>", item, re.S).group(1))
        cost = text_of(re.search(r'class="wp-get-pass__cost">(.*?)</p>', item, re.S).group(1))
        found.append((title, cost, text_of(item.split("</p>")[-2])))
    return found


@pytest.fixture
def needs_pass(yoga):
    yoga.require_valid_pass = True
    yoga.save()
    return yoga


@pytest.fixture
def page(client, member):
    client.force_login(member)

    def get(session, **params):
        response = client.get(f"/passes/sessions/{session.pk}/passes/", params)
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.fixture
def listing(yoga, render_block):
    def render(user):
        return render_block(block_value(programmes=[yoga.pk], first_view="list"), user=user)

    return render


def test_p3_cal2_the_calendar_shows_one_get_a_pass_link_however_many_products_pay(
    needs_pass, make_session, member, listing
):
    for title in ("10-class pass", "5-class pass", "Unlimited month", "Drop-in"):
        PassPageFactory(title=title, programmes=[needs_pass])
    session = make_session(2)
    row = row_of(listing(member), session)
    links = re.findall(r'<a [^>]*href="([^"]*)"', row)
    assert len(links) == 1 and links[0].startswith(f"/passes/sessions/{session.pk}/passes/?next=")
    # The link names the session for screen readers, like the other action links.
    assert "Get a pass: Yoga Flow," in text_of(row)
    assert "Buy" not in row


def test_p3_the_page_lists_what_pays_cheapest_per_session_first(
    needs_pass, make_session, page, flow
):
    flow.credit_cost = 2
    flow.save()
    PassPageFactory(title="10-class pass", programmes=[needs_pass], price=Decimal("90.00"))
    PassPageFactory(
        title="5-class pass", programmes=[needs_pass], quantity=Decimal(5), price=Decimal("50.00")
    )
    PassPageFactory(
        title="Unlimited month",
        programmes=[needs_pass],
        kind="unlimited",
        quantity=None,
        duration_days=30,
        period_limit="day",
        period_max_uses=2,
        price=Decimal("120.00"),
    )
    CreditPackPageFactory(
        title="Credit pack 20", programmes=[needs_pass], quantity=Decimal(20), price=Decimal("170")
    )
    session = make_session(2)
    html = page(session)
    assert options_of(html) == [
        ("10-class pass", "€90.00 (€9.00 per session)", "Buy 10-class pass"),
        ("5-class pass", "€50.00 (€10.00 per session)", "Buy 5-class pass"),
        # 2 credits a session: 170 × 2 / 20
        ("Credit pack 20", "€170.00 (€17.00 per session)", "Buy Credit pack 20"),
        # No number for an unlimited pass: what it gives instead, after the counted ones.
        (
            "Unlimited month",
            "€120.00 (unlimited classes for 30 days, max 2 per day)",
            "Buy Unlimited month",
        ),
    ]
    # Each Buy link is the checkout booking this session once paid (C3).
    assert html.count(f'?session={session.pk}"') == 4


def test_p3_money_credit_costs_the_session_price_and_one_too_small_is_not_offered(
    needs_pass, make_session, page
):
    CreditPackPageFactory(
        title="Credit 50", programmes=[needs_pass], kind="money", quantity=Decimal(50),
        price=Decimal("45.00"),
    )  # fmt: skip
    CreditPackPageFactory(
        title="Credit 10", programmes=[needs_pass], kind="money", quantity=Decimal(10),
        price=Decimal("10.00"),
    )  # fmt: skip
    html = page(make_session(2))  # a €12.00 class
    # 45 × 12 / 50 = 10.80; €10 of credit cannot pay a €12 class (K5)
    assert options_of(html) == [("Credit 50", "€45.00 (€10.80 per session)", "Buy Credit 50")]


def test_p3_a_pending_order_is_offered_instead_of_a_second_purchase(
    needs_pass, make_session, member, page, listing
):
    season = PassPageFactory(
        title="Season pass", programmes=[needs_pass], kind="unlimited", quantity=None,
        duration_days=90, price=Decimal("240.00"),
    )  # fmt: skip
    PassPageFactory(title="10-class pass", programmes=[needs_pass], price=Decimal("90.00"))
    order = services.place_order(member, season, accepted_terms=True)
    session = make_session(2)

    html = page(session)
    assert options_of(html) == [
        ("10-class pass", "€90.00 (€9.00 per session)", "Buy 10-class pass"),
        (
            "Season pass",
            "€240.00 (unlimited classes for 90 days)",
            f"Your order {order.reference} is waiting for payment — pay now: Season pass",
        ),
    ]
    assert f'href="/passes/orders/{order.reference}/"' in html
    assert f"/passes/checkout/{season.pk}/" not in html
    # Two products still pay: the calendar keeps its one "Get a pass" link.
    assert "Get a pass" in row_of(listing(member), session)


def test_p3_cal2_a_pending_order_of_the_only_product_replaces_get_a_pass(
    needs_pass, make_session, member, listing
):
    season = PassPageFactory(title="Season pass", programmes=[needs_pass])
    order = services.place_order(member, season, accepted_terms=True)
    session = make_session(2)
    row = row_of(listing(member), session)
    assert f"Your order {order.reference} is waiting for payment — pay now" in text_of(row)
    assert f'href="/passes/orders/{order.reference}/"' in row
    assert "Get a pass" not in row
    # Another member has no order: the link to the page stays.
    assert "Get a pass" in row_of(listing(UserFactory()), session)


@pytest.mark.parametrize("ended", ["cancelled", "expired", "hold_lapsed"])
def test_p3_an_order_no_longer_awaiting_payment_is_not_offered(
    ended, needs_pass, make_session, member, page
):
    season = PassPageFactory(title="Season pass", programmes=[needs_pass])
    order = services.place_order(member, season, accepted_terms=True)
    if ended == "cancelled":
        services.cancel_order(order, member)
    elif ended == "expired":
        Order.objects.filter(pk=order.pk).update(state=OrderState.EXPIRED, closed_at=timezone.now())
    else:  # its hold ran out; the tidy job has not expired it yet
        Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    html = page(make_session(2))
    assert [o[2] for o in options_of(html)] == ["Buy Season pass"]


@pytest.mark.parametrize(
    "case",
    ["trial_used", "membership_missing", "code_only", "sold_out", "sale_over", "unpublished"],
)
def test_u5_u6_a1_a2_a_product_the_member_may_not_buy_is_not_offered(
    case, needs_pass, make_session, member, page, listing, flow
):
    PassPageFactory(title="10-class pass", programmes=[needs_pass])
    fields = {"title": "Other pass", "programmes": [needs_pass]}
    if case == "trial_used":  # U5: only new joiners, and the member booked before
        fields.update(price=Decimal(0), quantity=Decimal(1), buyer_restriction="new_joiners")
        free = ProgrammeClassFactory(programme=needs_pass, unit_price=Decimal(0))
        services.book(member, make_session(1, klass=free))
    elif case == "membership_missing":  # U5: membership required
        fields["required_product"] = PassPageFactory(
            title="Membership", classes=[ProgrammeClassFactory(name="Elsewhere")]
        )
    elif case == "code_only":  # U6: a private offer, sold from its page with its code
        fields["access_code"] = "FRIENDS"
    elif case == "sold_out":  # A1
        fields["stock_limit"] = 1
    elif case == "sale_over":  # A2
        fields["sale_ends_at"] = timezone.now() - dt.timedelta(days=1)
    other = PassPageFactory(**fields)
    if case == "sold_out":
        from wagtail_passes.test.factories import sell

        sell(other)
    if case == "unpublished":  # A2: the page's live state
        other.unpublish()
    session = make_session(2)

    assert [o[0] for o in options_of(page(session))] == ["10-class pass"]
    with pytest.raises(BookingError):
        services.book(member, session)
    # The calendar offers the page (one product still pays), the booking refusal names it alone.
    assert "Get a pass" in row_of(listing(member), session)
    evaluated = services.evaluate_member_passes(member, session)
    error = services.no_valid_pass(member, session, evaluated)
    assert [p.title for p in error.details["products"]] == ["10-class pass"]


def test_u5_the_trial_is_offered_to_a_new_joiner(needs_pass, make_session, page):
    PassPageFactory(
        title="Trial class", programmes=[needs_pass], price=Decimal(0), quantity=Decimal(1),
        buyer_restriction="new_joiners",
    )  # fmt: skip
    assert options_of(page(make_session(2))) == [("Trial class", "Free (free)", "Buy Trial class")]


def test_p3_a_member_whose_pass_pays_is_told_to_book(needs_pass, make_session, member, page):
    PassPageFactory(title="10-class pass", programmes=[needs_pass])
    member_pass(member, title="Held pass", programmes=[needs_pass])
    session = make_session(2)
    html = page(session)
    assert "A pass you hold already pays for this session. Book it" in text_of(html)
    assert f'href="/passes/sessions/{session.pk}/book/"' in html


def test_p8_a_session_that_cannot_be_booked_offers_nothing(needs_pass, make_session, page):
    PassPageFactory(title="10-class pass", programmes=[needs_pass])
    session = make_session(2, is_cancelled=True)
    html = page(session)
    assert "This session has been cancelled." in text_of(html)
    assert options_of(html) == []


def test_p3_the_page_asks_a_visitor_to_log_in(client, make_session):
    session = make_session(2)
    response = client.get(f"/passes/sessions/{session.pk}/passes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_p3_an_unknown_session_is_a_404(client, member):
    client.force_login(member)
    assert client.get("/passes/sessions/999999/passes/").status_code == 404


def test_p3_the_next_parameter_leads_back_to_the_calendar_only_on_this_site(
    needs_pass, make_session, page
):
    PassPageFactory(title="10-class pass", programmes=[needs_pass])
    session = make_session(2)
    assert 'href="/classes/?x=1"' in page(session, next="/classes/?x=1")
    assert "evil.example" not in page(session, next="https://evil.example/")


@pytest.mark.parametrize("products", [1, 6])
def test_p3_the_page_reads_in_a_constant_number_of_queries(
    products, needs_pass, make_session, member, client, django_assert_num_queries
):
    for i in range(products):
        PassPageFactory(title=f"Pass {i}", programmes=[needs_pass], stock_limit=50)
    services.place_order(member, PassPageFactory(title="Ordered", programmes=[needs_pass]))
    member_pass(member, title="Other class pass", classes=[ProgrammeClassFactory()])
    session = make_session(2)
    client.force_login(member)
    url = f"/passes/sessions/{session.pk}/passes/"
    client.get(url)  # Wagtail keeps its sites' root paths in the cache once read
    # The login (session, user); the session; the member's passes (R4; no redemptions:
    # neither is a day pass nor limited per period); per product page type its pages
    # (privacy hint inline) and, for passes, what they cover (programmes, classes); the
    # stock of all (A1); the member's pending orders of all; the request's site for the
    # product links.
    with django_assert_num_queries(QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="wp-get-pass__option"') == products + 1


QUERIES = 11
