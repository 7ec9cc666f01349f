"""M3 "Book a date": a programme's upcoming sessions with places left and, for a member,
which pass would pay — the calendar's own views (next 7 days first, then a list), not a copy."""

import re
from decimal import Decimal

import pytest

from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory, member_pass

pytestmark = pytest.mark.django_db


def words(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def test_m3_lists_the_programmes_upcoming_sessions_with_places_left(client, yoga, make_session):
    make_session(2)
    make_session(3, capacity=4)
    swim = ProgrammeClassFactory(programme=ProgrammeFactory(name="Aqua"), name="Swim")
    make_session(2, klass=swim)
    response = client.get(f"/passes/programmes/{yoga.slug}/sessions/")
    assert response.status_code == 200
    text = words(response)
    assert "Book a date: Yoga" in text
    assert response.content.decode().count("<strong>Yoga Flow</strong>") == 2
    assert "Swim" not in text
    assert "10 left" in text and "4 left" in text
    assert "Log in to book" in text
    assert "<table" not in response.content.decode()  # next 7 days first, then the list
    assert "wp-calendar--next" in response.content.decode()
    listed = client.get(f"/passes/programmes/{yoga.slug}/sessions/", {"passes_view_m3": "list"})
    assert "wp-calendar--list" in listed.content.decode()
    assert listed.content.decode().count("<strong>Yoga Flow</strong>") == 2


def test_m3_a_member_sees_which_pass_would_pay(client, member, yoga, make_session):
    member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    make_session(2)
    client.force_login(member)
    text = words(client.get(f"/passes/programmes/{yoga.slug}/sessions/"))
    assert "10-class pass pays — 9 left after" in text


def test_m3_unknown_programme_is_404(client, db):
    assert client.get("/passes/programmes/nope/sessions/").status_code == 404


def test_m3_page_reuses_the_calendar_renderer(
    client, yoga, make_session, django_assert_max_num_queries
):
    from .conftest import bulk_sessions

    bulk_sessions(300, yoga.classes.get())
    # The request's own queries (session, user) plus the calendar's constant few.
    with django_assert_max_num_queries(14):
        response = client.get(f"/passes/programmes/{yoga.slug}/sessions/")
    assert response.status_code == 200
