"""Admin views: "Generate sessions" for a schedule, and a delete view that survives protection."""

from __future__ import annotations

import datetime as dt
from itertools import islice

from django.db import transaction
from django.db.models import ProtectedError
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.log_actions import log
from wagtail_modeladmin.views import DeleteView, InstanceSpecificView

from ..conf import passes_settings
from ..exceptions import ScheduleError
from ..presentation import local_today
from ..services import generate_sessions
from ..services.permissions import can_generate_sessions


class GenerateSessionsView(InstanceSpecificView):
    """GET explains what will happen and changes nothing; POST generates.

    Allowed to whoever may change the schedule (``wagtail_passes.change_schedule``);
    everyone else gets Wagtail's permission-denied response.
    """

    page_title = _("Generate sessions")
    template_name = "wagtail_passes/admin/generate_sessions_confirm.html"

    def check_action_permitted(self, user):
        return can_generate_sessions(user)

    def get_meta_title(self):
        return _("Generate sessions of %(schedule)s") % {"schedule": self.instance}

    def get_context_data(self, **kwargs):
        horizon_days = passes_settings.SCHEDULE_HORIZON_DAYS
        today = local_today()
        return super().get_context_data(
            horizon_days=horizon_days,
            horizon_date=today + dt.timedelta(days=horizon_days - 1),
            generate_url=self.url_helper.get_action_url("generate", self.pk_quoted),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            report = generate_sessions(self.instance)
        except ScheduleError as error:  # busy: another change to this schedule is running
            messages.error(request, error.message)
            return redirect(self.index_url)
        # Booked sessions the schedule no longer matches need a person to look at them.
        notify = messages.warning if report.kept_with_bookings else messages.success
        notify(request, report.summary())
        return redirect(self.index_url)


class ProtectedDeleteView(DeleteView):
    """modeladmin's delete view, telling what blocks a deletion instead of failing.

    Bookings (and ledger entries) protect their sessions, also through a cascade from a
    class or programme. modeladmin lists the blockers by walking the reverse relations,
    which crashes on hidden ones (``related_name="+"``) and misses cascades; the
    ProtectedError itself names them.
    """

    max_listed = 10

    def post(self, request, *args, **kwargs):
        deleted_message = gettext("%(model_name)s '%(object)s' deleted.") % {
            "model_name": capfirst(self.verbose_name),
            "object": self.instance,
        }
        try:
            with transaction.atomic():
                log(instance=self.instance, action="wagtail.delete")
                self.delete_instance()
        except ProtectedError as error:
            blockers = list(islice(error.protected_objects, self.max_listed))
            context = self.get_context_data(protected_error=True, linked_objects=blockers)
            return self.render_to_response(context)
        messages.success(request, deleted_message)
        return redirect(self.index_url)
