"""Wagtail hooks of wagtail_passes: the "Passes" group in the admin menu."""

from wagtail_modeladmin.options import modeladmin_register

from .admin import PassesAdminGroup

modeladmin_register(PassesAdminGroup)
