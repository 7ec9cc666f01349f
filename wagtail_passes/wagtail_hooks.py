"""Wagtail hooks of wagtail_passes: the "Passes" group in the admin menu, the app's
actions in Wagtail's audit log and the app's admin styles."""

from django.templatetags.static import static
from django.urls import include, path
from django.utils.html import format_html
from wagtail import hooks
from wagtail_modeladmin.options import modeladmin_register

from . import audit
from .admin import PassesAdminGroup
from .admin.desk import urls as desk_urls
from .admin.member_chooser import member_chooser_viewset
from .admin.reports import urls as report_urls
from .admin.reports.dashboard import add_passes_panel

modeladmin_register(PassesAdminGroup)


@hooks.register("insert_global_admin_css")
def passes_admin_css():
    """The app's admin styles (lists that never break words, readable buttons); they touch
    only the app's own markup (classes ``passes-admin-*``)."""
    return format_html('<link rel="stylesheet" href="{}">', static("wagtail_passes/css/admin.css"))


@hooks.register("register_log_actions")
def register_passes_log_actions(actions):
    audit.register_actions(actions)


@hooks.register("register_admin_viewset")
def register_member_chooser():
    return member_chooser_viewset


@hooks.register("register_admin_urls")
def register_report_urls():
    """S1, S2: the reports, under /admin/passes-reports/."""
    return [path("passes-reports/", include(report_urls, namespace="wagtail_passes_reports"))]


@hooks.register("register_admin_urls")
def register_desk_urls():
    """The front desk (member profile, check-in, desk sales, exports), under /admin/passes-desk/."""
    return [path("passes-desk/", include(desk_urls, namespace="wagtail_passes_desk"))]


@hooks.register("construct_homepage_panels")
def add_passes_today_panel(request, panels):
    add_passes_panel(request, panels)
