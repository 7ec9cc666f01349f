"""Sell at the desk (C2, C6): a product sold to a member standing at the desk, at the price
staff confirm, paid now (cash, card terminal, bank transfer, other) or owed.

``/admin/passes-desk/sell/`` (URL name ``wagtail_passes_desk:sell``) takes, to fill the form
in: ``member`` (a user id), ``product`` (a product page id: its price now is filled in),
``session`` (the walk-in it is for: once sold, the member can be booked on it with the new
pass) and ``next`` (where to go once sold; a path of this site). Garbage in any of them
fills nothing in and says so. The form carries a one-time token (``admin/once.py``): sent
twice, it sells once. The view is thin: ``services.sell_at_desk`` decides and refuses; a
refusal comes back next to its field and nothing is written.

Who: ``sell_at_desk`` (the front desk) or ``change_order``.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ...exceptions import BookingError, CheckoutError
from ...models import MemberPass, PaymentMethod, Session
from ...models.orders import MAX_LINE_QUANTITY
from ...presentation import format_session_time, local_today, person_name
from ...services import book
from ...services.attendees import household
from ...services.desk_sales import (
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    DeskLine,
    desk_products,
    list_price,
    sell_at_desk,
)
from ...services.permissions import can_book_members, can_sell_at_desk, can_view_orders
from ..forms_bookings import DESK_METHODS
from ..forms_passes import PassActionForm
from ..member_chooser import MemberChoiceField, active_members
from ..once import OneTimeFormMixin
from ..return_to import safe_next_url
from .household_display import ForField, for_choices, who_for

#: The "payment" choice of a sale the member pays later.
OWED = "owed"
#: Ids longer than this are not ids (they would overflow the database's integer).
MAX_ID_DIGITS = 18


def _id(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= MAX_ID_DIGITS else None


class PricedSelect(forms.Select):
    """Each product's option carries its price now (``data-price``), for the little script
    that fills the price in when another product is chosen."""

    def __init__(self, *args, prices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.prices = prices or {}

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        price = self.prices.get(str(value))
        if price is not None:
            option["attrs"]["data-price"] = price
        return option


class ProductField(forms.ChoiceField):
    """The products on sale, with their price; any other id is left for the service to
    refuse in words (sold out since the form was shown, no longer on sale...)."""

    def valid_value(self, value):
        return _id(value) is not None


class DeskSaleForm(PassActionForm):
    """C2, C6: who buys, what, how many, at what price (and why another), and how it is
    paid. Checks the input's shape only; ``services.sell_at_desk`` decides."""

    error_fields = {
        "invalid_price": "unit_price",
        "currency_mismatch": "unit_price",
        "reason_required": "reason",
        "reason_too_long": "reason",
        "invalid_quantity": "quantity",
        "no_such_product": "product",
        "archived": "product",
        "no_longer_on_sale": "product",
        "not_yet_on_sale": "product",
        "sold_out": "product",
        "duplicate_product": "product",
        "mixed_currencies": "product",
        "membership_required": "member",
        "not_new_joiner": "member",
        "not_active_member": "member",
        "not_logged_in": "member",
        "inactive_member": "member",
        "invalid_method": "payment",
        "note_too_long": "note",
        "terms_not_accepted": "accepted_terms",
        "unknown_person": "person",
        "person_removed": "person",
    }

    member = MemberChoiceField(help_text=_("Search by name, username or email."))
    #: F3: whom the passes are for; the member (the account holder) pays.
    person = ForField(
        help_text=_(
            "Whom the passes are for: the member or one of their dependants. The member pays."
        )
    )
    product = ProductField(
        label=_("Product"),
        help_text=_("The passes and credit packs on sale now, with their price."),
        error_messages={"required": _("Choose what the member buys.")},
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=MAX_LINE_QUANTITY,
        initial=1,
        help_text=_("One member pass is issued per unit."),
    )
    unit_price = forms.CharField(
        label=_("Price each"),
        required=False,
        max_length=32,
        help_text=_(
            "The list price is filled in; leave it empty to charge the list price. "
            "Change it only with a reason."
        ),
    )
    reason = forms.CharField(
        label=_("Why the price differs"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_(
            "Needed when you charge another price than the list price. Kept with the "
            "order and in its history."
        ),
    )
    payment = forms.ChoiceField(
        label=_("Payment"),
        choices=[*DESK_METHODS, (OWED, _("Not paid yet: the member owes it"))],
        widget=forms.RadioSelect,
        initial=PaymentMethod.CASH,
        help_text=_(
            "Not paid yet: the member gets the passes now and the amount shows in "
            "Outstanding payments until it is marked paid."
        ),
        error_messages={"required": _("Choose how the member pays.")},
    )
    note = forms.CharField(
        label=_("Note or receipt number"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Kept with the payment and in the order's history."),
    )
    accepted_terms = forms.BooleanField(
        label=_("The member accepted the product's terms"),
        required=False,
        help_text=_("Needed for a product with terms; the terms are recorded with the order."),
    )
    book_session = forms.BooleanField(label=_("Book them on the session"), required=False)
    session = forms.CharField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, products=(), session=None, can_book=False, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(people) > 1:
            self.fields["person"].choices = for_choices(people, local_today())
        else:  # a household of one, or no member known yet
            del self.fields["person"]
        now = timezone.now()
        priced = [(product, list_price(product, now)) for product in products]
        self.fields["product"].widget = PricedSelect(
            prices={str(product.pk): str(price.amount) for product, price in priced}
        )
        self.fields["product"].choices = [
            ("", gettext("Choose a product")),
            *((str(product.pk), f"{product.title} – {price}") for product, price in priced),
        ]
        if not any(product.terms for product in products):
            del self.fields["accepted_terms"]
        if session is None or not can_book:
            del self.fields["book_session"]
        else:
            self.fields["book_session"].label = gettext(
                "Book them on %(session)s with the new pass"
            ) % {"session": format_session_time(session)}
            self.fields["book_session"].initial = True

    def add_pass_error(self, error) -> None:
        field = self.error_fields.get(error.code)
        self.add_error(field if field in self.fields else None, error.message)


class DeskSaleView(OneTimeFormMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "wagtail_passes/admin/desk/sale.html"
    form_class = DeskSaleForm
    page_title = _("Sell at the desk")
    header_icon = "tag"
    breadcrumbs_items = []  # the page's own heading, as the app's other forms
    done_already = _("This sale was made already; nothing changed.")

    def dispatch(self, request, *args, **kwargs):
        if not can_sell_at_desk(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    # ---- what the link filled in ----------------------------------------------------

    @cached_property
    def products(self):
        return desk_products()

    def asked(self, name: str) -> str:
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        return str(data.get(name, "")).strip()

    @cached_property
    def session(self) -> Session | None:
        pk = _id(self.asked("session"))
        if pk is None:
            return None
        return (
            Session.objects.select_related("programme_class__programme")
            .filter(pk=pk, is_cancelled=False)
            .first()
        )

    @cached_property
    def problems(self) -> list[str]:
        """What in the link could not be filled in (shown above the form, on GET)."""
        if self.request.method != "GET":
            return []
        problems = []
        if self.asked("member") and self.member_asked is None:
            problems.append(gettext("The member in the link was not found; choose one."))
        if self.asked("product") and self.product_asked is None:
            problems.append(
                gettext("The product in the link is not on sale now; choose one that is.")
            )
        if self.asked("session") and self.session is None:
            problems.append(gettext("The session in the link was not found or is cancelled."))
        return problems

    @cached_property
    def member_asked(self):
        pk = _id(self.asked("member"))
        return active_members().filter(pk=pk).first() if pk is not None else None

    @cached_property
    def people(self) -> list:
        """F3: the household of the member the link or the form names (holder first)."""
        return household(self.member_asked) if self.member_asked is not None else []

    @cached_property
    def product_asked(self):
        pk = _id(self.asked("product"))
        return next((product for product in self.products if product.pk == pk), None)

    def get_initial(self):
        initial = {"next": safe_next_url(self.request)}
        if self.session is not None:
            initial["session"] = str(self.session.pk)
        if self.member_asked is not None:
            initial["member"] = self.member_asked.pk
            if any(str(p.pk) == self.asked("person") for p in self.people if not p.is_holder):
                initial["person"] = self.asked("person")
        if self.product_asked is not None:
            initial["product"] = str(self.product_asked.pk)
            initial["unit_price"] = str(list_price(self.product_asked).amount)
        return initial

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "products": self.products,
            "session": self.session,
            "can_book": can_book_members(self.request.user),
            "people": self.people,
        }

    # ---- selling ----------------------------------------------------------------------

    @cached_property
    def return_url(self) -> str:
        return safe_next_url(self.request) or reverse("wagtail_passes_desk:sell")

    def form_valid(self, form):
        data = form.cleaned_data
        payment = data["payment"]
        line = DeskLine(
            data["product"], data["quantity"], data["unit_price"] or None, data["reason"]
        )
        try:
            # F3: a dependant's passes are sold to them; the account holder pays.
            who = self.who = who_for(data["member"], data.get("person"))
            order = sell_at_desk(
                who,
                [line],
                self.request.user,
                paid=payment != OWED,
                method="" if payment == OWED else payment,
                note=data["note"],
                accepted_terms=bool(data.get("accepted_terms")),
                token=self.sent_token,
            )
        except (CheckoutError, BookingError) as error:
            if error.code == "already_placed":  # the same form, already sold
                messages.warning(self.request, self.done_already)
                return redirect(self.return_url)
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(self.request, self.sold_message(order, payment))
        if data.get("book_session") and self.session is not None:
            self.book_walk_in(order)
        return redirect(self.success_url(order))

    def sold_message(self, order, payment) -> str:
        line = order.lines.get()
        what = line.title if line.quantity == 1 else f"{line.quantity} × {line.title}"
        facts = {
            "what": what,
            "member": person_name(self.who, order.member),
            "total": order.total_money,
        }
        if order.provider == "free":
            return gettext("Sold %(what)s to %(member)s for %(total)s.") % facts
        if payment == OWED:
            return gettext("Sold %(what)s to %(member)s, not paid: %(total)s is owed.") % facts
        return gettext("Sold %(what)s to %(member)s for %(total)s, paid: %(method)s.") % {
            **facts,
            "method": PaymentMethod(payment).label,
        }

    def book_walk_in(self, order) -> None:
        """The walk-in the sale was for: booked with the order's first pass, by staff (the
        booking rules decide; a refusal is said and changes nothing of the sale)."""
        member_pass = MemberPass.objects.filter(order_line__order=order).order_by("pk").first()
        words = {"session": format_session_time(self.session)}
        try:
            book(self.who, self.session, member_pass=member_pass, by=self.request.user)
        except BookingError as error:
            messages.warning(
                self.request,
                gettext("Not booked on %(session)s: %(reason)s") % {**words, "reason": error},
            )
            return
        messages.success(self.request, gettext("Booked on %(session)s.") % words)

    def success_url(self, order) -> str:
        if next_url := safe_next_url(self.request):
            return next_url
        if can_view_orders(self.request.user):
            return reverse("wagtail_passes_order_modeladmin_inspect", args=[order.pk])
        return reverse("wagtail_passes_desk:sell")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["problems"] = self.problems
        context["session"] = self.session
        context["session_text"] = format_session_time(self.session) if self.session else ""
        context["cancel_url"] = safe_next_url(self.request) or reverse("wagtailadmin_home")
        context["media"] = context["form"].media
        return context


__all__ = ["DeskSaleForm", "DeskSaleView", "urlpatterns"]

urlpatterns = [path("sell/", DeskSaleView.as_view(), name="sell")]
