"""One OS process of the two-process booking burst (test_process_burst.py).

Run as ``python -m tests.concurrency.burst_worker SESSION_PK MEMBER_PK ...`` with
DATABASE_URL naming the test's (committed) database. It sets Django up, prints "ready",
waits for "go" on stdin, then books each member into the session (joining the waiting list
when it is full), and prints one JSON object: member pk -> outcome ("booked", "waiting",
or the refusal's code, or "error: ..." for anything unexpected).
"""

import json
import os
import sys


def main(session_pk: int, member_pks: list[int]) -> dict:
    from django.contrib.auth import get_user_model

    from wagtail_passes import services
    from wagtail_passes.exceptions import BookingError
    from wagtail_passes.models import Session

    session = Session.objects.get(pk=session_pk)
    members = get_user_model().objects.in_bulk(member_pks)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return {}
    outcomes = {}
    for pk in member_pks:
        try:
            services.book(members[pk], session)
            outcomes[pk] = "booked"
        except BookingError as refusal:
            if refusal.code != "session_full":
                outcomes[pk] = refusal.code
                continue
            try:
                services.join_waitlist(members[pk], session)
                outcomes[pk] = "waiting"
            except BookingError as again:
                outcomes[pk] = again.code
        except Exception as exc:  # reported to the test, which fails on it
            outcomes[pk] = f"error: {exc!r}"
    return outcomes


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # as in the test run: emails kept in memory, never sent
    session_pk, *member_pks = map(int, sys.argv[1:])
    print(json.dumps(main(session_pk, member_pks)), flush=True)
