"""N1, N2 on the member's pages: "Renews on <day>", the commitment's progress, and the
opt-in / opt-out form (a POST, idempotent, another member's pass a 404). The words are
written out by hand."""

import datetime as dt

import pytest
from django.urls import reverse

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Renewal, RenewWhen
from wagtail_passes.services.renewals import run_renewals
from wagtail_passes.test.factories import StaffFactory

from ..member import soup_of, words
from .helpers import local, renewing_pass, renewing_product

pytestmark = pytest.mark.django_db

MY_PASSES = "/passes/my/"


def pass_url(pk):
    return f"/passes/my/{pk}/"


def renewal_url(pk):
    return f"/passes/my/{pk}/renewal/"


def facts(soup):
    return {words(row.dt): words(row.dd) for row in soup.select(".wp-facts__row")}


def test_n1_renewal_url_is_the_documented_one():
    assert reverse("wagtail_passes:pass_renewal", args=[7]) == "/passes/my/7/renewal/"


def test_n1_page_says_when_it_renews_and_offers_to_stop(member_client, member, now):
    # Bought 20 November 2026 for 30 days: valid until 20 December; renews 18 December.
    mp = renewing_pass(member=member, bought=local(2026, 11, 20), title="Monthly")
    soup = soup_of(member_client.get(pass_url(mp.pk)))
    assert facts(soup)["Renewal"] == "Renews on 18 December 2026"
    form = soup.select_one("form.wp-mypass__renewal-form")
    assert form["action"] == renewal_url(mp.pk)
    assert form.select_one("input[name=renew]")["value"] == "off"
    assert words(form.button) == "Stop renewing"


def test_n1_member_opts_in_from_my_passes_and_back_again(member_client, member, now):
    mp = renewing_pass(member=member, bought=local(2026, 11, 20), auto_renew=False, title="Monthly")
    card = soup_of(member_client.get(MY_PASSES)).select_one(".wp-mypass")
    assert facts(card)["Renewal"] == "Does not renew"
    assert card.select_one("input[name=renew]")["value"] == "on"
    assert card.select_one("input[name=back]")["value"] == "list"

    response = member_client.post(renewal_url(mp.pk), {"renew": "on", "back": "list"})
    assert response.status_code == 303
    assert response["Location"] == "/passes/my/?renewal=on"
    mp.refresh_from_db()
    assert mp.auto_renew is True
    soup = soup_of(member_client.get(response["Location"]))
    assert words(soup.select_one(".wp-renewal-outcome")) == (
        "This pass now renews automatically."
    )
    # Sent twice (a double click, the back button): the same outcome, nothing more.
    again = member_client.post(renewal_url(mp.pk), {"renew": "on", "back": "list"})
    assert again.status_code == 303
    response = member_client.post(renewal_url(mp.pk), {"renew": "off"})
    assert response["Location"] == f"/passes/my/{mp.pk}/?renewal=off"
    mp.refresh_from_db()
    assert mp.auto_renew is False


def test_n1_another_members_pass_is_a_404_and_unchanged(member_client, other, now):
    theirs = renewing_pass(member=other, auto_renew=False)
    assert member_client.post(renewal_url(theirs.pk), {"renew": "on"}).status_code == 404
    assert member_client.get(renewal_url(theirs.pk)).status_code == 404
    assert member_client.post(renewal_url(999999), {"renew": "on"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.auto_renew is False


def test_n1_get_is_not_allowed_and_anonymous_logs_in(client, member_client, member, now):
    mp = renewing_pass(member=member)
    assert member_client.get(renewal_url(mp.pk)).status_code == 405
    client.logout()
    response = client.post(renewal_url(mp.pk), {"renew": "off"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("value", ["", "yes", "ON", "1"])
def test_n1_bad_input_is_refused_clearly(member_client, member, now, value):
    mp = renewing_pass(member=member, auto_renew=False)
    response = member_client.post(renewal_url(mp.pk), {"renew": value})
    assert response.status_code == 400
    assert words(soup_of(response).select_one(".wp-renewal-error")) == (
        "Choose whether the pass renews: on or off."
    )
    mp.refresh_from_db()
    assert mp.auto_renew is False


def test_n1_product_that_does_not_renew_offers_no_form_and_refuses_a_crafted_post(
    member_client, member, now
):
    mp = renewing_pass(member=member, allow_auto_renew=False, auto_renew=False, title="Plain")
    soup = soup_of(member_client.get(pass_url(mp.pk)))
    assert soup.select_one("form.wp-mypass__renewal-form") is None
    response = member_client.post(renewal_url(mp.pk), {"renew": "on"})
    assert response.status_code == 409
    assert words(soup_of(response).select_one(".wp-renewal-error")) == (
        "“Plain” cannot renew automatically."
    )


def test_n2_commitment_shows_progress_and_refuses_opt_out(member_client, member, now):
    product = renewing_product(commitment_payments=12, title="Contract")
    mp = renewing_pass(product, member=member, bought=local(2026, 11, 20))
    soup = soup_of(member_client.get(pass_url(mp.pk)))
    commitment = soup.select_one(".wp-mypass__commitment")
    assert commitment.contents[0].strip() == "1 of 12 payments made, 11 to go"
    assert words(commitment.select_one(".wp-mypass__stop-after")) == (
        "You can stop renewing after 11 more payments."
    )
    assert soup.select_one("form.wp-mypass__renewal-form") is None  # no stop button
    response = member_client.post(renewal_url(mp.pk), {"renew": "off"})
    assert response.status_code == 409
    assert words(soup_of(response).select_one(".wp-renewal-error")) == (
        "You committed to 12 payments: 1 of 12 payments made, 11 to go. "
        "You can stop renewing after 11 more payments."
    )
    mp.refresh_from_db()
    assert mp.auto_renew is True


def test_n1_renewed_pass_links_its_renewal_order(member_client, member, time_machine):
    mp = renewing_pass(member=member, bought=local(2026, 11, 1))  # valid until 1 December
    time_machine.move_to(local(2026, 11, 29, 9), tick=False)
    run_renewals()
    order = Renewal.objects.get(member_pass=mp).order
    soup = soup_of(member_client.get(pass_url(mp.pk)))
    assert facts(soup)["Renewal"] == f"Renewal order {order.reference} is awaiting payment"
    assert (
        soup.select_one(".wp-mypass__renewal a")["href"] == f"/passes/orders/{order.reference}/"
    )
    assert soup.select_one("form.wp-mypass__renewal-form") is None
    services.mark_paid(order, StaffFactory())
    new = MemberPass.objects.get(renews__member_pass=mp)
    soup = soup_of(member_client.get(pass_url(new.pk)))
    # 2 December + 30 days = 1 January 2027; renews two days before.
    assert new.valid_until == dt.date(2027, 1, 1)
    assert facts(soup)["Renewal"] == "Renews on 30 December 2026"


def test_n1_used_up_option_words_before_it_is_used_up(member_client, member, now):
    mp = renewing_pass(member=member, renew_when=RenewWhen.USED_UP, title="Ten")
    card = soup_of(member_client.get(MY_PASSES)).select_one(".wp-mypass")
    assert facts(card)["Renewal"] == "Renews when it is used up"
    assert mp.auto_renew


@pytest.mark.parametrize("count", [1, 20])
def test_n1_n2_my_passes_queries_do_not_grow(
    member_client, member, now, count, django_assert_max_num_queries
):
    product = renewing_product(commitment_payments=6)
    plain = renewing_product(allow_auto_renew=False)
    passes = [
        renewing_pass(product if i % 2 else plain, member=member, bought=local(2026, 11, 20))
        for i in range(count)
    ]
    member_client.get(MY_PASSES)
    with django_assert_max_num_queries(10):  # the household (F1) is one of them
        response = member_client.get(MY_PASSES)
    assert len(soup_of(response).select(".wp-mypass")) == count
    with django_assert_max_num_queries(11):  # the pass's page: its ledger and bookings too
        assert member_client.get(pass_url(passes[-1].pk)).status_code == 200
