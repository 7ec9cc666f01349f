"""Paying what is owed (C6): the member's "Amounts due" page, and the checkout of the ones
they tick, paid like any order (bank transfer, or card when Stripe is configured). Which
bookings may be paid, and for how much, is decided by ``services.dues``; another member's
booking is refused like an unknown one and nothing is written."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ..busy import answer_busy, is_busy
from ..exceptions import CheckoutError
from ..models import Order
from ..payments import available_providers
from ..rules.money import Money
from ..services.base_url import links_from_request
from ..services.dues import (
    DuesQuote,
    booking_currency,
    payable_charges,
    payable_dues,
    pending_charge_orders,
    pending_orders,
    place_dues_order,
    quote_dues,
)
from ..services.registrations import registrations_with_dues
from . import once
from .forms import DuesCheckoutForm
from .paying import start_payment
from .views import login_first, order_url, see_other


@require_safe
def dues_list(request):
    """The member's bookings that owe an amount, each ticked, and "Pay"."""
    if not request.user.is_authenticated:
        return login_first(request)
    bookings = list(payable_dues(request.user))
    in_order = pending_orders(bookings)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for booking in bookings:
        if booking.pk not in in_order:
            totals[booking_currency(booking)] += booking.amount_due
    rows = [
        {
            "booking": booking,
            "currency": booking_currency(booking),
            "order_reference": in_order.get(booking.pk, ""),
        }
        for booking in bookings
    ]
    # L1-L3: late cancellation and no-show fees still due, with their reasons.
    charges = list(payable_charges(request.user))
    charges_in_order = pending_charge_orders(charges) if charges else {}
    for charge in charges:
        if charge.pk not in charges_in_order:
            totals[charge.currency] += charge.amount
        rows.append(
            {
                "booking": charge.booking,
                "charge": charge,
                "currency": charge.currency,
                "order_reference": charges_in_order.get(charge.pk, ""),
            }
        )
    context = {
        "rows": rows,
        "totals": [Money(amount, currency) for currency, amount in sorted(totals.items())],
        "registrations": registrations_with_dues(request.user),
    }
    return TemplateResponse(request, "wagtail_passes/orders/dues.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def dues_checkout(request):
    """GET (the ticked ``booking`` ids) shows the lines and the total to confirm; POST
    places the order and starts its payment."""
    if not request.user.is_authenticated:
        return login_first(request)
    source = request.POST if request.method == "POST" else request.GET
    chosen = source.getlist("booking")
    chosen_charges = source.getlist("charge")
    if request.method == "POST" and (placed := _placed_with(request)):
        # This form placed its order already (sent twice, or by another request at the
        # same instant): its bookings are in that order now, so lead there.
        return see_other(order_url(placed))
    try:
        offer = quote_dues(request.user, chosen, chosen_charges)
    except CheckoutError as error:
        return _refused(request, error)
    if request.method == "POST":
        return _place(request, offer)
    return _page(request, offer)


def _placed_with(request) -> str:
    nonce = once.nonce_of(request, request.POST.get("token", ""))
    if not nonce:
        return ""
    orders = Order.objects.filter(member=request.user, checkout_token=nonce)
    return orders.values_list("reference", flat=True).first() or ""


def _form(data=None, initial=None, providers=None) -> DuesCheckoutForm:
    providers = available_providers() if providers is None else providers
    methods = [(provider.name, provider.label) for provider in providers]
    return DuesCheckoutForm(data, initial=initial, methods=methods)


def _page(request, offer: DuesQuote, *, errors=(), price_note=""):
    providers = available_providers()
    form = _form(
        providers=providers,
        initial={"token": once.issue(request), "seen_total": offer.total.amount},
    )
    context = {
        "offer": offer,
        "form": form,
        "errors": list(errors),
        "price_note": price_note,
        "payment_method": providers[0].label,
    }
    return TemplateResponse(request, "wagtail_passes/checkout/dues_checkout.html", context)


def _refused(request, error: CheckoutError):
    context = {"product": None, "product_url": "", "message": error.message, "code": error.code}
    status = 404 if error.code in ("no_such_booking", "no_such_charge") else 200
    return TemplateResponse(request, "wagtail_passes/checkout/refused.html", context, status=status)


def _place(request, offer: DuesQuote):
    providers = {provider.name: provider for provider in available_providers()}
    form = _form(data=request.POST, providers=list(providers.values()))
    if not form.is_valid():
        return _page(request, offer, errors=form.messages())
    data = form.cleaned_data
    token = data["token"]
    provider = providers[data.get("method") or next(iter(providers))]
    nonce = once.nonce_of(request, token)
    if nonce is None:
        message = _("This checkout page has expired. Check the total and confirm again.")
        return _page(request, offer, errors=[message])
    try:
        order = place_dues_order(
            request.user,
            [booking.pk for booking in offer.bookings],
            charges=[charge.pk for charge in offer.charges],
            seen_total=data["seen_total"],
            provider=provider.name,
            token=nonce,
        )
    except CheckoutError as error:
        if error.code == "already_placed":  # the same form, sent twice at once
            return see_other(order_url(error.details["reference"]))
        if is_busy(error):  # nothing placed: the same page, to confirm again in a moment
            return answer_busy(_page(request, offer, errors=[error.message]), error)
        if error.code != "price_changed":
            return _refused(request, error)
        try:  # the amounts as they are now, to confirm again
            offer = quote_dues(request.user, offer.bookings, offer.charges)
        except CheckoutError as again:
            return _refused(request, again)
        note = _("The total changed since you opened this page: it is now %(total)s.") % {
            "total": offer.total
        }
        return _page(request, offer, price_note=note)
    if order.is_pending:  # pay now (C2): by card, the provider's page; else how to pay
        return start_payment(request, order, provider) or see_other(order_url(order))
    return see_other(order_url(order))
