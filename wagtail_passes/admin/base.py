"""What every admin of this app shares."""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.helpers import AdminURLHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import HistoryView


class NumericPkURLHelper(AdminURLHelper):
    """Object URLs only match ids made of digits (at most 18, which every id column
    holds), so ``/edit/abc/`` or an id too large for the database is a plain 404,
    never a ``ValueError`` or an overflow deep in a view."""

    def _get_object_specific_action_url_pattern(self, action):
        return rf"^{self.base_url_path}/{action}/(?P<instance_pk>[0-9]{{1,18}})/$"


class PassesHistoryView(HistoryView):
    """The audit log of one object, for whoever may see the list it belongs to
    (modeladmin would show it to anyone with admin access)."""

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_list(user)


class PassesModelAdmin(ModelAdmin):
    """The base of every admin in the "Passes" menu."""

    url_helper_class = NumericPkURLHelper
    history_view_class = PassesHistoryView


def history_button(button_helper, obj, classnames_add=None, classnames_exclude=None) -> dict:
    """A "History" button to the object's audit log (staff actions, S5)."""
    classnames = ["button-secondary", *(classnames_add or [])]
    return {
        "url": button_helper.url_helper.get_action_url("history", quote(obj.pk)),
        "label": _("History"),
        "classname": button_helper.finalise_classname(classnames, classnames_exclude or []),
        "title": _("Who did what, and when"),
    }
