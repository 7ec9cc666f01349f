"""The checkout (C1): one product, bought by the logged-in member, paid by bank transfer
or at the venue, or by card when Stripe is configured (C2). Prices, stock and every rule
come from ``services.orders``; the page only shows what the service quotes and hands the
member's confirmation back to it."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from ..busy import answer_busy
from ..exceptions import CheckoutError
from ..models import RenewWhen
from ..payments import available_providers
from ..presentation import local_day
from ..products.registry import product_pages
from ..products.visibility import passed_view_restrictions
from ..services.base_url import links_from_request
from ..services.booking_after_payment import session_to_book
from ..services.orders import Quote, place_order, quote, terms_text
from . import once
from .forms import CheckoutForm
from .paying import start_payment

#: Refusals that still show the form: the member can fix them on this page.
CODE_REFUSALS = ("access_code_required", "wrong_access_code")
#: A discount code the member can correct or leave out (A4).
DISCOUNT_REFUSALS = ("unknown_code", "code_not_active", "code_used_up", "code_not_for_product")


def login_first(request):
    """Anonymous visitors log in (the host's ``LOGIN_URL``) and come back here."""
    return redirect_to_login(request.get_full_path())


def see_other(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def order_url(order_or_reference) -> str:
    reference = getattr(order_or_reference, "reference", order_or_reference)
    return reverse("wagtail_passes:order", kwargs={"reference": reference})


def offer_for_page(
    request, product_id, *, quantity=1, access_code="", discount_code="", now=None
) -> Quote:
    """``quote`` for the request's member (with the page passwords Wagtail recorded in
    their session, A2), except that a missing or wrong access code, or a discount code that
    does not apply, still gives the price without a discount (the page asks for the code);
    any other refusal is raised."""
    now = now or timezone.now()
    try:
        return quote(
            request.user,
            product_id,
            quantity=quantity,
            access_code=access_code,
            discount_code=discount_code,
            passed_view_restrictions=passed_view_restrictions(request),
            now=now,
        )
    except CheckoutError as error:
        if error.code not in CODE_REFUSALS + DISCOUNT_REFUSALS:
            raise
    # quote checked everything before the code: the product is live and on sale.
    product = product_pages().live().get(pk=product_id).specific
    unit = product.price_today(local_day(now))
    return Quote(product, quantity, unit, unit * quantity, terms_text(product))


@require_http_methods(["GET", "HEAD", "POST"])
@links_from_request
def checkout(request, product_id: int):
    if not request.user.is_authenticated:
        return login_first(request)
    try:
        offer = offer_for_page(request, product_id)
    except CheckoutError as error:
        return refused(request, error)
    if request.method == "POST":
        return _place(request, offer)
    session, errors = _session_to_book(request.GET.get("session"))
    return _page(request, offer, book_session=session, errors=errors)


def _session_to_book(value):
    """The session to book once paid (``?session=``), or None and why not."""
    try:
        return session_to_book(value), []
    except CheckoutError as error:
        return None, [error.message]


def renewal_help(product) -> str:
    """N1, N2: how renewing works for ``product``, beside the checkbox ("" when it does not
    renew)."""
    if not product.allow_auto_renew:
        return ""
    if product.renew_when == RenewWhen.USED_UP:
        text = _(
            "When this pass is used up, the next one is ordered for you, the day after its "
            "last session, at the price then."
        )
    else:
        text = _(
            "Two days before this pass expires, the next one is ordered for you at the price "
            "then; it starts the day after this one ends."
        )
    text += " " + _("A saved card is charged; otherwise we email you a link to pay.")
    if product.commitment_payments:
        text += " " + ngettext(
            "You commit to %(n)d payment before you can stop renewing.",
            "You commit to %(n)d payments before you can stop renewing.",
            product.commitment_payments,
        ) % {"n": product.commitment_payments}
    return text


def _form_for(offer: Quote, data=None, initial=None, providers=None) -> CheckoutForm:
    providers = available_providers() if providers is None else providers
    return CheckoutForm(
        data,
        initial=initial,
        needs_code=bool(offer.product.access_code),
        terms=offer.terms,
        methods=[(provider.name, provider.label) for provider in providers],
        renew=renewal_help(offer.product),
    )


def _page(
    request,
    offer: Quote,
    *,
    errors=(),
    access_code="",
    price_note="",
    status=200,
    book_session=None,
):
    """The checkout form, unbound: a fresh token and today's total for ``offer``."""
    providers = available_providers()
    form = _form_for(
        offer,
        providers=providers,
        initial={
            "token": once.issue(request),
            "quantity": offer.quantity,
            "seen_total": offer.total.amount,
            "access_code": access_code,
            "discount_code": offer.discount.code.code if offer.discount else "",
            "book_session": book_session.pk if book_session else "",
        },
    )
    context = {
        "product": offer.product,
        "product_url": offer.product.get_url(request),
        "offer": offer,
        "form": form,
        "errors": list(errors),
        "price_note": price_note,
        "payment_method": providers[0].label,
        "book_session": book_session,
    }
    return TemplateResponse(
        request, "wagtail_passes/checkout/checkout.html", context, status=status
    )


def refused(request, error: CheckoutError):
    """Why this product cannot be bought now (no form). A product whose page the member may
    not view (A2) is not named: its page is private. When its password would let them buy,
    the page links to it, where Wagtail asks for the password."""
    page = product_pages().live().filter(pk=request.resolver_match.kwargs.get("product_id"))
    product = page.first()
    private = error.code == "not_visible"
    context = {
        "product": product.specific if product is not None and not private else None,
        "product_url": product.get_url(request) if product is not None and not private else "",
        "password_url": product.get_url(request)
        if product is not None and private and error.details.get("password")
        else "",
        "message": error.message,
        "code": error.code,
    }
    status = {"no_such_product": 404, "not_visible": 403}.get(error.code, 200)
    return TemplateResponse(request, "wagtail_passes/checkout/refused.html", context, status=status)


def _place(request, offer: Quote):
    providers = {provider.name: provider for provider in available_providers()}
    form = _form_for(offer, data=request.POST, providers=list(providers.values()))
    session, _unbookable = _session_to_book(str(request.POST.get("book_session", ""))[:20])
    if not form.is_valid():
        code = str(request.POST.get("access_code", ""))[:100]
        return _page(request, offer, errors=form.messages(), access_code=code, book_session=session)
    data = form.cleaned_data
    token, access_code = data["token"], data.get("access_code", "")
    provider = providers[data.get("method") or next(iter(providers))]
    nonce = once.nonce_of(request, token)
    if nonce is None:
        message = _("This checkout page has expired. Check the total and confirm again.")
        return _page(
            request, offer, errors=[message], access_code=access_code, book_session=session
        )
    try:
        order = place_order(
            request.user,
            offer.product,
            quantity=data["quantity"],
            accepted_terms=bool(data.get("accept_terms")),
            access_code=access_code,
            discount_code=data.get("discount_code", ""),
            passed_view_restrictions=passed_view_restrictions(request),
            seen_total=data["seen_total"],
            provider=provider.name,
            token=nonce,  # the same form sent again is refused "already_placed"
            book_session=data.get("book_session") or None,
            auto_renew=bool(data.get("auto_renew")),
        )
    except CheckoutError as error:
        if error.code == "already_placed":  # the same form, sent twice at once
            return see_other(order_url(error.details["reference"]))
        return _refused_on_post(request, offer, data, error)
    if order.is_pending and order.provider == provider.name:  # not free: pay now (C2)
        return start_payment(request, order, provider) or see_other(order_url(order))
    return see_other(order_url(order))


def _refused_on_post(request, offer: Quote, data: dict, error: CheckoutError):
    access_code = data.get("access_code", "")
    session, _unbookable = _session_to_book(data.get("book_session"))
    try:  # today's offer for what was asked (the quantity, the codes), to confirm again
        offer = offer_for_page(
            request,
            offer.product.pk,
            quantity=data["quantity"],
            access_code=access_code,
            discount_code=data.get("discount_code", ""),
        )
    except CheckoutError as again:
        return refused(request, again)  # no longer on sale, sold out meanwhile ...
    if error.code == "price_changed" and offer.discount and not offer.discount_amount.is_zero:
        note = _("With the discount code %(code)s the total is %(total)s.") % {
            "code": offer.discount.code.code,
            "total": offer.total,
        }
        return _page(request, offer, price_note=note, access_code=access_code, book_session=session)
    if error.code == "price_changed":
        note = _("The total changed since you opened this page: it is now %(total)s.") % {
            "total": offer.total
        }
        return _page(request, offer, price_note=note, access_code=access_code, book_session=session)
    page = _page(
        request, offer, errors=[error.message], access_code=access_code, book_session=session
    )
    return answer_busy(page, error)
