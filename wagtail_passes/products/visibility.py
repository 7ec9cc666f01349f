"""Who may see a product page, by Wagtail's own page privacy (A2).

An editor makes a page private in Wagtail's "Privacy" setting: only logged-in users, only
members of some groups, or anyone who enters a shared password; a restriction set on a page
applies to every page below it (``PageViewRestriction``). Wagtail refuses such a page to
anyone else; a product on it is not offered or sold to them either: the checkout refuses it
(``services.orders``, code ``not_visible``) and the lists that offer products (the product
index, the product list block, the calendar's Buy links) leave it out.

Wagtail decides: which restrictions apply is ``Page.get_view_restrictions()`` (a list of
pages reads them for all its pages at once, in one query, by the same rule), and whether a
visitor passes one is ``restriction.accept_request(request)``. The services have no request,
so they judge a stand-in: the member as ``request.user``, and as the session the password
restrictions the caller says the visitor passed (``passed_view_restrictions``, the ids Wagtail
keeps in the visitor's session once they entered a page's password; read them with
``passed_view_restrictions(request)``). A member passes login restrictions, and group ones
when in a group named (superusers always); a password restriction only when its id is passed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, Q, prefetch_related_objects
from wagtail.models import PageViewRestriction

SESSION_KEY = PageViewRestriction.passed_view_restrictions_session_key
PASSWORD = PageViewRestriction.PASSWORD
GROUPS = PageViewRestriction.GROUPS

#: The attribute ``with_privacy_hint`` puts on each page it reads.
SITE_HAS_RESTRICTIONS = "passes_site_has_view_restrictions"


def with_privacy_hint(pages):
    """``pages`` (a page queryset) annotated with whether the site has any view restriction
    at all, read with the pages: on a site with no private page, ``visible_to_*`` then
    reads nothing more. A list's query count stays what it was without privacy."""
    return pages.annotate(**{SITE_HAS_RESTRICTIONS: Exists(PageViewRestriction.objects.all())})


def passed_view_restrictions(request) -> frozenset[int]:
    """The ids of the password restrictions the visitor of ``request`` passed, as Wagtail
    recorded them in their session (none without a session)."""
    session = getattr(request, "session", None)
    if session is None:
        return frozenset()
    return _ids(session.get(SESSION_KEY, ()))


def _ids(values) -> frozenset[int]:
    """Whole numbers only: anything else a caller passes is no restriction passed."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return frozenset()
    return frozenset(v for v in values if isinstance(v, int) and not isinstance(v, bool))


class Visitor:
    """What ``accept_request`` reads of a request: ``user`` (the member, or an anonymous
    visitor) and ``session`` (holding only the passed password restrictions)."""

    def __init__(self, user, passed: Collection[int] = (), *, load_groups: bool = False):
        if user is None or not getattr(user, "is_authenticated", False):
            user = AnonymousUser()
        elif load_groups and not user.is_superuser:
            # Read the member's groups once for all the restrictions judged, on a copy so
            # the caller's user object keeps its own cache.
            user = copy.copy(user)
            user._prefetched_objects_cache = {}
            prefetch_related_objects([user], "groups")
        self.user = user
        self.session = {SESSION_KEY: sorted(_ids(passed))}


def unmet_view_restrictions(page, member, *, passed_view_restrictions=()) -> list:
    """The restrictions on ``page`` (or an ancestor) that ``member`` does not pass; empty
    when they may view it. For one page: Wagtail's ``get_view_restrictions``."""
    if getattr(page, SITE_HAS_RESTRICTIONS, True) is False:
        return []  # the site has no private page (``with_privacy_hint``)
    visitor = Visitor(member, passed_view_restrictions)
    return [r for r in page.get_view_restrictions() if not r.accept_request(visitor)]


def password_restrictions(page) -> frozenset[int]:
    """The ids of the password restrictions on ``page`` (or an ancestor): a holder renewing
    the pass they bought passed them when they bought it."""
    restrictions = page.get_view_restrictions().filter(restriction_type=PASSWORD)
    return frozenset(restrictions.values_list("pk", flat=True))


def visible_to_member(pages, member, *, passed_view_restrictions=()) -> list:
    """The ``pages`` that ``member`` (None: an anonymous visitor) may view, in their order."""

    def visitor(load_groups: bool) -> Visitor:
        return Visitor(member, passed_view_restrictions, load_groups=load_groups)

    return _visible(pages, visitor)


def visible_to_request(pages, request) -> list:
    """The ``pages`` the visitor of ``request`` (None: an anonymous one) may view. The
    request's user and session are read only when one of the pages is private."""

    def visitor(load_groups: bool) -> Visitor:
        user = getattr(request, "user", None)
        return Visitor(user, passed_view_restrictions(request), load_groups=load_groups)

    return _visible(pages, visitor)


def _visible(pages, make_visitor: Callable[[bool], Visitor]) -> list:
    pages = list(pages)
    if all(getattr(page, SITE_HAS_RESTRICTIONS, True) is False for page in pages):
        return pages  # the site has no private page (``with_privacy_hint``)
    applying = restrictions_by_page(pages)
    if not any(applying.values()):
        return pages
    load_groups = any(r.restriction_type == GROUPS for found in applying.values() for r in found)
    visitor = make_visitor(load_groups)
    judged: dict[int, bool] = {}  # a restriction over many pages is judged once

    def accepts(restriction) -> bool:
        if restriction.pk not in judged:
            judged[restriction.pk] = restriction.accept_request(visitor)
        return judged[restriction.pk]

    return [page for page in pages if all(accepts(r) for r in applying.get(page.pk, ()))]


def restrictions_by_page(pages) -> dict[int, list]:
    """For each of ``pages`` (by id), the restrictions ``get_view_restrictions`` gives it:
    those on the page or an ancestor, an alias's taken from the page it is an alias of.
    One query for all the pages (and one for the groups of group restrictions, if any)."""
    chains = {page.pk: _ancestor_paths(page) for page in pages if page.pk is not None}
    paths = set().union(*chains.values()) if chains else set()
    if not paths:
        return {}
    rows = (
        PageViewRestriction.objects.filter(
            Q(page__path__in=paths, page__alias_of__isnull=True) | Q(page__aliases__path__in=paths)
        )
        .annotate(
            own_path=F("page__path"),
            own_alias_of=F("page__alias_of"),
            alias_path=F("page__aliases__path"),
        )
        .order_by("pk")
    )
    restrictions = list(rows)
    if any(r.restriction_type == GROUPS for r in restrictions):
        prefetch_related_objects(restrictions, "groups")
    found: dict[int, dict[int, object]] = {pk: {} for pk in chains}
    for restriction in restrictions:
        for pk, chain in chains.items():
            on_page = restriction.own_alias_of is None and restriction.own_path in chain
            if on_page or restriction.alias_path in chain:
                found[pk].setdefault(restriction.pk, restriction)
    return {pk: list(by_id.values()) for pk, by_id in found.items()}


def _ancestor_paths(page) -> set[str]:
    """The tree paths of ``page`` and of each of its ancestors (treebeard's materialised
    path: an ancestor's path is a prefix of the page's)."""
    return {page._get_basepath(page.path, depth) for depth in range(1, page.depth + 1)}
