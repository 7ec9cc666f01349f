"""Wagtail admin panels of wagtail_passes (wagtail-modeladmin).

A thin registration layer: panels, list columns, filters, buttons and one action
view that calls the services. ``wagtail_hooks.py`` registers :class:`PassesAdminGroup`.
"""

from .bookings import BookingAdmin
from .classes import ProgrammeClassAdmin
from .discounts import DiscountCodeAdmin
from .group import PassesAdminGroup
from .member_passes import MemberPassAdmin
from .orders import OrderAdmin
from .programmes import ProgrammeAdmin
from .registrations import RegistrationAdmin
from .schedules import ScheduleAdmin
from .sessions import SessionAdmin

__all__ = [
    "BookingAdmin",
    "DiscountCodeAdmin",
    "MemberPassAdmin",
    "OrderAdmin",
    "PassesAdminGroup",
    "ProgrammeAdmin",
    "ProgrammeClassAdmin",
    "RegistrationAdmin",
    "ScheduleAdmin",
    "SessionAdmin",
]
