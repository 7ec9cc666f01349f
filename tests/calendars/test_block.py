"""CAL1: the block an editor adds to a StreamField — its validation and its rendering."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from wagtail_passes.calendars.blocks import CalendarBlock, class_choices, programme_choices
from wagtail_passes.test.factories import ProgrammeClassFactory, ProgrammeFactory

from .conftest import KEY, block_value

pytestmark = pytest.mark.django_db


def test_cal1_choices_list_programmes_and_classes_by_name(yoga, flow):
    other = ProgrammeFactory(name="Aqua")
    ProgrammeClassFactory(programme=other, name="Swim")
    assert programme_choices() == [(str(other.pk), "Aqua"), (str(yoga.pk), "Yoga")]
    assert (str(flow.pk), "Yoga – Yoga Flow") in class_choices()


def test_cal1_clean_accepts_a_programme_or_a_class(yoga, flow):
    block = CalendarBlock()
    assert block.clean(block_value(programmes=[yoga.pk]))["programmes"] == [str(yoga.pk)]
    assert block.clean(block_value(classes=[flow.pk]))["classes"] == [str(flow.pk)]


def test_cal1_clean_refuses_nothing_chosen_as_a_block_error(yoga):
    with pytest.raises(StructBlockValidationError) as caught:
        CalendarBlock().clean(block_value())
    messages = [e.message for e in caught.value.non_block_errors.as_data()]
    assert messages == ["Choose at least one programme or class to show."]


def test_cal1_nothing_chosen_is_allowed_in_a_draft(yoga):
    """Saving a draft defers what is only needed to publish (Wagtail's deferred validation)."""
    block = CalendarBlock()
    if not hasattr(block, "defer_required_validation"):
        pytest.skip("this Wagtail has no deferred validation")
    assert block.clean_deferred(block_value())["weeks_ahead"] == 8


@pytest.mark.parametrize("weeks", [0, 27, -1])
def test_cal1_weeks_ahead_outside_1_to_26_is_refused_on_the_field(yoga, weeks):
    with pytest.raises(StructBlockValidationError) as caught:
        CalendarBlock().clean(block_value(programmes=[yoga.pk], weeks_ahead=weeks))
    assert "weeks_ahead" in caught.value.block_errors


def test_cal1_an_unknown_programme_is_refused(yoga):
    with pytest.raises(ValidationError):
        CalendarBlock().clean(block_value(programmes=[yoga.pk + 999]))


def test_cal1_a_class_of_a_programme_not_chosen_is_allowed(yoga, flow):
    other = ProgrammeClassFactory(programme=ProgrammeFactory(name="Aqua"), name="Swim")
    value = CalendarBlock().clean(block_value(programmes=[yoga.pk], classes=[other.pk]))
    assert value["classes"] == [str(other.pk)]


def test_cal1_block_renders_in_the_wrapper_with_the_stylesheet(yoga, make_session, render_block):
    make_session(0, 23, 30)
    html = render_block(block_value(programmes=[yoga.pk], first_view="list"))
    assert html.strip().startswith('<div class="wp-passes wp-passes--calendar">')
    assert 'href="/static/wagtail_passes/css/passes.css"' in html
    assert f'id="wp-calendar-{KEY}"' in html
    assert "calendar.js" in html and " defer" in html


def test_cal1_chosen_class_adds_only_that_class(yoga, flow, make_session, render_block):
    other_programme = ProgrammeFactory(name="Aqua")
    swim = ProgrammeClassFactory(programme=other_programme, name="Swim")
    dive = ProgrammeClassFactory(programme=other_programme, name="Dive")
    make_session(3)
    make_session(3, 10, klass=swim)
    make_session(3, 11, klass=dive)
    html = render_block(block_value(programmes=[yoga.pk], classes=[swim.pk], first_view="list"))
    assert "Yoga Flow" in html and "Swim" in html and "Dive" not in html


def test_cal1_hide_price_and_places(yoga, make_session, render_block):
    make_session(2)
    shown = render_block(block_value(programmes=[yoga.pk], first_view="list"))
    assert "€12.00" in shown and "10 left" in shown
    hidden = render_block(
        block_value(programmes=[yoga.pk], first_view="list", show_price=False, show_places=False)
    )
    assert "€12.00" not in hidden and "10 left" not in hidden
