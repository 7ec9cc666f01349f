"""A2: which products a visitor may see follows Wagtail's page privacy, for one page (the
checkout) and for a list read at once (the index, the product list block, the calendar)."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from wagtail.models import PageViewRestriction

from wagtail_passes.compat import PAGE_MODEL
from wagtail_passes.products.visibility import (
    passed_view_restrictions,
    restrictions_by_page,
    unmet_view_restrictions,
    visible_to_member,
    visible_to_request,
)
from wagtail_passes.test.factories import PassPageFactory, ProductIndexPageFactory, UserFactory

from .conftest import restrict

pytestmark = pytest.mark.django_db


def _ids(restrictions):
    return sorted(r.pk for r in restrictions)


def test_a2_restrictions_of_a_list_are_wagtails_for_each_page(teachers):
    """The one query for many pages finds what ``get_view_restrictions`` finds for each:
    the page's own, its ancestors', and through aliases (of the page or of an ancestor)."""
    open_index = ProductIndexPageFactory(title="Open")
    closed_index = ProductIndexPageFactory(title="Closed")
    restrict(closed_index, PageViewRestriction.LOGIN)
    pages = [
        PassPageFactory(parent=open_index),
        PassPageFactory(parent=closed_index),
        PassPageFactory(parent=closed_index),
    ]
    restrict(pages[2], PageViewRestriction.GROUPS, groups=[teachers])
    restrict(pages[2], PageViewRestriction.PASSWORD, password="x")
    # An alias of a private product in the open index; an alias of the closed index (with
    # its products) under the open one.
    alias = pages[2].create_alias(parent=open_index, update_slug="alias-of-private")
    index_alias = closed_index.create_alias(
        parent=open_index, update_slug="closed-alias", recursive=True
    )
    under_alias = list(index_alias.get_children())
    everything = [*pages, alias, index_alias, *under_alias]
    Page = apps.get_model(PAGE_MODEL)  # the site's base page model
    everything = [Page.objects.get(pk=page.pk) for page in everything]

    found = restrictions_by_page(everything)

    for page in everything:
        assert _ids(found[page.pk]) == _ids(page.get_view_restrictions()), page.title
    # The aliases are private through the pages they alias, not their own.
    assert len(found[alias.pk]) == 2
    assert under_alias and all(len(found[page.pk]) >= 1 for page in under_alias)


def test_a2_a_list_reads_the_restrictions_of_all_its_pages_in_one_query(
    index, public, for_teachers, with_password, django_assert_num_queries
):
    pages = [public, for_teachers, with_password] + [
        PassPageFactory(parent=index) for _ in range(5)
    ]
    with django_assert_num_queries(2):  # the restrictions, the groups of the group one
        restrictions_by_page(pages)


def test_a2_an_anonymous_visitor_sees_only_public_products(public, for_teachers, with_password):
    assert visible_to_member([public, for_teachers, with_password], None) == [public]
    assert visible_to_member([public, for_teachers], AnonymousUser()) == [public]


def test_a2_a_group_member_sees_their_groups_products(
    member, teacher, public, for_teachers, with_password
):
    pages = [public, for_teachers, with_password]
    assert visible_to_member(pages, teacher) == [public, for_teachers]
    assert visible_to_member(pages, member) == [public]


def test_a2_a_superuser_passes_group_restrictions_not_passwords(
    superuser, public, for_teachers, with_password
):
    assert visible_to_member([public, for_teachers, with_password], superuser) == [
        public,
        for_teachers,
    ]


def test_a2_a_password_counts_only_when_the_visitor_passed_it(member, with_password):
    assert visible_to_member([with_password], member) == []
    assert visible_to_member(
        [with_password], member, passed_view_restrictions=[with_password.restriction.pk]
    ) == [with_password]
    assert unmet_view_restrictions(with_password, member) == [with_password.restriction]
    assert (
        unmet_view_restrictions(
            with_password, member, passed_view_restrictions={with_password.restriction.pk}
        )
        == []
    )


@pytest.mark.parametrize("junk", ["12", None, 12, [None, "1", True], {"a": 1}, b"1"])
def test_a2_passed_restrictions_that_are_not_ids_pass_nothing(member, with_password, junk):
    assert visible_to_member([with_password], member, passed_view_restrictions=junk) == []


def test_a2_login_restriction_on_an_ancestor_hides_the_products_below_it(member, index, public):
    restrict(index, PageViewRestriction.LOGIN)

    assert visible_to_member([public], None) == []
    assert visible_to_member([public], member) == [public]
    assert unmet_view_restrictions(public, None)


def test_a2_a_request_is_judged_with_its_user_and_its_session(
    client, teacher, public, for_teachers, with_password
):
    request = RequestFactory().get("/")
    request.user = teacher
    request.session = {
        PageViewRestriction.passed_view_restrictions_session_key: [with_password.restriction.pk]
    }
    assert passed_view_restrictions(request) == {with_password.restriction.pk}
    assert visible_to_request([public, for_teachers, with_password], request) == [
        public,
        for_teachers,
        with_password,
    ]
    assert visible_to_request([public, for_teachers, with_password], None) == [public]


def test_a2_judging_a_member_leaves_their_user_object_alone(teacher, public, for_teachers):
    visible_to_member([public, for_teachers], teacher)
    assert "groups" not in getattr(teacher, "_prefetched_objects_cache", {})


def test_a2_many_private_products_cost_no_query_each(
    teacher, teachers, index, django_assert_max_num_queries
):
    pages = []
    for _ in range(8):
        page = PassPageFactory(parent=index)
        restrict(page, PageViewRestriction.GROUPS, groups=[teachers])
        pages.append(page)
    member = UserFactory()
    with django_assert_max_num_queries(3):  # restrictions, their groups, the member's groups
        assert visible_to_member(pages, member) == []
    with django_assert_max_num_queries(3):
        assert visible_to_member(pages, teacher) == pages
