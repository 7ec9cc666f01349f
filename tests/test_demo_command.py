import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from wagtail_passes.models import LinkPool, Programme, ProgrammeClass, Schedule, Session

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Programme, ProgrammeClass, LinkPool, Schedule, Session)
    }


def test_demo_builds_yoga_and_swim_programmes_with_eight_weeks_of_sessions(settings, capsys):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    yoga = Programme.objects.get(slug="pay-as-you-go-yoga")
    swim = Programme.objects.get(slug="swim-club-season")
    assert yoga.classes.count() == 3
    linked = yoga.classes.filter(link_pool__isnull=False)
    assert linked.count() == 2 and len({c.link_pool_id for c in linked}) == 1
    assert swim.require_valid_pass
    # Yoga Flow: Mon + Wed + Sat for 8 weeks (today's session may already be past).
    flow_sessions = Session.objects.filter(programme_class__name="Yoga Flow").count()
    assert 23 <= flow_sessions <= 24
    out = capsys.readouterr().out
    assert "Admin login: admin / passes-admin" in out
    assert "Member login: member / passes-member" in out
    assert "http://127.0.0.1:8000/admin/" in out
    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    member = User.objects.get(username="member")
    assert not member.is_staff and member.check_password("passes-member")


def test_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("passes_demo", "--logins")
    first = counts()
    call_command("passes_demo", "--logins")
    assert counts() == first
    assert get_user_model().objects.count() == 2


def test_demo_refuses_printed_logins_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("passes_demo", "--logins")
    assert get_user_model().objects.count() == 0
