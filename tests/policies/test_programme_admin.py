"""L1, L2 in the programme admin: the policies grouped under "Attendance policies", saved,
and bad values refused next to their field (never a 500)."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError

from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory

from ..admin import admin_url, edit_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def edit_url(programme):
    return admin_url("programme", "edit", programme.pk)


def post(admin, programme, **changes):
    response = admin.get(edit_url(programme))
    return admin.post(edit_url(programme), edit_form_data(response, **changes))


def errors_of(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(
        e.get_text(" ", strip=True) for e in soup.select(".error-message, .help-critical")
    )


def test_L2_the_policies_are_grouped_and_their_help_says_what_they_do(admin):
    programme = ProgrammeFactory(no_show_policy="fee", no_show_fee=Decimal("7.00"))
    ProgrammeClassFactory(programme=programme)
    page = admin.get(edit_url(programme)).content.decode()
    assert "Attendance policies" in page
    assert "A no-show keeps the entry and costs a fee of €7.00." in page


def test_L1_L2_staff_save_a_fee_policy_with_a_grace(admin):
    programme = ProgrammeFactory()
    response = post(
        admin,
        programme,
        late_cancel_policy="fee",
        late_cancel_fee="4.50",
        no_show_policy="fee",
        no_show_fee="9.00",
        no_show_grace="1",
        no_show_grace_period="week",
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    policy = programme.attendance_policy()
    assert (policy.late_cancel, str(policy.late_cancel_fee)) == ("fee", "€4.50")
    assert (policy.no_show, policy.grace, policy.grace_period) == ("fee", 1, "week")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"no_show_policy": "fee", "no_show_fee": "-5.00"}, "greater than or equal to 0"),
        ({"late_cancel_policy": "fee", "late_cancel_fee": "0"}, "needs a late cancellation fee"),
        ({"no_show_policy": "keep_entry", "no_show_fee": "3.00"}, "only under the “fee” policy"),
        ({"no_show_policy": "free", "no_show_grace": "2"}, "already free"),
        ({"no_show_grace": "-1"}, "greater than or equal to 0"),
        ({"no_show_policy": "sometimes"}, "Select a valid choice"),
    ],
    ids=[
        "negative-fee",
        "fee-without-amount",
        "fee-without-policy",
        "grace-when-free",
        "negative-grace",
        "unknown-policy",
    ],
)
def test_L1_L2_bad_policy_values_are_refused_next_to_the_field(admin, changes, message):
    programme = ProgrammeFactory()
    response = post(admin, programme, **changes)
    assert response.status_code == 200
    assert message in response.content.decode()
    programme.refresh_from_db()
    assert programme.no_show_policy == "keep_entry" and programme.late_cancel_policy == "keep_entry"


def test_L1_a_fee_policy_needs_a_fee_in_clean():
    programme = ProgrammeFactory.build(late_cancel_policy="fee", late_cancel_fee=Decimal(0))
    with pytest.raises(ValidationError) as caught:
        programme.clean()
    assert "late_cancel_fee" in caught.value.message_dict
