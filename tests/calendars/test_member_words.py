"""CAL2 for a logged-in member: the words each session says, computed here by hand."""

import re
from decimal import Decimal

import pytest

from wagtail_passes import services
from wagtail_passes.test.factories import PassPageFactory, ProgrammeClassFactory, member_pass

from .conftest import block_value

pytestmark = pytest.mark.django_db


def row_of(html, session):
    start = html.index(f'data-session="{session.pk}"')
    return re.sub(r"\s+", " ", html[start : html.index("</li>", start)])


def text_of(fragment):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


@pytest.fixture
def listing(yoga, render_block):
    def render(user):
        return render_block(block_value(programmes=[yoga.pk], first_view="list"), user=user)

    return render


def test_cal2_a_pass_that_pays_is_named_with_what_it_leaves(yoga, make_session, member, listing):
    ten = member_pass(member, title="10-class pass", quantity=Decimal(10), programmes=[yoga])
    for day in (1, 2, 3, 4):
        services.book(member, make_session(day, 7))
    session = make_session(5)
    # 10 entries, 4 used: the fifth booking leaves 10 - 4 - 1 = 5.
    assert "10-class pass pays — 5 left after" in text_of(row_of(listing(member), session))
    assert ten.pk


def test_cal2_oldest_pass_pays_first(yoga, make_session, member, listing):
    import datetime as dt

    from django.utils import timezone

    member_pass(member, title="New pass", quantity=Decimal(5), programmes=[yoga])
    member_pass(
        member,
        title="Old pass",
        quantity=Decimal(3),
        programmes=[yoga],
        purchased_at=timezone.now() - dt.timedelta(days=3),
    )
    session = make_session(2)
    assert "Old pass pays — 2 left after" in text_of(row_of(listing(member), session))


def test_cal2_no_pass_pays_shows_the_price_due_at_booking(yoga, make_session, member, listing):
    session = make_session(2)
    row = text_of(row_of(listing(member), session))
    assert "No pass covers this: €12.00 at booking — Book" in row


def test_cal2_the_class_price_overrides_the_programme_price(yoga, make_session, member, listing):
    pilates = ProgrammeClassFactory(programme=yoga, name="Pilates", unit_price=Decimal("8.50"))
    session = make_session(2, klass=pilates)
    row = text_of(row_of(listing(member), session))
    assert "€8.50" in row and "No pass covers this: €8.50 at booking" in row


def test_cal2_p3_needs_a_valid_pass_with_one_get_a_pass_link(
    yoga, make_session, member, listing, client
):
    yoga.require_valid_pass = True
    yoga.save()
    product = PassPageFactory(title="10-class pass", programmes=[yoga])
    PassPageFactory(title="Swim pass", programmes=[])  # valid everywhere: it pays too
    elsewhere = PassPageFactory(title="Aqua only", classes=[ProgrammeClassFactory(name="Swim")])
    session = make_session(2)
    row = row_of(listing(member), session)
    assert "A valid pass is needed — Get a pass" in text_of(row)
    assert row.count("<a ") == 1 and f'href="/passes/sessions/{session.pk}/passes/?next=' in row
    assert "Buy" not in row and "— Book" not in text_of(row)
    # The page it leads to lists the products that pay, each booking the session once paid.
    client.force_login(member)
    page = client.get(f"/passes/sessions/{session.pk}/passes/").content.decode()
    assert f'href="/passes/checkout/{product.pk}/?session={session.pk}"' in page
    assert "Buy Swim pass" in page and "Aqua only" not in page
    assert f"/passes/checkout/{elsewhere.pk}/" not in page


def test_cal2_own_booking_says_booked_with_a_cancel_link(yoga, make_session, member, listing):
    session = make_session(3)
    booking = services.book(member, session)
    row = row_of(listing(member), session)
    assert "Booked — cancel" in text_of(row)
    assert f'href="/passes/bookings/{booking.pk}/cancel/?next=' in row


def test_cal2_after_the_cutoff_a_booking_has_no_cancel_link(yoga, make_session, member, listing):
    session = make_session(0, 23, 59)  # within the 24-hour cutoff
    services.book(member, session)
    row = row_of(listing(member), session)
    assert "Booked" in text_of(row) and "cancel" not in text_of(row)


def test_cal2_waiting_entry_says_on_the_waiting_list_with_a_leave_link(
    yoga, make_session, member, listing, django_user_model, client
):
    """The link leads to a page that can leave (a GET of a POST-only URL was a 405)."""
    session = make_session(3, capacity=1)
    services.book(django_user_model.objects.create_user("bob", password="x"), session)
    services.join_waitlist(member, session)
    row = row_of(listing(member), session)
    assert "On the waiting list — leave" in text_of(row)
    link = re.search(r'class="wp-session__action" href="([^"]+)"', row).group(1)
    assert link.startswith(f"/passes/sessions/{session.pk}/book/")
    client.force_login(member)
    page = client.get(link.replace("&amp;", "&"))
    assert page.status_code == 200
    assert "Leave the waiting list" in page.content.decode()


def test_cal2_full_session_offers_the_waiting_list(
    yoga, make_session, member, listing, django_user_model
):
    session = make_session(3, capacity=1)
    services.book(django_user_model.objects.create_user("bob", password="x"), session)
    row = row_of(listing(member), session)
    assert "Full — join the waiting list" in text_of(row)
    assert f"/passes/sessions/{session.pk}/book/" in row


def test_cal2_booking_not_open_yet_says_when_it_opens(yoga, make_session, member, listing):
    yoga.booking_opens_days_before = 2
    yoga.save()
    session = make_session(6)
    row = text_of(row_of(listing(member), session))
    assert "Booking opens on" in row and "Book" not in row.replace("Booking", "")


def test_cal2_a_pass_of_another_programme_does_not_pay(yoga, make_session, member, listing):
    other = ProgrammeClassFactory(name="Swim")
    member_pass(member, title="Swim pass", quantity=Decimal(10), classes=[other])
    session = make_session(2)
    assert "No pass covers this: €12.00 at booking" in text_of(row_of(listing(member), session))


def test_cal2_a_linked_class_pass_pays_through_the_pool(yoga, member, make_session, listing):
    from wagtail_passes.test.factories import LinkPoolFactory

    pool = LinkPoolFactory(programme=yoga)
    flow2 = ProgrammeClassFactory(programme=yoga, name="Yin", link_pool=pool)
    other = ProgrammeClassFactory(programme=yoga, name="Hatha", link_pool=pool)
    member_pass(member, title="Hatha pass", quantity=Decimal(4), classes=[other])
    session = make_session(2, klass=flow2)
    assert "Hatha pass pays — 3 left after" in text_of(row_of(listing(member), session))


def test_cal2_words_agree_with_the_services_for_every_pass(yoga, make_session, member, listing):
    """The calendar's bulk verdicts equal services.evaluate_member_passes, session by session."""
    member_pass(
        member,
        title="Weekly",
        kind="unlimited",
        quantity=None,
        duration_days=30,
        period_limit="week",
        period_max_uses=1,
        programmes=[yoga],
    )
    sessions = [make_session(day) for day in range(1, 15)]
    services.book(member, sessions[0])
    from wagtail_passes.calendars.words import pays_words

    html = listing(member)
    for session in sessions[1:]:
        payer = next(
            (p for p in services.evaluate_member_passes(member, session) if p.verdict.ok), None
        )
        row = text_of(row_of(html, session))
        if payer is None:
            refused = services.evaluate_member_passes(member, session)[0]
            assert f"Weekly: {refused.verdict.message}" in row
            assert "€12.00 at booking" in row
        else:
            assert pays_words(payer, payer.verdict) in row


def test_cal2_a_pass_held_back_by_its_weekly_limit_says_why_and_until_when(
    yoga, make_session, member, listing
):
    """R4 in the calendar: the verdict's own words, not just "no pass covers this"."""
    member_pass(
        member,
        title="Weekly pass",
        kind="unlimited",
        quantity=None,
        duration_days=60,
        period_limit="week",
        period_max_uses=1,
        programmes=[yoga],
    )
    first, second = _two_sessions_in_one_week(make_session)
    services.book(member, first)
    row = text_of(row_of(listing(member), second))
    assert "Weekly pass: Weekly limit reached" in row
    assert "No pass covers this" not in row


def test_p3_a_product_whose_pass_is_only_held_back_is_not_offered_again(
    yoga, make_session, member, listing, client
):
    """Same rule as the booking page (services.no_valid_pass): a member whose weekly pass is
    at its limit is not told to buy that pass again; another product that pays still is."""
    yoga.require_valid_pass = True
    yoga.save()
    weekly = PassPageFactory(
        title="Weekly pass",
        kind="unlimited",
        quantity=None,
        duration_days=60,
        period_limit="week",
        period_max_uses=1,
        programmes=[yoga],
    )
    ten = PassPageFactory(title="10-class pass", programmes=[yoga])
    services.assign_pass(member, weekly, by=None, reason="test")
    first, same_week = _two_sessions_in_one_week(make_session)
    services.book(member, first)
    row = row_of(listing(member), same_week)
    assert "Weekly pass: Weekly limit reached" in text_of(row)
    assert f"/passes/sessions/{same_week.pk}/passes/" in row
    client.force_login(member)
    page = client.get(f"/passes/sessions/{same_week.pk}/passes/").content.decode()
    assert f"/passes/checkout/{weekly.pk}/" not in page
    assert f"/passes/checkout/{ten.pk}/?session={same_week.pk}" in page


def _two_sessions_in_one_week(make_session):
    """Sessions on two following days of one Monday-to-Sunday week, whatever today is."""
    from wagtail_passes.presentation import local

    for day in range(7, 14):
        first, second = make_session(day), make_session(day + 1)
        if local(first.start).isocalendar()[:2] == local(second.start).isocalendar()[:2]:
            return first, second
        first.delete()
        second.delete()
    raise AssertionError("seven days always hold two following days of one week")


def test_cal2_month_cells_say_in_words_what_the_colour_says(
    yoga, make_session, member, render_block
):
    """WCAG 1.4.1: in the month table a pass that pays and a pass needed differ by more
    than a border colour — a mark, and the standing's words for screen readers."""
    from .test_views import nav

    pilates = ProgrammeClassFactory(programme=yoga, name="Pilates")
    member_pass(member, title="Flow pass", quantity=Decimal(10), classes=[yoga.classes.first()])
    paid = make_session(5)
    make_session(5, 20, klass=pilates)  # no pass of the member covers Pilates
    html = render_block(
        block_value(programmes=[yoga.pk]), user=member, **nav("month", paid.start.date())
    )
    table = re.sub(r"\s+", " ", html[html.index("<table") : html.index("</table>")])
    ok_cell = table[table.index("wp-session--ok") :]
    warn_cell = table[table.index("wp-session--warn") :]
    assert '<span class="wp-month__mark" aria-hidden="true">✓</span>' in ok_cell[:900]
    assert "Flow pass pays — 9 left after" in ok_cell[:900]
    assert '<span class="wp-month__mark" aria-hidden="true">!</span>' in warn_cell[:900]
    assert "No pass covers this: €12.00 at booking" in warn_cell[:900]
