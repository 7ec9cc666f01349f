"""N3: WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS is checked (wagtail_passes.E006)."""

import pytest

from wagtail_passes.checks import check_expiry_reminders


@pytest.mark.parametrize("value", [[7, 1], [1], [], (14, 3)])
def test_n3_valid_reminder_days_pass_the_check(settings, value):
    settings.WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS = value
    assert check_expiry_reminders() == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (7, "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS must be a list of whole numbers of days, not 7."),
        (
            "7,1",
            "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS must be a list of whole numbers of days, "
            "not '7,1'.",
        ),
        (
            [7, 0],
            "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS must hold whole numbers of days of 1 or more; "
            "0 is not one.",
        ),
        (
            [-1],
            "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS must hold whole numbers of days of 1 or more; "
            "-1 is not one.",
        ),
        (
            [1.5],
            "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS must hold whole numbers of days of 1 or more; "
            "1.5 is not one.",
        ),
        (
            [True],
            "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS must hold whole numbers of days of 1 or more; "
            "True is not one.",
        ),
        (
            [7, 1, 7],
            "WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS names a number of days twice: [7, 1, 7].",
        ),
    ],
)
def test_n3_bad_reminder_days_are_an_error(settings, value, message):
    settings.WAGTAIL_PASSES_EXPIRY_REMINDER_DAYS = value
    (error,) = check_expiry_reminders()
    assert error.id == "wagtail_passes.E006"
    assert error.msg == message
    assert error.hint
