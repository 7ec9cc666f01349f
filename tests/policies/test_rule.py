"""The pure rule (rules.attendance_policy): what each policy does and how it reads. No
database: the same function words the cancel page, the emails and the admin's help."""

from decimal import Decimal

import pytest

from wagtail_passes.rules import attendance_policy as rule
from wagtail_passes.rules.money import Money

EUR = "EUR"
FIVE = Money(Decimal("5.00"), EUR)
PRICE = Money(Decimal("12.00"), EUR)


@pytest.mark.parametrize(
    ("policy", "pass_paid", "due", "expected"),
    [
        # policy, pass paid?, amount due -> (entry back, fee, recorded, state)
        ("keep_entry", True, None, (False, None, False, "kept")),
        ("forfeit", True, None, (False, None, True, "kept")),
        ("forfeit", False, PRICE, (False, PRICE, True, "due")),
        ("forfeit", False, None, (False, None, False, "kept")),
        ("fee", True, None, (True, FIVE, True, "due")),
        ("fee", False, PRICE, (True, FIVE, True, "due")),
        ("free", True, None, (True, None, False, "free")),
    ],
)
def test_L1_each_late_cancellation_policy(policy, pass_paid, due, expected):
    fee = FIVE if policy == "fee" else None
    outcome = rule.late_cancel_outcome(
        rule.Policy(late_cancel=policy, late_cancel_fee=fee), pass_paid=pass_paid, amount_due=due
    )
    assert (outcome.return_entry, outcome.fee, outcome.record, outcome.state) == expected
    assert outcome.kind == "late_cancel" and outcome.text


def test_L1_the_words_members_read():
    fee = rule.Policy(late_cancel="fee", late_cancel_fee=FIVE)
    assert rule.late_cancel_outcome(fee, pass_paid=True, amount_due=None).text == (
        "Cancelling now costs a late cancellation fee of €5.00. Your entry goes back to your pass."
    )
    forfeit = rule.Policy(late_cancel="forfeit")
    assert rule.late_cancel_outcome(forfeit, pass_paid=False, amount_due=PRICE).text == (
        "Cancelling now frees your place, but the price of €12.00 stays due."
    )


@pytest.mark.parametrize(
    ("policy", "grace", "others", "expected"),
    [
        ("keep_entry", 0, 0, (False, None, False, "kept", False)),
        ("keep_entry", 1, 0, (True, None, True, "free", True)),
        ("keep_entry", 1, 1, (False, None, True, "kept", False)),
        ("fee", 0, 0, (False, FIVE, True, "due", False)),
        ("fee", 2, 1, (True, None, True, "free", True)),
        ("fee", 2, 2, (False, FIVE, True, "due", False)),
        ("free", 0, 5, (True, None, True, "free", False)),
    ],
)
def test_L2_each_no_show_policy_and_its_grace(policy, grace, others, expected):
    fee = FIVE if policy == "fee" else None
    outcome = rule.no_show_outcome(
        rule.Policy(no_show=policy, no_show_fee=fee, grace=grace), others_in_period=others
    )
    got = (outcome.return_entry, outcome.fee, outcome.record, outcome.state, outcome.graced)
    assert got == expected


def test_L2_a_graced_no_show_says_so():
    policy = rule.Policy(no_show="fee", no_show_fee=FIVE, grace=1, grace_period="month")
    assert rule.no_show_outcome(policy, others_in_period=0).text == (
        "No-show: free, the first in its month."
    )


def test_L1_L2_the_policy_in_sentences_for_the_admin():
    policy = rule.Policy(
        late_cancel="fee",
        late_cancel_fee=FIVE,
        no_show="fee",
        no_show_fee=PRICE,
        grace=2,
        grace_period="week",
    )
    assert rule.describe_policy(policy) == [
        "After the cutoff, members may cancel for a fee of €5.00.",
        "A no-show keeps the entry and costs a fee of €12.00.",
        "The first 2 no-shows in a week are free.",
    ]


@pytest.mark.parametrize(
    "fields",
    [{"late_cancel": "maybe"}, {"no_show": "forfeit"}, {"grace": -1}, {"grace_period": "year"}],
)
def test_L1_L2_a_policy_refuses_unknown_values(fields):
    with pytest.raises(ValueError):
        rule.Policy(**fields)
