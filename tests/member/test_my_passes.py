"""My passes and one pass's page (M1, R3): the colours and words are worked out by hand
here, never by calling the code under test."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import MemberPass
from wagtail_passes.services.orders import place_order
from wagtail_passes.test.factories import (
    PassPageFactory,
    ProductIndexPageFactory,
    SessionFactory,
    member_pass,
)

from . import soup_of, words

pytestmark = pytest.mark.django_db

MY_PASSES = "/passes/my/"


def pass_url(pk):
    return reverse("wagtail_passes:my_pass", args=[pk])


def session_at(klass, day, hour=18):
    start = dt.datetime(2026, 12, day, hour, tzinfo=dt.UTC)  # London is on GMT in December
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def card_of(soup, title):
    for item in soup.select(".wp-mypass"):
        if words(item.select_one(".wp-mypass__title")) == title:
            return item
    raise AssertionError(f"no card for {title!r}")


def facts(card):
    return {words(row.dt): words(row.dd) for row in card.select(".wp-facts__row")}


def test_m1_urls_are_the_documented_ones():
    assert reverse("wagtail_passes:my_passes") == MY_PASSES
    assert pass_url(7) == "/passes/my/7/"


def test_m1_anonymous_visitors_log_in_first(client, member, now):
    mp = member_pass(member)
    for url in (MY_PASSES, pass_url(mp.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_m1_green_available_with_progress_and_words(member_client, member, flow, now):
    mp = member_pass(member, title="Ten classes", quantity=Decimal(10))
    for day in (3, 4, 5):
        services.book(member, session_at(flow, day), member_pass=mp)

    soup = soup_of(member_client.get(MY_PASSES))

    card = card_of(soup, "Ten classes")
    assert "wp-mypass--green" in card["class"]
    standing = card.select_one(".wp-mypass__standing")
    assert standing["data-colour"] == "green"
    assert words(standing) == "✓ Status: Available now"  # the colour never stands alone
    progress = card.select_one("progress")
    assert (Decimal(progress["max"]), Decimal(progress["value"])) == (10, 3)
    label = card.select_one(f"#{progress['aria-labelledby']}")
    assert words(label) == "3 of 10 entries used"
    assert facts(card) == {
        "Left": "7 of 10 entries",
        "Valid": "No expiry",
        "Renewal": "Does not renew",
    }
    assert card.select_one(".wp-mypass__title a")["href"] == pass_url(mp.pk)
    assert words(soup.select_one("h2")) == "Current passes"


def test_m1_yellow_weekly_limit_reached_says_when_it_lifts(member_client, member, flow, now):
    mp = member_pass(member, title="Two a week", period_limit="week", period_max_uses=2)
    services.book(member, session_at(flow, 3), member_pass=mp)  # Thursday
    services.book(member, session_at(flow, 4), member_pass=mp)  # Friday

    card = card_of(soup_of(member_client.get(MY_PASSES)), "Two a week")

    assert "wp-mypass--yellow" in card["class"]
    assert words(card.select_one(".wp-mypass__status")) == (
        "Weekly limit reached (2 of 2): available again on Monday, 7 December 2026"
    )
    assert words(card.select_one(".wp-mypass__mark")) == "!"


def test_v7_yellow_on_hold(member_client, member, staff, now):
    mp = member_pass(member, title="Held")
    services.hold_pass(mp, dt.date(2026, 12, 2), dt.date(2026, 12, 9), staff, reason="Travel")

    card = card_of(soup_of(member_client.get(MY_PASSES)), "Held")

    assert "wp-mypass--yellow" in card["class"]
    assert words(card.select_one(".wp-mypass__status")) == "On hold until 9 December 2026"


def test_m1_red_used_up_expired_and_cancelled_are_past(member_client, member, staff, flow, now):
    used = member_pass(member, title="One class", quantity=Decimal(1))
    services.book(member, session_at(flow, 3), member_pass=used)
    member_pass(
        member,
        title="Old month",
        duration_days=30,
        purchased_at=dt.datetime(2026, 10, 23, 10, tzinfo=dt.UTC),
    )
    cancelled = member_pass(member, title="Refunded")
    services.cancel_pass(cancelled, staff, "Refund")

    soup = soup_of(member_client.get(MY_PASSES))

    past = soup.select_one(".wp-mypasses--past")
    assert [words(h) for h in past.select(".wp-mypass__title")] == [
        "Refunded",
        "One class",
        "Old month",
    ]  # newest purchase first
    expected = {
        "One class": ("Used up", "1 of 1 entry used"),
        "Old month": ("Expired on 22 November 2026", "0 of 10 entries used"),
        "Refunded": ("Cancelled", "0 of 10 entries used"),
    }
    for title, (status, usage) in expected.items():
        card = card_of(past, title)
        assert "wp-mypass--red" in card["class"]
        assert words(card.select_one(".wp-mypass__status")) == status
        assert words(card.select_one(".wp-mypass__usage-words")) == usage
        assert words(card.select_one(".wp-mypass__mark")) == "×"
    assert words(card_of(past, "Old month").select_one(".wp-mypass__validity")) == (
        "Valid until Sunday, 22 November 2026"
    )
    assert "You have no current passes." in words(soup)


def test_m1_expiry_and_days_left(member_client, member, now):
    member_pass(member, title="Five days", duration_days=5)

    card = card_of(soup_of(member_client.get(MY_PASSES)), "Five days")

    # bought Wednesday 2 December; 5 days, the last day included (V1)
    assert facts(card)["Valid"] == "Valid until Monday, 7 December 2026 — 5 days left"


def test_m1_unlimited_money_credits_and_days_in_their_own_words(member_client, member, flow, now):
    unlimited = member_pass(
        member, title="Unlimited month", kind="unlimited", quantity=None, duration_days=30
    )
    services.book(member, session_at(flow, 3), member_pass=unlimited)
    money = member_pass(member, title="Gift card", kind="money", quantity=Decimal("50.00"))
    services.book(member, session_at(flow, 4), member_pass=money)
    member_pass(member, title="Credits", kind="credits", quantity=Decimal(20))
    member_pass(member, title="Day pass", kind="days", quantity=Decimal(5))

    soup = soup_of(member_client.get(MY_PASSES))

    card = card_of(soup, "Unlimited month")
    assert words(card.select_one(".wp-mypass__usage-words")) == (
        "Unlimited: 1 place booked so far"
    )
    assert card.select_one("progress") is None
    assert facts(card)["Left"] == "Unlimited"
    card = card_of(soup, "Gift card")
    assert words(card.select_one(".wp-mypass__usage-words")) == "€12.00 of €50.00 used"
    assert facts(card)["Left"] == "€38.00"
    assert words(card_of(soup, "Credits").select_one(".wp-mypass__usage-words")) == (
        "0 of 20 credits used"
    )
    assert words(card_of(soup, "Day pass").select_one(".wp-mypass__usage-words")) == (
        "0 of 5 days used"
    )


def test_p4_pass_awaiting_payment_links_to_its_order(member_client, member, yoga, now):
    yoga.redeem_if_unpaid = True
    yoga.save()
    product = PassPageFactory(title="Bank transfer pass", programmes=[yoga])
    order = place_order(member, product)
    assert MemberPass.objects.get(member=member).is_paid is False

    card = card_of(soup_of(member_client.get(MY_PASSES)), "Bank transfer pass")

    payment = card.select_one(".wp-mypass__payment")
    assert words(payment) == f"Awaiting payment — order {order.reference}"
    assert payment.a["href"] == f"/passes/orders/{order.reference}/"


def test_n1_renewal_follows_the_members_choice_and_the_products_setting(member_client, member, now):
    product = PassPageFactory(title="Renewing", allow_auto_renew=True, renew_when="used_up")
    mp = member_pass(member, product)
    member_pass(member, title="Plain")
    MemberPass.objects.filter(pk=mp.pk).update(auto_renew=True)

    soup = soup_of(member_client.get(MY_PASSES))

    assert facts(card_of(soup, "Renewing"))["Renewal"] == "Renews when it is used up"
    assert facts(card_of(soup, "Plain"))["Renewal"] == "Does not renew"


def test_m1_empty_state_links_to_where_passes_are_sold(member_client, now):
    ProductIndexPageFactory(title="Buy a pass", slug="buy")

    soup = soup_of(member_client.get(MY_PASSES))

    empty = soup.select_one(".wp-empty")
    assert "You have no passes yet." in words(empty)
    link = empty.select_one("a")
    assert words(link) == "See the passes on sale: Buy a pass"
    assert link["href"].endswith("/buy/")


def test_m1_empty_state_without_a_shop_has_no_link(member_client, now):
    soup = soup_of(member_client.get(MY_PASSES))
    assert "You have no passes yet." in words(soup.select_one(".wp-empty"))
    assert soup.select_one(".wp-empty a") is None


def test_m1_only_the_members_own_passes(member_client, member, other, now):
    member_pass(member, title="Mine")
    theirs = member_pass(other, title="Theirs")

    soup = soup_of(member_client.get(MY_PASSES))

    assert [words(h) for h in soup.select(".wp-mypass__title")] == ["Mine"]
    assert member_client.get(pass_url(theirs.pk)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/passes/my/abc/",
        "/passes/my/-1/",
        "/passes/my/1.5/",
        "/passes/my/999999999999999999/",  # 18 digits: looked up, not found
        "/passes/my/99999999999999999999999/",  # beyond any id column
    ],
)
def test_m1_bad_ids_are_404(member_client, path, now):
    assert member_client.get(path).status_code == 404


def test_r3_pass_page_shows_the_ledger_and_the_bookings_it_paid(member_client, member, flow, now):
    mp = member_pass(member, title="Ten classes", quantity=Decimal(10))
    booking = services.book(member, session_at(flow, 3), member_pass=mp)
    services.cancel_booking(booking)

    soup = soup_of(member_client.get(pass_url(mp.pk)))

    assert words(soup.h1) == "Ten classes"
    assert words(soup.select_one(".wp-mypass__status")) == "Available now"
    rows = [
        [words(td) for td in row.select("td")] for row in soup.select(".wp-ledger tbody tr")
    ]
    assert [row[1:] for row in rows] == [
        ["Issued", "+10", "—", "10"],
        ["Redeemed: Yoga Flow, 3 December 2026, 18:00", "-1", "—", "9"],
        ["Returned: Yoga Flow, 3 December 2026, 18:00", "+1", "Booking cancelled", "10"],
    ]
    assert rows[0][0] == "Wed, 2 Dec 2026, 10:00"
    paid = soup.select_one(".wp-mypass__bookings")
    assert words(paid) == "Yoga Flow, Thursday, 3 December 2026, 18:00 — Cancelled"
    nav = soup.select_one(".wp-member-nav")
    assert nav.select_one("a[aria-current]")["href"] == MY_PASSES


def test_m1_nav_marks_the_current_page(member_client, now):
    nav = soup_of(member_client.get(MY_PASSES)).select_one("nav.wp-member-nav")
    links = {words(a): a for a in nav.select("a")}
    assert list(links) == [
        "My passes",
        "My bookings",
        "My orders",
        "Amounts due",
        "My household",
        "Payment and emails",
    ]
    assert links["My household"]["href"] == "/passes/my/household/"
    assert links["Payment and emails"]["href"] == "/passes/my/settings/"
    assert links["My passes"]["aria-current"] == "page"
    assert links["My orders"]["href"] == "/passes/orders/"
    assert links["Amounts due"]["href"] == "/passes/dues/"
    assert all(not a.has_attr("aria-current") for name, a in links.items() if name != "My passes")


@pytest.mark.parametrize("count", [1, 30])
def test_m1_query_count_does_not_grow_with_the_passes(
    member_client, member, flow, staff, now, count, django_assert_max_num_queries
):
    product = PassPageFactory(title="Two a week", period_limit="week", period_max_uses=2)
    passes = [member_pass(member, product) for _ in range(count)]
    services.book(member, session_at(flow, 3), member_pass=passes[0])
    services.hold_pass(passes[-1], dt.date(2026, 12, 20), dt.date(2026, 12, 22), staff)
    MemberPass.objects.filter(pk=passes[0].pk).update(auto_renew=True)
    member_client.get(MY_PASSES)

    with django_assert_max_num_queries(8):  # the household (F1) is one of them
        response = member_client.get(MY_PASSES)
    assert len(soup_of(response).select(".wp-mypass")) == count
    with django_assert_max_num_queries(9):
        assert member_client.get(pass_url(passes[0].pk)).status_code == 200


def test_m3_each_current_pass_links_to_book_a_date_for_the_programmes_it_covers(
    member_client, member, yoga, flow, staff, now
):
    """M3 is reached from My passes: a pass of Yoga links to Yoga's "Book a date"; a pass of
    a class links to that class's programme; a pass valid everywhere to the site's first
    three programmes by name; a cancelled pass to nothing."""
    from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory

    swim = ProgrammeFactory(name="Aqua", slug="aqua")
    lengths = ProgrammeClassFactory(programme=swim, name="Lengths")
    ProgrammeFactory(name="Barre", slug="barre")
    ProgrammeFactory(name="Zumba", slug="zumba")
    member_pass(member, PassPageFactory(title="Yoga pass", programmes=[yoga]))
    member_pass(member, PassPageFactory(title="Lengths pass", classes=[lengths]))
    member_pass(member, PassPageFactory(title="Any class"))
    gone = member_pass(member, PassPageFactory(title="Gone", programmes=[yoga]))
    services.cancel_pass(gone, staff, "test")

    soup = soup_of(member_client.get(MY_PASSES))

    def links(title):
        card = card_of(soup, title)
        return [(a.text, a["href"]) for a in card.select(".wp-mypass__book a")]

    yoga_url = f"/passes/programmes/{yoga.slug}/sessions/"
    assert links("Yoga pass") == [("Yoga", yoga_url)]
    assert links("Lengths pass") == [("Aqua", "/passes/programmes/aqua/sessions/")]
    assert [name for name, _url in links("Any class")] == ["Aqua", "Barre", "Yoga"]
    assert links("Gone") == []
    assert member_client.get(yoga_url).status_code == 200
