"""Dated sessions, with their effective capacity and how many bookings they hold.

Each session links to its register (S3: bookings, attendance, waiting list, "Book a
member") and to "Cancel session" (P8). A session is cancelled only through that
action, never by a box on its form, so its bookings are always cancelled and refunded.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList

from ..models import Booking, Session
from ..presentation import format_short_moment
from .base import PassesButtonHelper, PassesModelAdmin
from .booking_actions import CancelSessionView, RemoveWaitingView, SessionEditView
from .booking_display import SessionButtons
from .display import column, yes_no
from .filters import UpcomingDateFilter
from .forms import SessionAdminForm
from .series import BookSeriesView
from .session_register import BookMemberView, SessionRegisterView
from .views import ProtectedDeleteView


class SessionButtonHelper(PassesButtonHelper):
    """Adds "Bookings" (the register, for ``view_booking``) and "Cancel session" (for
    ``change_session``, while the session is not cancelled) to each row."""

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        exclude = exclude or []
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        classnames = self.finalise_classname(
            ["button-secondary", *(classnames_add or [])], classnames_exclude or []
        )
        for button in SessionButtons(self.request.user, obj).all():
            if button["action"] not in exclude:
                buttons.append({**button, "classname": classnames})
        return buttons


class SessionAdmin(PassesModelAdmin):
    model = Session
    menu_label = _("Sessions")
    menu_icon = "calendar"
    delete_view_class = ProtectedDeleteView
    edit_view_class = SessionEditView
    edit_template_name = "wagtail_passes/admin/sessions/edit.html"
    button_helper_class = SessionButtonHelper
    list_display = (
        "start_time",
        "programme_class",
        "programme",
        "capacity_in_use",
        "active_bookings",
        "cancelled",
    )
    list_filter = (
        "programme_class__programme",
        "programme_class",
        ("start", UpcomingDateFilter),
        "is_cancelled",
    )
    search_fields = ("programme_class__name", "programme_class__programme__name")
    ordering = ("start",)

    edit_handler = ObjectList(
        [
            FieldPanel("programme_class"),
            FieldPanel("start"),
            FieldPanel("end"),
            FieldPanel("capacity"),
            FieldPanel("confirm"),
            # No "cancelled" box: ticking it skipped P8 (bookings neither cancelled nor
            # refunded). "Cancel session" is the only way to cancel.
        ],
        base_form_class=SessionAdminForm,
    )

    def get_queryset(self, request):
        # One query for the page: related rows joined, bookings counted in SQL. A
        # subquery rather than a join, so it runs for the rows of the page only and
        # the list's COUNT(*) leaves it out.
        active_bookings = (
            Booking.objects.active()
            .filter(session=OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("programme_class__programme")
            .annotate(active_booking_count=Coalesce(Subquery(active_bookings), 0))
        )

    @column(_("start"), "start", nowrap=True)
    def start_time(self, obj):
        return format_short_moment(obj.start)

    @column(_("programme"), "programme_class__programme__name")
    def programme(self, obj):
        return obj.programme_class.programme

    @column(_("capacity"))
    def capacity_in_use(self, obj):
        return obj.effective_capacity

    @column(_("active bookings"), "active_booking_count")
    def active_bookings(self, obj):
        return obj.active_booking_count

    @column(_("cancelled"), "is_cancelled")
    def cancelled(self, obj):
        return yes_no(obj.is_cancelled)

    # ---- the register and the session actions (S3, P7, P8) ---------------------------

    def register_view(self, request, instance_pk):
        return SessionRegisterView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def book_view(self, request, instance_pk):
        return BookMemberView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def book_series_view(self, request, instance_pk):
        """T1: book a member on every week of the session's class."""
        return BookSeriesView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def cancel_session_view(self, request, instance_pk):
        return CancelSessionView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def remove_waiting_view(self, request, instance_pk):
        """``instance_pk`` is the waiting-list entry's."""
        return RemoveWaitingView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        views = {
            "register": self.register_view,
            "book": self.book_view,
            "book_series": self.book_series_view,
            "cancel_session": self.cancel_session_view,
            "remove_waiting": self.remove_waiting_view,
        }
        return super().get_admin_urls_for_registration() + tuple(
            re_path(
                helper.get_action_url_pattern(action), view, name=helper.get_action_url_name(action)
            )
            for action, view in views.items()
        )
