"""CAL1 through Wagtail's own editor: an editor adds the calendar block to a page in the
admin (the page form, as Wagtail's test helpers post it), publishes, and the page renders the
calendar inside the host's layout; an empty choice is refused by the form, not with a 500."""

import datetime as dt

from django.utils import timezone
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, streamfield

from tests.testapp.models import CalendarTestPage
from wagtail_passes.test.factories import (
    ProgrammeClassFactory,
    ProgrammeFactory,
    SessionFactory,
    default_site_root,
)


def calendar_value(**changes):
    return {
        "first_view": "list",
        "weeks_ahead": "4",
        "show_price": "on",
        "show_places": "on",
        **changes,
    }


class EditorAddsTheCalendar(WagtailPageTestCase):
    def setUp(self):
        self.root = default_site_root()
        self.user = self.login()
        self.yoga = ProgrammeFactory(name="Yoga")
        start = timezone.now() + dt.timedelta(days=2)
        self.session = SessionFactory(
            programme_class=ProgrammeClassFactory(programme=self.yoga, name="Yoga Flow"),
            start=start,
            end=start + dt.timedelta(hours=1),
        )

    def form(self, value, programmes=(), slug="timetable"):
        data = nested_form_data(
            {
                "title": "Timetable",
                "slug": slug,
                "body": streamfield([("calendar", value)]),
                "action-publish": "publish",
            }
        )
        # A multiple choice posts one name with several values, as the browser sends it.
        data["body-0-value-programmes"] = [str(p.pk) for p in programmes]
        return data

    def test_cal1_an_editor_adds_the_calendar_to_a_page_and_it_renders(self):
        self.assertCanCreate(self.root, CalendarTestPage, self.form(calendar_value(), [self.yoga]))

        page = CalendarTestPage.objects.get(slug="timetable")
        (block,) = page.body
        assert list(block.value["programmes"]) == [str(self.yoga.pk)]
        response = self.client.get(page.url)
        html = response.content.decode()
        assert response.status_code == 200
        assert 'class="wp-passes' in html and "Yoga Flow" in html
        assert html.index("<main") < html.index("Yoga Flow")  # inside the host's content

    def test_cal1_the_editor_form_refuses_a_calendar_with_nothing_chosen(self):
        url = f"/admin/pages/add/testapp/calendartestpage/{self.root.pk}/"
        before = CalendarTestPage.objects.count()

        response = self.client.post(url, self.form(calendar_value()))

        assert response.status_code == 200  # the form again, with the error
        assert CalendarTestPage.objects.count() == before
        assert "Choose at least one programme or class to show." in response.content.decode()
