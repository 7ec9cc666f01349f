"""The member profile of the front desk (issue 18, item 1): one page per member with
everything they hold and the tools in place, and the member search that leads to it.

- ``members/?q=...`` (``member_search``): members found by name, username or email (the
  member chooser's search, at least two characters); exactly one found opens their
  profile. The "Passes today" panel of the admin home carries the search box.
- ``members/<id>/`` (``member``): their passes, upcoming and past bookings, waiting-list
  entries, orders and payments, amounts due, registrations and the audit history (S5) of
  what was done to them. Each block is paged on its own (``?passes=2``, ``?upcoming=2``,
  ...: paging one keeps the others) and shown only to whoever may see its kind
  (``services.permissions``). The whole page is a fixed number of queries whatever the
  member holds (``services.member_overview``).
- ``members/<id>/book/`` (``member_book``): the profile's "Book into a session" form
  (S3, R1: the booking service chooses the pass). A refusal comes back on the profile,
  next to the field, and changes nothing. The same form sent twice books once: the second
  is refused as already booked (P2).

Who may open them: staff who may see bookings, passes or orders. The other tools are links
to the existing staff actions, which come back here (``?next=``).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import re_path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ...exceptions import BookingError
from ...member.bookings import waiting_entries
from ...models import Person
from ...presentation import (
    EMPTY,
    format_short_day,
    format_time,
    format_weekday,
    is_dependant,
    local_day,
    local_today,
    person,
    person_name,
)
from ...services import book
from ...services.attendees import household
from ...services.inputs import MAX_ATTENDEES
from ...services.member_overview import (
    BOOKABLE_DAYS,
    bookable_sessions,
    member_bookings,
    member_history,
    member_orders,
    member_passes,
    member_registrations,
    one_page,
    page_number,
    refunded_passes,
)
from ...services.permissions import (
    can_assign_passes,
    can_book_members,
    can_manage_bookings,
    can_sell_at_desk,
    can_view_bookings,
    can_view_orders,
    can_view_passes,
    can_view_registrations,
)
from ...services.renewals import commitment_progress_for, renewal_chains
from ..booking_display import paid_text
from ..forms_passes import PassActionForm
from ..member_chooser import active_members, member_search_fields
from . import profile_blocks as blocks
from .household_display import ForField, for_choices, for_label, household_url, people_rows, who_for
from .links import profile_url

#: Rows per page of each block of the profile.
PER_PAGE = 10
HISTORY_PER_PAGE = 20
SEARCH_PER_PAGE = 20
#: The search needs at least this many characters.
MIN_QUERY = 2
MAX_QUERY = 100
#: The blocks of the profile, each paged by its own query parameter.
BLOCKS = ("passes", "upcoming", "past", "waiting", "orders", "registrations", "history")
#: The search names at most this many of a household's dependants per member found.
NAMED_PER_MEMBER = 5


def can_open_profiles(user) -> bool:
    """The member search and profiles: staff who may see bookings, passes or orders."""
    return can_view_bookings(user) or can_view_passes(user) or can_view_orders(user)


def search_url() -> str:
    return reverse("wagtail_passes_desk:member_search")


# ---- the form that books them --------------------------------------------------------------


def session_choices(sessions) -> list:
    """The sessions grouped by their day (the site's), each with the places left."""
    groups: dict = {}
    for session in sessions:
        left = max(session.effective_capacity - (session.taken or 0), 0)
        params = {
            "time": format_time(session.start),
            "class": session.programme_class.name,
            "programme": session.programme_class.programme.name,
            "n": left,
        }
        if left:
            label = ngettext(
                "%(time)s %(class)s (%(programme)s): %(n)d place left",
                "%(time)s %(class)s (%(programme)s): %(n)d places left",
                left,
            )
        else:
            label = gettext("%(time)s %(class)s (%(programme)s): full")
        day = format_weekday(local_day(session.start))
        groups.setdefault(day, []).append((session.pk, label % params))
    return [("", gettext("Choose a session")), *groups.items()]


class BookIntoSessionForm(PassActionForm):
    """S3: book the member into one of the coming sessions; the booking service chooses the
    pass that pays (R1) or leaves an amount due (P1)."""

    error_fields = {
        "already_booked": "session",
        "session_full": "session",
        "booking_finished": "session",
        "invalid_attendees": "attendees",
        "unknown_person": "person",
        "person_removed": "person",
    }

    person = ForField()
    session = forms.TypedChoiceField(
        label=_("Session"),
        coerce=int,
        help_text=_("The sessions of the next 14 days where someone of the household is free."),
    )
    attendees = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=MAX_ATTENDEES,
        initial=1,
        help_text=_("The member and the people they bring."),
    )

    def __init__(self, *args, sessions, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {session.pk: session for session in sessions}
        self.fields["session"].choices = session_choices(sessions)
        # F3: who attends; one person alone needs no choice.
        if len(people) > 1:
            self.fields["person"].choices = for_choices(people, local_today())
        else:
            del self.fields["person"]

    def clean_session(self):
        return self.sessions[self.cleaned_data["session"]]


# ---- views ------------------------------------------------------------------------------


class DeskView(WagtailAdminTemplateMixin, TemplateView):
    """A front-desk page: staff who may see bookings, passes or orders."""

    header_icon = "user"
    http_method_names = ["get", "head", "options"]
    breadcrumbs_items = WagtailAdminTemplateMixin.breadcrumbs_items + [
        {"url": reverse_lazy("wagtail_passes_desk:member_search"), "label": _("Members")}
    ]

    def dispatch(self, request, *args, **kwargs):
        if not can_open_profiles(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class MemberSearchView(DeskView):
    page_title = _("Members")
    template_name = "wagtail_passes/admin/desk/search.html"

    def get_breadcrumbs_items(self):
        return WagtailAdminTemplateMixin.breadcrumbs_items + [{"url": "", "label": _("Members")}]

    @cached_property
    def query(self) -> str:
        return " ".join(str(self.request.GET.get("q", "")).split())[:MAX_QUERY]

    @cached_property
    def words(self) -> list[str]:
        return self.query.split()[:5]

    def found(self):
        """F3: each word matches the account's name, username or email, or the name of one
        of its current dependants ("Leo" finds Maya's household)."""
        fields = member_search_fields()
        members = active_members()
        for word in self.words:
            named = Person.objects.current().filter(is_holder=False, name__icontains=word)
            members = members.filter(
                reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields))
                | Q(pk__in=named.values("account"))
            )
        members = members.order_by(*fields[2:], "pk")
        return one_page(members, page_number(self.request.GET.get("page")), SEARCH_PER_PAGE)

    def named_dependants(self, members) -> dict[int, list[str]]:
        """The current dependants of the members found whose name matches a word: one
        query for the page."""
        if not members:
            return {}
        matches = reduce(or_, (Q(name__icontains=word) for word in self.words))
        named: dict[int, list[str]] = {}
        people = Person.objects.current().filter(
            matches, is_holder=False, account__in=[m.pk for m in members]
        )
        for someone in people.order_by("name", "pk"):
            names = named.setdefault(someone.account_id, [])
            if len(names) < NAMED_PER_MEMBER:
                names.append(someone.name)
        return named

    def get(self, request, *args, **kwargs):
        page = None
        if len(self.query) >= MIN_QUERY:
            page = self.found()
            if page.number == 1 and page.total == 1:  # the one member: open their profile
                return redirect(profile_url(page.rows[0].pk))
        email_field = get_user_model().get_email_field_name()
        named = self.named_dependants(page.rows if page else [])
        context = self.get_context_data(
            query=self.query,
            too_short=bool(self.query) and len(self.query) < MIN_QUERY,
            min_query=MIN_QUERY,
            results=[
                {
                    "name": person(member),
                    "email": getattr(member, email_field, "") or EMPTY,
                    "url": profile_url(member.pk),
                    "dependants": named.get(member.pk, []),
                }
                for member in (page.rows if page else [])
            ],
            page=page,
            pages=page_links(request, page, "page", "passes-member-results") if page else None,
        )
        return self.render_to_response(context)


def page_links(request, page, param: str, anchor: str) -> dict | None:
    """The links of a block's pages (None when it has one page), keeping the other
    blocks' pages."""
    if not page.is_paged:
        return None

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"{request.path}?{query.urlencode()}#{anchor}"

    return {
        "label": gettext("Page %(number)d of %(count)d")
        % {"number": page.number, "count": page.num_pages}
        if not page.past_the_end
        else gettext("Page %(number)d is past the end.") % {"number": page.number},
        "previous_url": url(page.previous_page_number) if page.has_previous else "",
        "next_url": url(page.next_page_number) if page.has_next else "",
        "first_url": url(1) if page.past_the_end else "",
    }


class MemberProfileView(DeskView):
    template_name = "wagtail_passes/admin/desk/profile.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.member_id = int(kwargs["member_id"])

    @cached_property
    def member(self):
        return get_object_or_404(get_user_model()._default_manager, pk=self.member_id)

    def get_page_title(self):
        return person(self.member)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": person(self.member)}]

    @cached_property
    def people(self) -> list:
        """F3: the household, holder first (one query)."""
        return household(self.member)

    #: Some row shown is a dependant's (one removed since, too).
    shows_dependant = False

    def with_for(self, rows: list[dict], objects) -> list[dict]:
        """F3: each row says whom it is for (its person, loaded with it)."""
        for row, obj in zip(rows, objects, strict=True):
            row["for"] = for_label(obj, self.member)
            self.shows_dependant = self.shows_dependant or is_dependant(obj.person)
        return rows

    def household_block(self) -> dict:
        manage = can_manage_bookings(self.request.user) and self.member.is_active
        back = self.back
        return {
            "rows": people_rows(self.people, local_today(), can_manage=manage, back=back),
            "add_url": blocks.with_next(household_url("add", self.member.pk), back)
            if manage
            else "",
        }

    @property
    def back(self) -> str:
        """Where the tools return to: this page, as paged now."""
        return self.request.get_full_path()

    def page_of(self, name: str) -> int:
        return page_number(self.request.GET.get(name))

    def block(self, name: str, page, rows) -> dict:
        return {
            "rows": rows,
            # The "Actions" column only where some row offers this user a tool.
            "has_tools": any(isinstance(row, dict) and row.get("tools") for row in rows),
            "total": page.total,
            "pages": page_links(self.request, page, name, f"{name}-section"),
        }

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def passes_block(self) -> dict:
        page = one_page(member_passes(self.member), self.page_of("passes"), PER_PAGE)
        progress = commitment_progress_for(  # N2, from one query of the member's renewals
            page.rows, chains=renewal_chains([self.member.pk]), refunded=refunded_passes(page.rows)
        )
        rows = blocks.pass_rows(page.rows, progress, self.request.user, self.back)
        return self.block("passes", page, self.with_for(rows, page.rows))

    def get_context_data(self, **kwargs):
        user, member, back = self.request.user, self.member, self.back
        now = timezone.now()
        context = {
            "member_facts": self.member_facts(),
            "member_active": member.is_active,
            "household": self.household_block(),
        }
        if can_view_passes(user):
            context["passes"] = self.passes_block()
        dues, pending = [], []
        if can_view_bookings(user):
            found = member_bookings(
                member,
                now,
                upcoming_page=self.page_of("upcoming"),
                past_page=self.page_of("past"),
                per_page=PER_PAGE,
            )
            dues = found.dues
            rows = blocks.booking_rows(found.upcoming.rows, user, back, upcoming=True)
            context["upcoming"] = self.block(
                "upcoming", found.upcoming, self.with_for(rows, found.upcoming.rows)
            )
            rows = blocks.booking_rows(found.past.rows, user, back, upcoming=False)
            context["past"] = self.block("past", found.past, self.with_for(rows, found.past.rows))
            entries = waiting_entries(member, now).select_related("person")
            page = one_page(entries, self.page_of("waiting"), PER_PAGE)
            rows = blocks.waiting_rows(page.rows, user, back)
            context["waiting"] = self.block("waiting", page, self.with_for(rows, page.rows))
        if can_view_orders(user):
            found = member_orders(member, page=self.page_of("orders"), per_page=PER_PAGE)
            pending = found.pending
            context["orders"] = self.block(
                "orders", found.page, blocks.order_rows(found.page.rows, user, back)
            )
        if can_view_bookings(user) or can_view_orders(user):
            rows, totals = blocks.owed_rows(dues, pending, user, back)
            context["owed"] = {"rows": rows, "totals": totals}
        if can_view_registrations(user):
            page = one_page(member_registrations(member), self.page_of("registrations"), PER_PAGE)
            rows = self.with_for(blocks.registration_rows(page.rows), page.rows)
            context["registrations"] = self.block("registrations", page, rows)
        history = member_history(
            member,
            passes=can_view_passes(user),
            bookings=can_view_bookings(user),
            orders=can_view_orders(user),
            registrations=can_view_registrations(user),
        )
        page = one_page(history, self.page_of("history"), HISTORY_PER_PAGE)
        context["history"] = self.block("history", page, blocks.history_rows(page.rows))
        # The "For" columns: once the household, or a row shown, is more than the holder.
        context["show_for"] = len(self.people) > 1 or self.shows_dependant
        context.update(self.tools(now, kwargs.pop("book_form", None)))
        return super().get_context_data(**context, **kwargs)

    def tools(self, now, book_form=None) -> dict:
        """The tools for the member that the viewer may use (none for an inactive account:
        the services would refuse)."""
        user, member = self.request.user, self.member
        if not member.is_active:
            return {}
        tools = {}
        if can_book_members(user):
            tools["book_form"] = book_form or BookIntoSessionForm(
                sessions=bookable_sessions(member, now, people=len(self.people)),
                people=self.people,
            )
            tools["book_url"] = reverse("wagtail_passes_desk:member_book", args=[member.pk])
            tools["bookable_days"] = BOOKABLE_DAYS
        if can_assign_passes(user):
            tools["assign_url"] = blocks.assign_url(member.pk, self.back)
        if can_sell_at_desk(user):
            tools["sell_url"] = blocks.sell_url(member.pk, self.back)
        return tools

    def member_facts(self) -> list[dict]:
        member = self.member
        user_model = get_user_model()
        rows = [(_("Username"), member.get_username())]
        email = getattr(member, user_model.get_email_field_name(), "")
        rows.append((_("Email"), email or EMPTY))
        joined = getattr(member, "date_joined", None)
        if joined is not None:
            rows.append((_("Member since"), format_short_day(local_day(joined))))
        if not member.is_active:
            rows.append((_("Account"), gettext("Inactive: it cannot book or buy.")))
        return [{"label": label, "value": value} for label, value in rows]


class BookMemberView(MemberProfileView):
    """POST: book the member (S3). GET leads to the form on the profile."""

    http_method_names = ["get", "head", "post", "options"]

    def get(self, request, *args, **kwargs):
        return redirect(profile_url(self.member.pk) + "#book-section")

    @property
    def back(self) -> str:
        return profile_url(self.member.pk)

    def post(self, request, *args, **kwargs):
        member = self.member
        if not can_book_members(request.user) or not member.is_active:
            raise PermissionDenied
        form = BookIntoSessionForm(
            request.POST,
            sessions=bookable_sessions(member, timezone.now(), people=len(self.people)),
            people=self.people,
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                who = who_for(member, data.get("person"))
                booking = book(who, data["session"], data["attendees"], by=request.user)
            except BookingError as error:
                form.add_pass_error(error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(member)s booked for %(n)d place; paid with: %(paid)s.",
                        "%(member)s booked for %(n)d places; paid with: %(paid)s.",
                        booking.attendees,
                    )
                    % {
                        "member": person_name(booking.person, member),
                        "n": booking.attendees,
                        "paid": paid_text(booking),
                    },
                )
                return redirect(profile_url(member.pk) + "#upcoming-section")
        messages.error(request, gettext("The member was not booked; see the form below."))
        return self.render_to_response(self.get_context_data(book_form=form))


ID = "(?P<member_id>[0-9]{1,18})"

urlpatterns = [
    re_path(r"^members/$", MemberSearchView.as_view(), name="member_search"),
    re_path(rf"^members/{ID}/$", MemberProfileView.as_view(), name="member"),
    re_path(rf"^members/{ID}/book/$", BookMemberView.as_view(), name="member_book"),
]
