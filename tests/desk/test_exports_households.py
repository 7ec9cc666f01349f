"""Who attends and who pays (F2) in the admin's lists and their exports: a dependant's
booking, pass and registration name the dependant ("Attending", "Holder") beside the
account holder ("Member", unchanged for host scripts), in CSV and XLSX; the lists find
rows by the person's name and filter account holders from dependants."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from wagtail_passes import services
from wagtail_passes.models import MemberPass, Registration
from wagtail_passes.test.factories import (
    BookingFactory,
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
    member_pass,
)

from ..admin import admin_url, listed, staff_client
from .test_exports import csv_rows, export, export_url, xlsx_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def household():
    """Maya (the account holder) and her son Leo: each booked on one session, each
    holding a pass and registered on the programme; Ann, a household of one, booked too."""
    maya = UserFactory(username="maya", first_name="Maya", last_name="Lind", email="m@x.org")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee", email="a@x.org")
    leo = services.add_dependant(maya, "Leo")
    yoga = ProgrammeFactory(name="Yoga")
    session = SessionFactory(programme_class=ProgrammeClassFactory(programme=yoga, name="Flow"))
    his = services.book(leo, session)
    hers = services.book(maya, session)
    anns = BookingFactory(member=ann, session=session)
    his_pass = member_pass(maya, title="Kids ten", price=Decimal("50.00"))
    MemberPass.objects.filter(pk=his_pass.pk).update(person=leo)
    her_pass = member_pass(maya, title="Adult ten", price=Decimal("90.00"))
    his_reg = Registration.objects.create(person=leo, programme=yoga)
    her_reg = Registration.objects.create(member=maya, programme=yoga)
    return {
        "maya": maya,
        "leo": leo,
        "ann": ann,
        "session": session,
        "bookings": {"leo": his, "maya": hers, "ann": anns},
        "passes": {"leo": his_pass, "maya": her_pass},
        "registrations": {"leo": his_reg, "maya": her_reg},
    }


def by_id(rows):
    header, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def test_F2_the_bookings_export_names_who_attends_beside_the_member(admin, household):
    rows = by_id(csv_rows(export(admin, "bookings")))
    his, hers = household["bookings"]["leo"], household["bookings"]["maya"]

    assert (rows[str(his.pk)]["Attending"], rows[str(his.pk)]["Member"]) == (
        "Leo",
        "Maya Lind (maya)",
    )
    assert rows[str(his.pk)]["Email"] == "m@x.org"  # the payer's, who gets the emails
    assert rows[str(hers.pk)]["Attending"] == rows[str(hers.pk)]["Member"] == "Maya Lind (maya)"
    header = csv_rows(export(admin, "bookings"))[0]
    assert header.index("Attending") + 1 == header.index("Member")


def test_F2_the_attendance_export_of_a_session_carries_the_attending_person(admin, household):
    url = f"/admin/passes-desk/export/session/{household['session'].pk}/"
    rows = csv_rows(admin.get(url, {"format": "csv"}))
    sheet = xlsx_sheet(admin.get(url, {"format": "xlsx"}))

    column = rows[0].index("Attending")
    assert sorted(row[column] for row in rows[1:]) == ["Ann Lee (ann)", "Leo", "Maya Lind (maya)"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0][column] == "Attending"
    assert sorted(row[column] for row in cells[1:]) == ["Ann Lee (ann)", "Leo", "Maya Lind (maya)"]


def test_F2_the_passes_and_registrations_exports_name_the_person(admin, household):
    passes = by_id(csv_rows(export(admin, "member-passes")))
    his = passes[str(household["passes"]["leo"].pk)]
    assert (his["Holder"], his["Member"]) == ("Leo", "Maya Lind (maya)")
    assert passes[str(household["passes"]["maya"].pk)]["Holder"] == "Maya Lind (maya)"

    registrations = by_id(csv_rows(export(admin, "registrations")))
    his = registrations[str(household["registrations"]["leo"].pk)]
    assert (his["Attending"], his["Member"]) == ("Leo", "Maya Lind (maya)")


def test_F2_the_bookings_list_shows_who_attends_and_the_payer(admin, household):
    response = admin.get(admin_url("booking", "index"))

    soup = BeautifulSoup(response.content, "html.parser")
    his = soup.find("tr", attrs={"data-object-pk": str(household["bookings"]["leo"].pk)})
    assert "Leo paid by Maya Lind" in " ".join(his.get_text(" ").split())
    hers = soup.find("tr", attrs={"data-object-pk": str(household["bookings"]["maya"].pk)})
    assert "paid by" not in hers.get_text(" ")


@pytest.mark.parametrize(
    ("model_name", "kind", "key"),
    [
        ("booking", "bookings", "bookings"),
        ("memberpass", "member-passes", "passes"),
        ("registration", "registrations", "registrations"),
    ],
)
def test_F2_lists_and_exports_find_rows_by_the_persons_name(
    admin, household, model_name, kind, key
):
    found = listed(admin.get(admin_url(model_name, "index"), {"q": "Leo"}))
    assert [obj.pk for obj in found] == [household[key]["leo"].pk]
    exported = csv_rows(export(admin, kind, q="Leo"))[1:]
    assert [row[0] for row in exported] == [str(household[key]["leo"].pk)]
    # The account holder's name still finds every row of the household.
    assert len(listed(admin.get(admin_url(model_name, "index"), {"q": "Lind"}))) == 2


@pytest.mark.parametrize(
    ("model_name", "key"),
    [("booking", "bookings"), ("memberpass", "passes"), ("registration", "registrations")],
)
def test_F2_lists_filter_dependants_from_account_holders(admin, household, model_name, key):
    url = admin_url(model_name, "index")

    dependants = listed(admin.get(url, {"attending": "dependant"}))
    holders = listed(admin.get(url, {"attending": "holder"}))

    assert [obj.pk for obj in dependants] == [household[key]["leo"].pk]
    assert household[key]["leo"].pk not in [obj.pk for obj in holders]
    assert household[key]["maya"].pk in [obj.pk for obj in holders]


def test_F2_the_inspect_page_of_a_dependants_booking_names_both(admin, household):
    booking = household["bookings"]["leo"]

    response = admin.get(admin_url("booking", "inspect", booking.pk))

    text = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    assert "Attending Leo" in text
    assert "Member Maya Lind (maya)" in text


def test_F2_exports_need_their_view_permission(household):
    viewer = staff_client("view_memberpass", group_name="Passes only")

    response = viewer.get(export_url("bookings"), {"format": "csv"})

    assert response.status_code in (302, 403)
    assert not getattr(response, "streaming", False)
