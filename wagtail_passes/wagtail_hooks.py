"""Wagtail hooks of wagtail_passes: the "Passes" group in the admin menu and the
app's actions in Wagtail's audit log."""

from wagtail import hooks
from wagtail_modeladmin.options import modeladmin_register

from . import audit
from .admin import PassesAdminGroup
from .admin.member_chooser import member_chooser_viewset

modeladmin_register(PassesAdminGroup)


@hooks.register("register_log_actions")
def register_passes_log_actions(actions):
    audit.register_actions(actions)


@hooks.register("register_admin_viewset")
def register_member_chooser():
    return member_chooser_viewset
