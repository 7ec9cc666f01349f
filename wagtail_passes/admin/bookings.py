"""Bookings: every booking of every session, who paid with what, who owes (S2, S3).

Bookings are never created or edited through a generic form: the services book, cancel
and mark attendance, with their rules and ledger movements. The list and the inspect
page (with the booking's ledger movements) show them; the per-booking actions
(attendance, cancel) live here too, and are reached from the session register.

Permissions: the list, the inspect page and the register need ``view_booking``;
attendance and cancelling need ``change_booking``; booking a member also needs
``add_booking``.
"""

from __future__ import annotations

from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import quote
from django.urls import re_path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.views import InspectView

from ..models import Booking
from ..presentation import EMPTY, attending, format_short_moment, ledger_row, person
from ..services.attendance import booking_tools_open
from ..services.charges import charge_tools_open, charge_words
from .base import PassesButtonHelper, PassesIndexView, PassesModelAdmin, history_button
from .booking_actions import (
    CancelBookingView,
    ChargeDeskPaymentView,
    DeskPaymentView,
    GiveBackEntryView,
    MarkAttendanceView,
    WaiveChargeView,
)
from .booking_display import (
    BookingPermissionHelper,
    booked_by_text,
    money_text,
    paid_text,
    register_url,
    session_text,
)
from .desk.export_links import ExportLinksMixin
from .display import ATTENDEE_SEARCH_FIELDS, NOWRAP, AttendingFilter, attendee_cell, column
from .filters import UpcomingDateFilter


class BookingButtonHelper(PassesButtonHelper):
    """Inspect and "Register" per booking; on the inspect page also "Mark attendance" and
    "Cancel booking" for those who may change bookings."""

    def _button(self, url, label, title, classnames_add=None, classnames_exclude=None):
        classnames = ["button-secondary", *(classnames_add or [])]
        return {
            "url": url,
            "label": label,
            "classname": self.finalise_classname(classnames, classnames_exclude or []),
            "title": title,
        }

    #: The staff tools on one booking: (action, label, title), shown while its state
    #: leaves them open (``services.attendance.booking_tools_open``).
    TOOLS = (
        ("attendance", _("Mark attendance"), _("Attended, no-show, or not marked yet")),
        ("desk_payment", _("Paid at the desk"), _("Record that the member paid the amount due")),
        ("cancel", _("Cancel booking"), _("Cancel it and choose whether the entry goes back")),
    )

    #: L3: the tools on a booking's charges, while ``charge_tools_open`` offers them.
    CHARGE_TOOLS = (
        ("charge_payment", _("Charge paid at the desk"), _("Record that the member paid a fee")),
        ("waive_charge", _("Waive a charge"), _("Waive a fee, or give a kept entry back")),
        ("give_back", _("Give the entry back"), _("Give back the entry a no-show kept")),
    )

    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        exclude = exclude or []
        buttons = super().get_buttons_for_obj(obj, exclude, classnames_add, classnames_exclude)
        helper, user = self.permission_helper, self.request.user
        pk = quote(getattr(obj, self.opts.pk.attname))
        extra = []
        if "register" not in exclude and helper.user_can_list(user):
            extra.append(
                (
                    "register",
                    register_url(obj.session_id),
                    _("Register"),
                    _("The session's register"),
                )
            )
        # Attendance and cancel are offered on the inspect page (which excludes "inspect").
        on_inspect = "inspect" in exclude
        if on_inspect and helper.user_can_manage(user):
            open_tools = booking_tools_open(obj)
            extra += [
                (action, self.url_helper.get_action_url(action, pk), label, title)
                for action, label, title in self.TOOLS
                if action in open_tools
            ]
            extra += [
                (action, self.url_helper.get_action_url(action, pk), label, title)
                for action, label, title in self.CHARGE_TOOLS
                if action in charge_tools_open(obj)
            ]
        for action, url, label, title in extra:
            if action not in exclude:
                buttons.append(self._button(url, label, title, classnames_add, classnames_exclude))
        if on_inspect:
            buttons.append(history_button(self, obj, classnames_add, classnames_exclude))
        return buttons


class OwesFilter(SimpleListFilter):
    """Bookings that owe an amount (S2): no pass paid and something is due."""

    title = _("owes an amount")
    parameter_name = "owes"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(amount_due__gt=0)
        if self.value() == "no":
            return queryset.filter(amount_due=0)
        return queryset


class SessionDateFilter(UpcomingDateFilter):
    """The sessions list's date ranges, on the booked session's start."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("session date")


class BookingIndexView(ExportLinksMixin, PassesIndexView):
    """The list, with "Export CSV" / "Export XLSX" of what it shows (``admin/desk/exports``)."""

    export_kinds = ("bookings",)


class BookingInspectView(InspectView):
    """One booking: its facts and its ledger movements (what it redeemed and returned)."""

    def get_page_title(self):
        return person(self.instance.member)

    def get_page_subtitle(self):
        return session_text(self.instance.session)

    def get_fields_dict(self):
        booking = self.instance
        session = booking.session
        cancelled = EMPTY
        if booking.cancelled_at:
            cancelled = (
                f"{format_short_moment(booking.cancelled_at)} – {person(booking.cancelled_by)}"
            )
        rows = [
            (_("Attending"), attending(booking)),  # F2: who; "Member" stays the payer
            (_("Member"), person(booking.member)),
            (_("Session"), session_text(session)),
            (_("Programme"), session.programme_class.programme.name),
            (_("Places"), booking.attendees),
            (_("Status"), booking.get_status_display()),
            (_("Paid with"), paid_text(booking)),
            (_("Price"), money_text(booking.price, booking.currency)),
            (_("Amount due"), money_text(booking.amount_due, booking.currency)),
            (_("Paid at the desk"), self.desk_payment_text()),
            (_("Booked at"), format_short_moment(booking.created_at)),
            (_("Booked by"), booked_by_text(booking)),
            (_("Attendance marked"), self.attendance_text()),
            (_("Cancelled"), cancelled),
            (_("Charges"), self.charges_text()),
        ]
        return [{"label": label, "value": value} for label, value in rows]

    def desk_payment_text(self) -> str:
        booking = self.instance
        if not booking.amount_paid:
            return EMPTY
        return (
            f"{money_text(booking.amount_paid, booking.currency)}, "
            f"{booking.get_payment_method_display().lower()} – "
            f"{format_short_moment(booking.amount_paid_at)} – {person(booking.payment_recorded_by)}"
        )

    def charges_text(self) -> str:
        """L3: each late cancellation or no-show charge, its reason and state."""
        charges = self.instance.charges.order_by("pk")
        return "; ".join(charge_words(charge) for charge in charges) or EMPTY

    def attendance_text(self) -> str:
        booking = self.instance
        if booking.attendance_marked_at is None:
            return EMPTY
        return (
            f"{format_short_moment(booking.attendance_marked_at)} – "
            f"{person(booking.attendance_marked_by)}"
        )

    def ledger_rows(self):
        entries = self.instance.ledger_entries.select_related("member_pass", "created_by").order_by(
            "created_at", "pk"
        )
        return [ledger_row(entry, entry.member_pass, entry.member_pass.title) for entry in entries]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            ledger_rows=self.ledger_rows(),
            register_url=register_url(self.instance.session_id),
            **kwargs,
        )


class BookingAdmin(PassesModelAdmin):
    model = Booking
    menu_label = _("Bookings")
    menu_icon = "clipboard-list"
    permission_helper_class = BookingPermissionHelper
    button_helper_class = BookingButtonHelper
    index_view_class = BookingIndexView
    inspect_view_class = BookingInspectView
    inspect_view_enabled = True
    index_template_name = "wagtail_passes/admin/bookings/index.html"
    inspect_template_name = "wagtail_passes/admin/bookings/inspect.html"

    # The programme, places and when it was booked are on the booking's page.
    list_display = ("session_name", "member_name", "status", "paid_with")
    list_filter = (
        "session__programme_class__programme",
        "session__programme_class",
        "status",
        OwesFilter,
        AttendingFilter,
        ("session__start", SessionDateFilter),
    )
    list_select_related = (
        "member",
        "person",
        "member_pass",
        "session__programme_class__programme",
    )
    search_fields = ATTENDEE_SEARCH_FIELDS
    ordering = ("-created_at", "-pk")

    @column(_("session"), "session__start")
    def session_name(self, obj):
        """The class, and below it when the session starts (on one line)."""
        return format_html(
            '{}<br><span class="{}">{}</span>',
            obj.session.programme_class.name,
            NOWRAP,
            format_short_moment(obj.session.start),
        )

    @column(_("attending"), "member__last_name")
    def member_name(self, obj):
        return attendee_cell(obj)

    @column(_("programme"), "session__programme_class__programme__name")
    def programme(self, obj):
        return obj.session.programme_class.programme.name

    @column(_("paid with / amount due"))
    def paid_with(self, obj):
        return paid_text(obj)

    @column(_("booked at"), "created_at")
    def booked_at(self, obj):
        return format_short_moment(obj.created_at)

    def register_indexing(self):
        # The services write bookings; Wagtail's reference index need not track them.
        pass

    # ---- the staff actions on one booking ---------------------------------------------

    def attendance_view(self, request, instance_pk):
        return MarkAttendanceView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def cancel_view(self, request, instance_pk):
        return CancelBookingView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def desk_payment_view(self, request, instance_pk):
        return DeskPaymentView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def waive_charge_view(self, request, instance_pk):
        return WaiveChargeView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def charge_payment_view(self, request, instance_pk):
        return ChargeDeskPaymentView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def give_back_view(self, request, instance_pk):
        return GiveBackEntryView.as_view(model_admin=self, instance_pk=instance_pk)(request)

    def get_admin_urls_for_registration(self):
        helper = self.url_helper
        views = {
            "attendance": self.attendance_view,
            "cancel": self.cancel_view,
            "desk_payment": self.desk_payment_view,
            "waive_charge": self.waive_charge_view,
            "charge_payment": self.charge_payment_view,
            "give_back": self.give_back_view,
        }
        return super().get_admin_urls_for_registration() + tuple(
            re_path(
                helper.get_action_url_pattern(action), view, name=helper.get_action_url_name(action)
            )
            for action, view in views.items()
        )
