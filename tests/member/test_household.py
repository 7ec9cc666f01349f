"""F1 on the member's pages: My household (add, change, remove a dependant) and the
"Show: Everyone · Me · Ana" switcher of My bookings and My passes."""

import datetime as dt
import re

import pytest

from wagtail_passes import services
from wagtail_passes.models import Person
from wagtail_passes.test.factories import SessionFactory, member_pass

from . import soup_of, words

pytestmark = pytest.mark.django_db

HOUSEHOLD = "/passes/my/household/"


def token_of(response):
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def session_at(klass, day, hour=18):
    start = dt.datetime(2026, 12, day, hour, tzinfo=dt.UTC)
    return SessionFactory(programme_class=klass, start=start, end=start + dt.timedelta(hours=1))


def test_F1_a_member_adds_changes_and_removes_a_dependant(member_client, member, now):
    page = member_client.get(HOUSEHOLD)
    assert "Nobody else yet" in page.content.decode()
    form = {"token": token_of(page), "name": "Ana", "date_of_birth": "2016-05-01"}
    added = member_client.post(HOUSEHOLD, form)
    assert added.status_code == 303
    ana = Person.objects.get(account=member, is_holder=False)
    assert (ana.name, ana.date_of_birth) == ("Ana", dt.date(2016, 5, 1))
    # The same form sent twice adds nobody twice.
    again = member_client.post(HOUSEHOLD, form)
    assert (
        again.status_code == 400 and "Ana is in your household already." in again.content.decode()
    )
    assert Person.objects.filter(account=member, is_holder=False).count() == 1
    edit = f"{HOUSEHOLD}{ana.pk}/"
    changed = member_client.post(
        edit,
        {
            "token": token_of(member_client.get(edit)),
            "name": "Ana Lind",
            "staff_notes": "Nut allergy",
        },
    )
    assert changed.status_code == 303
    ana.refresh_from_db()
    assert (ana.name, ana.staff_notes, ana.date_of_birth) == ("Ana Lind", "Nut allergy", None)
    assert member_client.post(f"{edit}remove/").status_code == 303
    assert Person.objects.current().filter(account=member, is_holder=False).count() == 0


def test_F1_bad_input_gets_a_clear_refusal(member_client, member, now):
    page = member_client.get(HOUSEHOLD)
    bad = member_client.post(
        HOUSEHOLD, {"token": token_of(page), "name": "Leo", "date_of_birth": "2999-01-01"}
    )
    assert bad.status_code == 400
    assert "date of birth" in bad.content.decode().lower()
    nameless = member_client.post(HOUSEHOLD, {"token": token_of(page), "name": " "})
    assert nameless.status_code == 400
    forged = member_client.post(HOUSEHOLD, {"token": "x", "name": "Leo"})
    assert "expired" in forged.content.decode()
    assert not Person.objects.filter(is_holder=False).exists()


def test_F1_another_households_person_is_not_found(member_client, other, now):
    theirs = services.add_dependant(other, "Zoe")
    assert member_client.get(f"{HOUSEHOLD}{theirs.pk}/").status_code == 404
    assert member_client.post(f"{HOUSEHOLD}{theirs.pk}/remove/").status_code == 404
    assert Person.objects.get(pk=theirs.pk).removed_at is None


def test_F1_removing_a_dependant_with_bookings_to_come_is_refused(member_client, member, flow, now):
    ana = services.add_dependant(member, "Ana")
    services.book(ana, session_at(flow, 20))
    page = member_client.get(HOUSEHOLD)
    assert "1 booking to come" in words(soup_of(page).select_one(f"#wp-person-{ana.pk}"))
    refused = member_client.post(f"{HOUSEHOLD}{ana.pk}/remove/")
    assert refused.status_code == 400
    assert "cancel them first" in refused.content.decode()


def test_F1_my_bookings_and_passes_say_whom_each_is_for(member_client, member, flow, yoga, now):
    ana = services.add_dependant(member, "Ana")
    member_pass(ana, programmes=[yoga], title="Kids ten")
    services.book(member, session_at(flow, 20))
    services.book(ana, session_at(flow, 21))
    soup = soup_of(member_client.get("/passes/bookings/"))
    labels = [words(a) for a in soup.select(".wp-switcher a")]
    assert labels == ["Everyone", "Me", "Ana"]
    tags = [words(t) for t in soup.select(".wp-bookings--upcoming .wp-person-tag")]
    assert tags == ["for Me", "for Ana"]
    only_ana = soup_of(member_client.get("/passes/bookings/?for=" + str(ana.pk)))
    assert [words(t) for t in only_ana.select(".wp-bookings--upcoming .wp-person-tag")] == [
        "for Ana"
    ]
    passes = soup_of(member_client.get("/passes/my/?for=me"))
    assert passes.select(".wp-mypass") == []  # the parent holds none
    theirs = soup_of(member_client.get(f"/passes/my/?for={ana.pk}"))
    assert "for Ana" in words(theirs.select_one(".wp-mypass__title"))
    assert member_client.get("/passes/bookings/?for=999999").status_code == 404


def test_F1_a_household_of_one_sees_the_pages_as_before(member_client, member, flow, now):
    services.book(member, session_at(flow, 20))
    soup = soup_of(member_client.get("/passes/bookings/"))
    assert soup.select(".wp-switcher") == [] and soup.select(".wp-person-tag") == []
