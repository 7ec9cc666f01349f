"""The "Passes" menu group that holds every admin of this app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdminGroup

from ..services.permissions import can_sell_at_desk
from .attention import PaymentIssueAdmin
from .bookings import BookingAdmin
from .classes import ProgrammeClassAdmin
from .desk.checkin import checkin_menu_item
from .discounts import DiscountCodeAdmin
from .member_passes import MemberPassAdmin
from .orders import OrderAdmin
from .programmes import ProgrammeAdmin
from .registrations import RegistrationAdmin
from .reports import report_menu_items
from .reports.base import ReportMenuItem
from .schedules import ScheduleAdmin
from .sessions import SessionAdmin


class PassesAdminGroup(ModelAdminGroup):
    menu_label = _("Passes")
    menu_icon = "calendar-check"
    menu_order = 200
    items = (
        ProgrammeAdmin,
        ProgrammeClassAdmin,
        SessionAdmin,
        ScheduleAdmin,
        BookingAdmin,
        MemberPassAdmin,
        OrderAdmin,
        PaymentIssueAdmin,
        RegistrationAdmin,
        DiscountCodeAdmin,
    )

    def get_submenu_items(self):
        # The models' lists, the front desk's screens, then the reports (S1, S2), each
        # shown to who may see it.
        items = super().get_submenu_items()
        items.append(checkin_menu_item(order=len(items) + 1))
        items.append(sell_at_desk_menu_item(order=len(items) + 1))
        return items + report_menu_items(order=len(items) + 1)


def sell_at_desk_menu_item(order: int) -> ReportMenuItem:
    """C2, C6: "Sell at the desk", for whoever may sell there."""
    return ReportMenuItem(
        _("Sell at the desk"), "wagtail_passes_desk:sell", can_sell_at_desk, "tag", order
    )
