"""What every admin of this app shares."""

from __future__ import annotations

from wagtail_modeladmin.helpers import AdminURLHelper
from wagtail_modeladmin.options import ModelAdmin


class NumericPkURLHelper(AdminURLHelper):
    """Object URLs only match ids made of digits (at most 18, which every id column
    holds), so ``/edit/abc/`` or an id too large for the database is a plain 404,
    never a ``ValueError`` or an overflow deep in a view."""

    def _get_object_specific_action_url_pattern(self, action):
        return rf"^{self.base_url_path}/{action}/(?P<instance_pk>[0-9]{{1,18}})/$"


class PassesModelAdmin(ModelAdmin):
    """The base of every admin in the "Passes" menu."""

    url_helper_class = NumericPkURLHelper
