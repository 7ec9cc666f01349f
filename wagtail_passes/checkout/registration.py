"""Registering for a programme (P9, P10): the programme's mandatory products the member does
not hold yet, locked in; its optional products offered as add-ons; then the same payment
as any order. Without JavaScript, ticking an add-on and pressing "Update total" shows the
new total; pressing "Register" with a total the member has not seen shows it to confirm.
What is due, what it costs and every rule come from ``services.registrations``."""

from __future__ import annotations

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..busy import answer_busy, is_busy
from ..exceptions import CheckoutError
from ..payments import available_providers
from ..presentation import local_day
from ..products.visibility import passed_view_restrictions
from ..services.base_url import links_from_request
from ..services.orders import terms_text
from ..services.registrations import (
    RegistrationOffer,
    find_programme,
    register,
    registration_offer,
)
from . import once
from .forms import RegistrationForm
from .paying import start_payment
from .views import DISCOUNT_REFUSALS, login_first, order_url, see_other

#: Refusals the member fixes on the page itself (the form is shown again with the reason).
FIXABLE = DISCOUNT_REFUSALS + ("terms_not_accepted", "not_an_add_on")


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def register_view(request, slug: str):
    try:
        programme = find_programme(slug)
    except CheckoutError:
        raise Http404(_("There is no such programme.")) from None
    if not request.user.is_authenticated:
        return login_first(request)
    source = request.POST if request.method == "POST" else request.GET
    add_ons = source.getlist("add_on")
    code = str(source.get("discount_code", ""))[:100]
    try:
        offer = _offer(request, programme, add_ons, code)
    except CheckoutError as error:
        if error.code != "not_an_add_on":
            return _refused(request, programme, error)
        offer, add_ons = _offer(request, programme, (), ""), ()
        return _page(request, offer, errors=[error.message])
    if request.method == "POST" and request.POST.get("action") == "register":
        return _register(request, offer, add_ons, code)
    note = ""
    if request.method == "POST":  # "Update total"
        note = _("The total with your choices is %(total)s.") % {"total": _total(offer)}
    return _page(request, offer, discount_code=code, price_note=note)


def _offer(request, programme, add_ons, code) -> RegistrationOffer:
    """The request's member's offer with the typed discount code; without it when the code
    does not apply (the page says why, and the member can fix or drop it). The page
    passwords Wagtail recorded in their session count (A2)."""
    passed = passed_view_restrictions(request)
    try:
        return registration_offer(
            request.user,
            programme,
            add_ons=add_ons,
            discount_code=code,
            passed_view_restrictions=passed,
        )
    except CheckoutError as error:
        if not code or error.code not in DISCOUNT_REFUSALS:
            raise
        return registration_offer(
            request.user, programme, add_ons=add_ons, passed_view_restrictions=passed
        )


def _total(offer: RegistrationOffer):
    return offer.basket.total if offer.basket else None


def _terms_of(offer: RegistrationOffer) -> list:
    """Every product whose terms the member may have to accept: the lines due and the add-ons."""
    products = list(offer.status.due) + list(offer.add_ons)
    return [product for product in products if product.terms]


def _form(offer: RegistrationOffer, data=None, initial=None, providers=None) -> RegistrationForm:
    providers = available_providers() if providers is None else providers
    return RegistrationForm(
        data,
        initial=initial,
        add_ons=offer.add_ons,
        terms_of=_terms_of(offer),
        methods=[(provider.name, provider.label) for provider in providers],
    )


def _page(request, offer: RegistrationOffer, *, errors=(), discount_code="", price_note=""):
    providers = available_providers()
    total = _total(offer)
    form = _form(
        offer,
        providers=providers,
        initial={
            "token": once.issue(request),
            "seen_total": total.amount if total else 0,
            "discount_code": discount_code,
            "add_on": sorted(offer.chosen),
        },
    )
    code_note = ""
    if discount_code and not (offer.basket and offer.basket.code):
        code_note = _discount_refusal(request, offer, discount_code)
    context = {
        "programme": offer.programme,
        "offer": offer,
        "status": offer.status,
        "basket": offer.basket,
        "form": form,
        "errors": [*errors, *([code_note] if code_note else [])],
        "price_note": price_note,
        "payment_method": providers[0].label,
        "terms_rows": [
            {
                "product": product,
                "text": terms_text(product),
                "needed": product.pk in offer.chosen or product in offer.status.due,
            }
            for product in _terms_of(offer)
        ],
        "add_on_rows": [
            {
                "product": product,
                "price": product.price_today(local_day(timezone.now())),
                "chosen": product.pk in offer.chosen,
            }
            for product in offer.add_ons
        ],
        "just_registered": request.GET.get("registered") == "1" and offer.status.is_registered,
        # Registered, nothing due and no add-on left to offer: complete, or its order is
        # awaiting payment (the page links to it).
        "nothing_to_do": offer.status.is_registered and not offer.status.due and not offer.add_ons,
    }
    return TemplateResponse(request, "wagtail_passes/checkout/registration.html", context)


def _discount_refusal(request, offer: RegistrationOffer, code: str) -> str:
    try:
        registration_offer(
            request.user,
            offer.programme,
            add_ons=sorted(offer.chosen),
            discount_code=code,
            passed_view_restrictions=passed_view_restrictions(request),
        )
    except CheckoutError as error:
        return error.message
    return ""


def _refused(request, programme, error: CheckoutError):
    context = {"programme": programme, "message": error.message, "code": error.code}
    return TemplateResponse(request, "wagtail_passes/checkout/registration_refused.html", context)


def _register(request, offer: RegistrationOffer, add_ons, code: str):
    providers = {provider.name: provider for provider in available_providers()}
    form = _form(offer, data=request.POST, providers=list(providers.values()))
    if not form.is_valid():
        return _page(request, offer, errors=form.messages(), discount_code=code)
    data = form.cleaned_data
    token = data["token"]
    provider = providers[data.get("method") or next(iter(providers))]
    nonce = once.nonce_of(request, token)
    if nonce is None:
        message = _("This page has expired. Check the total and confirm again.")
        return _page(request, offer, errors=[message], discount_code=code)
    try:
        registered = register(
            request.user,
            offer.programme,
            add_ons=data["add_on"],
            accepted_terms=set(data["accept_terms"]),
            discount_code=data.get("discount_code", ""),
            passed_view_restrictions=passed_view_restrictions(request),
            seen_total=data["seen_total"],
            provider=provider.name,
            token=nonce,
        )
    except CheckoutError as error:
        return _refused_on_post(request, offer, error, code)
    if registered.order is None:  # nothing to pay: registered at once; the form sent again is
        # refused by the service (already registered)
        return see_other(request.path + "?registered=1")
    order = registered.order
    if order.is_pending and order.provider == provider.name:  # not free: pay now (C2)
        return start_payment(request, order, provider) or see_other(order_url(order))
    return see_other(order_url(order))


def _refused_on_post(request, offer: RegistrationOffer, error: CheckoutError, code: str):
    if error.code == "already_placed":  # the same form, sent twice at once
        return see_other(order_url(error.details["reference"]))
    if error.code == "awaiting_payment":
        return see_other(order_url(error.details["reference"]))
    try:  # what registering costs now, to confirm again
        offer = _offer(request, offer.programme, sorted(offer.chosen), code)
    except CheckoutError as again:
        return _refused(request, offer.programme, again)
    if error.code == "price_changed":
        total = _total(offer)
        note = (
            _("The total changed since you opened this page: it is now %(total)s.")
            % {"total": total}
            if total
            else error.message
        )
        return _page(request, offer, discount_code=code, price_note=note)
    if error.code in FIXABLE or is_busy(error):
        page = _page(request, offer, errors=[error.message], discount_code=code)
        return answer_busy(page, error)
    return _refused(request, offer.programme, error)
