"""``with committed(): ...`` runs, when the block ends, what the block left for after its
transaction commits (emails, refunds asked of the payment provider), as a real commit
would: the test's own transaction never commits."""

from django.test import TestCase


def committed():
    return TestCase.captureOnCommitCallbacks(execute=True)
