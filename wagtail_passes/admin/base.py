"""What every admin of this app shares."""

from __future__ import annotations

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail_modeladmin.helpers import AdminURLHelper, ButtonHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import HistoryView, IndexView


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


class PassesIndexView(IndexView):
    """A list reads only its own filters, sort, page and search from the address.

    modeladmin would also filter by any other lookup in the query string, through related
    models too (``?member__password__startswith=pbkdf2``: a way to probe what the list
    does not show), and answer a value it cannot apply (``?session__start__gte=soon``)
    with a 500. Here other parameters are ignored, and a filter value that cannot be
    applied brings back the whole list with a message."""

    def get_filters(self, request):
        filter_specs, has_filters, remaining, use_distinct = super().get_filters(request)
        kept = {key: value for key, value in remaining.items() if self.is_own_lookup(key)}
        return filter_specs, has_filters, kept, use_distinct

    def is_own_lookup(self, key: str) -> bool:
        """A lookup on one of the list's own filter fields (``state=paid``,
        ``state__in=…``), never through a relation (``member__password__…``)."""
        field, _sep, lookup = key.partition("__")
        own = {
            entry if isinstance(entry, str) else entry[0]
            for entry in self.list_filter
            if isinstance(entry, str) or (isinstance(entry, tuple | list) and entry)
        }
        return field in own and "__" not in field and "__" not in lookup

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except IncorrectLookupParameters:
            messages.error(request, _("That filter could not be applied: here is the whole list."))
            return redirect(self.index_url)


#: The class of every cell of the app's lists: words never break inside their letters
#: (static/wagtail_passes/css/admin.css).
CELL_CLASS = "passes-admin-cell"
#: The class of the app's buttons: they never wrap, and read well in an inspect page's footer.
BUTTON_CLASS = "passes-admin-button"


class PassesButtonHelper(ButtonHelper):
    """Every button of the app's lists and inspect pages carries ``BUTTON_CLASS``."""

    def finalise_classname(self, classnames_add=None, classnames_exclude=None):
        classname = super().finalise_classname(classnames_add, classnames_exclude)
        return f"{classname} {BUTTON_CLASS}".strip()


class PassesModelAdmin(ModelAdmin):
    """The base of every admin in the "Passes" menu."""

    url_helper_class = NumericPkURLHelper
    index_view_class = PassesIndexView
    history_view_class = PassesHistoryView
    button_helper_class = PassesButtonHelper

    def get_extra_class_names_for_field_col(self, obj, field_name):
        """Each cell: ``CELL_CLASS``, and the column's own (``display.column``: a date or
        an amount never wraps)."""
        method = getattr(self, field_name, None)
        return [CELL_CLASS, *getattr(method, "cell_classes", ())]


def history_button(button_helper, obj, classnames_add=None, classnames_exclude=None) -> dict:
    """A "History" button to the object's audit log (staff actions, S5)."""
    classnames = ["button-secondary", *(classnames_add or [])]
    return {
        "url": button_helper.url_helper.get_action_url("history", quote(obj.pk)),
        "label": _("History"),
        "classname": button_helper.finalise_classname(classnames, classnames_exclude or []),
        "title": _("Who did what, and when"),
    }
