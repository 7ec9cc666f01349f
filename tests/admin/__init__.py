"""Tests of the Wagtail admin panels (wagtail_passes/admin/).

Small helpers shared by these tests live here.
"""

import json

from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from wagtail_passes.test.factories import UserFactory


def admin_url(model_name, action, *args):
    """The URL of a modeladmin view, e.g. ``admin_url("session", "edit", 3)``."""
    return reverse(f"wagtail_passes_{model_name}_modeladmin_{action}", args=args)


def staff_client(*codenames, group_name="Front desk"):
    """A logged-in client for a Wagtail editor: admin access plus only these passes permissions.

    ``codenames`` are permissions of wagtail_passes, e.g. ``"view_schedule"``.
    """
    group = Group.objects.create(name=group_name)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="wagtail_passes", codename__in=codenames)
    )
    user = UserFactory()
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def row_cells(response, obj):
    """The text of each cell of ``obj``'s row in a modeladmin list (buttons left out)."""
    row = BeautifulSoup(response.content, "html.parser").find(
        "tr", attrs={"data-object-pk": str(obj.pk)}
    )
    # The first cell also holds the row's buttons; the value is its first text.
    return [next(cell.stripped_strings, "") for cell in row.find_all("td")]


def edit_form_data(response, **changes):
    """The form of an edit page exactly as rendered, with some fields changed, to POST back."""
    html = response.content.decode()
    path = response.request["PATH_INFO"]
    forms = BeautifulSoup(html, "html.parser").find_all("form")
    index = next(i for i, form in enumerate(forms) if form.get("action") == path)
    data = querydict_from_html(html, form_index=index)
    for name, value in changes.items():
        data[name] = value
    return data


def form_token(response) -> str:
    """The one-time token an admin money form carries (``admin/once.py``); "" if none."""
    field = BeautifulSoup(response.content, "html.parser").find(
        "input", attrs={"name": "form_token"}
    )
    return field["value"] if field else ""


def post_form(client, url, data=None, **kwargs):
    """Send an admin form as staff do: open it (GET), then POST ``data`` with the one-time
    token the page carries."""
    token = form_token(client.get(url))
    return client.post(url, {**(data or {}), "form_token": token}, **kwargs)


def listed(response):
    """The objects a modeladmin list shows on this page."""
    return list(response.context["object_list"])


def assert_refused(response, field, message):
    """The form came back, unsaved, with ``message`` next to ``field``."""
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in error for error in errors.get(field, [])), errors
    assert message in response.content.decode()


def sidebar_menu(response):
    """The main menu of an admin page as ``{label: [sub-item labels]}``.

    Wagtail renders the menu as JSON for its sidebar; read it rather than the markup.
    """
    soup = BeautifulSoup(response.content, "html.parser")
    props = json.loads(soup.find(id="wagtail-sidebar-props").string)
    main_menu = next(m for m in props["modules"] if m["_type"] == "wagtail.sidebar.MainMenuModule")
    menu = {}
    for item in main_menu["_args"][0]:
        attrs, *rest = item["_args"]
        children = rest[0] if item["_type"] == "wagtail.sidebar.SubMenuItem" else []
        menu[attrs["label"]] = [child["_args"][0]["label"] for child in children]
    return menu


def error_shown_next_to(response, field_id):
    """The error text Wagtail shows in the field wrapper of the input ``field_id`` (e.g.
    ``"id_capacity"``, ``"id_classes-0-capacity"``); "" when the field shows none.

    Reads every string, including those inside a ``<template>`` (where Wagtail keeps the
    publishing-schedule dialog), which BeautifulSoup's ``stripped_strings`` leaves out.
    """
    widget = BeautifulSoup(response.content, "html.parser").find(id=field_id)
    assert widget is not None, f"no input {field_id!r} on the page"
    wrapper = widget.find_parent(attrs={"data-field": True})
    errors = wrapper.select_one("[data-field-errors]") if wrapper else None
    if errors is None:
        return ""
    return " ".join(text.strip() for text in errors.find_all(string=True) if text.strip())
