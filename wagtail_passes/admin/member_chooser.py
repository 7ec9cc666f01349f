"""Choosing a member in the admin: Wagtail's chooser modal over the site's users,
searched by name, username or email.

Used by "Assign a pass", "Book a member" and "Sell at the desk". Only staff who may
assign passes, manage bookings or sell at the desk can open it (it lists members' names
and addresses). The widget is not registered for other forms, so the host's own user
fields are left alone.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from ..presentation import person
from ..services.permissions import can_choose_members


def member_search_fields() -> list[str]:
    """The user model's name, username and email fields that exist (custom user models
    may lack some)."""
    user_model = get_user_model()
    names = [user_model.USERNAME_FIELD, user_model.get_email_field_name()]
    names += ["first_name", "last_name"]
    found = []
    for name in dict.fromkeys(names):
        try:
            user_model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        found.append(name)
    return found


def active_members():
    return get_user_model()._default_manager.filter(is_active=True)


class MemberFilterForm(BaseFilterForm):
    """Every word must match the name, username or email (case does not matter)."""

    q = forms.CharField(
        label=_("Search term"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, username or email")}),
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            fields = member_search_fields()
            for word in query.split()[:5]:
                objects = objects.filter(
                    reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields))
                )
            self.is_searching, self.search_query = True, query
        return objects


class StaffOnly:
    def dispatch(self, request, *args, **kwargs):
        if not can_choose_members(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MemberColumns:
    filter_form_class = MemberFilterForm

    @property
    def title_column(self):
        column = super().title_column  # the link (or checkbox label) that chooses
        column.accessor, column.label = person, _("Member")
        return column

    @property
    def columns(self):
        email_field = get_user_model().get_email_field_name()
        return [self.title_column, Column(email_field, label=_("Email"))]


class MemberChooseView(StaffOnly, MemberColumns, chooser_views.ChooseView):
    pass


class MemberChooseResultsView(StaffOnly, MemberColumns, chooser_views.ChooseResultsView):
    pass


class MemberChosenView(StaffOnly, chooser_views.ChosenView):
    def get_display_title(self, instance):
        return person(instance)


class MemberChooserWidget(BaseChooser):
    show_edit_link = False  # nothing to edit: the member's account is not ours

    def get_instance(self, value):
        # A posted value that is not an id (typed by hand, or too large for the column)
        # shows as "nothing chosen" next to the field's error, instead of crashing.
        if not str(value).isdigit() or len(str(value)) > 18:
            return None
        return active_members().filter(pk=value).first()

    def get_display_title(self, instance):
        return person(instance)


class MemberChooserViewSet(ChooserViewSet):
    icon = "user"
    choose_one_text = _("Choose a member")
    choose_another_text = _("Choose another member")
    edit_item_text = None
    per_page = 20
    register_widget = False
    base_widget_class = MemberChooserWidget
    choose_view_class = MemberChooseView
    choose_results_view_class = MemberChooseResultsView
    chosen_view_class = MemberChosenView

    def get_object_list(self):
        return active_members().order_by(*member_search_fields()[2:], "pk")


member_chooser_viewset = MemberChooserViewSet(
    "passes_member_chooser", model=get_user_model(), url_prefix="passes/choose-member"
)


class MemberChoiceField(forms.ModelChoiceField):
    """An active member, chosen with the chooser modal (the form posts their id)."""

    default_error_messages = {
        "invalid_choice": _("Choose an active member with “Choose a member”."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Member"))
        super().__init__(
            queryset=active_members(), widget=member_chooser_viewset.widget_class(), **kwargs
        )
