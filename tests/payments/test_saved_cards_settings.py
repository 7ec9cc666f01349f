"""N1, N3: the member's "Payment and emails" page: the saved card (only their own), removing
it (detached at Stripe, forgotten here even when Stripe is down), and the expiry-reminder
choice. Works without JavaScript: plain forms, answers 303 with the outcome on the page."""

import pytest
import stripe

from wagtail_passes.models import MemberProfile
from wagtail_passes.test.factories import UserFactory

from ..member import soup_of, words

pytestmark = pytest.mark.django_db

SETTINGS = "/passes/my/settings/"
REMOVE = "/passes/my/settings/card/remove/"


def _save(cards, member, template="pm_card_visa", **extra):
    customer = f"cus_{member.pk}"
    method_id = cards.card(template, customer)
    card = cards.payment_methods[method_id]["card"]
    return MemberProfile.objects.create(
        member=member,
        stripe_customer_id=customer,
        payment_method_id=method_id,
        card_brand=card["brand"],
        card_last4=card["last4"],
        card_exp_month=card["exp_month"],
        card_exp_year=card["exp_year"],
        **extra,
    )


def _profile(member):
    return MemberProfile.objects.get(member=member)


def test_n1_anonymous_visitors_are_sent_to_log_in(client, member, cards):
    _save(cards, member)
    for url in (SETTINGS, REMOVE):
        for response in (client.get(url), client.post(url, {"form": "reminders"})):
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
    assert _profile(member).has_saved_card
    assert _profile(member).expiry_reminders
    assert not cards.sent


def test_n1_page_shows_the_member_s_own_card_only(
    member_client, member, cards, django_assert_max_num_queries
):
    _save(cards, member)
    _save(cards, UserFactory(username="other"), "pm_card_mastercard")

    with django_assert_max_num_queries(6):
        response = member_client.get(SETTINGS)

    assert response.status_code == 200
    soup = soup_of(response)
    assert words(soup.select_one(".wp-settings__saved-card")) == (
        "Visa ending in 4242, expires December 2030"
    )
    assert "4444" not in response.content.decode()
    assert soup.select_one(f'a[href="{REMOVE}"]') is not None
    nav = soup.select_one("nav.wp-member-nav")
    assert words(nav.select_one("a[aria-current=page]")) == "Payment and emails"


def test_n3_no_profile_means_no_card_and_reminders_on(member_client, member, cards):
    soup = soup_of(member_client.get(SETTINGS))

    assert words(soup.select_one(".wp-settings__saved-card")) == "No card saved."
    assert soup.select_one(f'a[href="{REMOVE}"]') is None
    box = soup.select_one("input[type=checkbox][name=expiry_reminders]")
    assert box.has_attr("checked")
    # accessible: the box has its label, inside a fieldset with a legend
    assert words(soup.select_one(f'label[for="{box["id"]}"]')) == "Email me before a pass expires"
    assert box.find_parent("fieldset").select_one("legend") is not None
    assert not MemberProfile.objects.exists()  # reading never creates a profile


def test_n3_unticking_and_ticking_the_reminders_is_saved(member_client, member):
    other = UserFactory(username="other")
    MemberProfile.objects.create(member=other, expiry_reminders=True)

    off = member_client.post(SETTINGS, {"form": "reminders"})

    assert off.status_code == 303
    assert off["Location"] == f"{SETTINGS}?saved=1"
    assert _profile(member).expiry_reminders is False
    assert _profile(other).expiry_reminders is True  # only the member's own
    page = soup_of(member_client.get(off["Location"]))
    assert words(page.select_one("[role=status]")) == "Your email settings are saved."
    assert not page.select_one("input[name=expiry_reminders]").has_attr("checked")

    on = member_client.post(SETTINGS, {"form": "reminders", "expiry_reminders": "on"})

    assert on.status_code == 303
    assert _profile(member).expiry_reminders is True


@pytest.mark.parametrize(
    "data",
    [
        {"form": "reminders", "expiry_reminders": "maybe"},
        {"expiry_reminders": "on"},  # not the reminders form
        {},
    ],
)
def test_n3_a_bad_post_is_refused_clearly_and_changes_nothing(member_client, member, data):
    MemberProfile.objects.create(member=member, expiry_reminders=False)

    response = member_client.post(SETTINGS, data)

    assert response.status_code == 400
    alert = soup_of(response).select_one("[role=alert]")
    assert words(alert) == (
        "Your settings could not be read, so nothing was changed. Please try again."
    )
    assert _profile(member).expiry_reminders is False


def test_n1_remove_card_asks_first_then_detaches_and_forgets_it(member_client, member, cards):
    profile = _save(cards, member, expiry_reminders=False)
    method_id = profile.payment_method_id

    confirm = member_client.get(REMOVE)

    assert confirm.status_code == 200
    soup = soup_of(confirm)
    assert words(soup.select_one("h1")) == "Remove the Visa card ending in 4242?"
    assert soup.select_one(f'form[method=post][action="{REMOVE}"] button') is not None
    assert _profile(member).has_saved_card  # a GET changes nothing
    assert not cards.sent

    response = member_client.post(REMOVE)

    assert response.status_code == 303
    assert response["Location"] == f"{SETTINGS}?card_removed=1"
    [detach] = cards.sent
    assert (detach.method, detach.path) == ("POST", f"/v1/payment_methods/{method_id}/detach")
    assert cards.payment_methods[method_id]["customer"] is None
    profile = _profile(member)
    assert (
        profile.payment_method_id,
        profile.card_brand,
        profile.card_last4,
        profile.card_exp_month,
        profile.card_exp_year,
    ) == ("", "", "", None, None)
    assert profile.stripe_customer_id == f"cus_{member.pk}"
    assert profile.expiry_reminders is False  # untouched
    page = soup_of(member_client.get(response["Location"]))
    assert words(page.select_one("[role=status]")) == (
        "Your card is removed. Renewals will no longer be charged to it."
    )
    assert words(page.select_one(".wp-settings__saved-card")) == "No card saved."


def test_n1_remove_card_twice_or_without_one_says_there_is_none(member_client, member, cards):
    _save(cards, member)
    member_client.post(REMOVE)
    cards.sent.clear()

    again = member_client.post(REMOVE)
    look = member_client.get(REMOVE)

    for response in (again, look):
        assert response.status_code == 303
        assert response["Location"] == f"{SETTINGS}?no_card=1"
    assert not cards.sent
    page = soup_of(member_client.get(again["Location"]))
    assert words(page.select_one("[role=status]")) == "There is no saved card to remove."


def test_n1_remove_card_only_touches_the_member_s_own(member_client, member, cards):
    _save(cards, member)
    other = _save(cards, UserFactory(username="other"), "pm_card_mastercard")

    member_client.post(REMOVE)

    assert not _profile(member).has_saved_card
    kept = MemberProfile.objects.get(pk=other.pk)
    assert (kept.payment_method_id, kept.card_last4) == (other.payment_method_id, "4444")
    assert cards.payment_methods[other.payment_method_id]["customer"] == other.stripe_customer_id


def test_n1_remove_card_when_stripe_is_down_still_forgets_it(
    member_client, member, cards, monkeypatch, caplog
):
    profile = _save(cards, member)

    def unreachable(*args, **kwargs):
        raise stripe.APIConnectionError("Could not connect to Stripe")

    monkeypatch.setattr(cards, "request", unreachable)

    response = member_client.post(REMOVE)

    assert response.status_code == 303
    assert response["Location"] == f"{SETTINGS}?card_removed=1"
    assert not _profile(member).has_saved_card
    # staff read in the error log which card to detach in Stripe by hand
    assert any(
        record.levelname == "ERROR" and profile.payment_method_id in record.getMessage()
        for record in caplog.records
    )


def test_n1_remove_card_without_stripe_configured_forgets_it(
    member_client, member, cards, settings
):
    _save(cards, member)
    settings.WAGTAIL_PASSES_STRIPE_SECRET_KEY = ""

    response = member_client.post(REMOVE)

    assert response.status_code == 303
    assert not _profile(member).has_saved_card


def test_n1_without_stripe_the_page_says_nothing_of_cards(member_client, member):
    soup = soup_of(member_client.get(SETTINGS))

    assert soup.select_one(".wp-settings__card") is None
    assert soup.select_one("input[name=expiry_reminders]").has_attr("checked")
