"""Orders: placing one, paying it (fulfilment, C3), cancelling it and letting it expire (C5).

Every rule is decided again here, on the server and under locks, whatever the checkout page
showed: the product is live and on sale (A2), its page is one the member may view (A2,
Wagtail's page privacy), stock is left (A1), the member may buy it (U5),
the access code matches (U6), the terms were accepted (A5), the price is today's (A3, A6),
and a discount code is valid for the product and not used up (A4).
Refusals raise ``CheckoutError`` with a stable ``code`` and write nothing.

Locks are taken in one order everywhere: the order row, then the stock rows of its products by
product id, then the discount code's row, then (through the pass services) member passes.
Paying an order of amounts due (C6, ``services.dues``) locks the order row, then the bookings'
sessions, then the bookings, as a desk payment does.
Emails and signals go out once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from ..audit import log_action
from ..bounds import MAX_PRICE
from ..conf import passes_settings
from ..exceptions import CheckoutError
from ..models import (
    DiscountCode,
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    Payment,
    PaymentMethod,
    PaymentState,
    ProductMixin,
    Renewal,
    TermsAcceptance,
)
from ..models.holds import holding
from ..models.orders import MAX_LINE_QUANTITY, PAID_STATES
from ..presentation import local_day, provider_text
from ..products.registry import product_pages
from ..products.visibility import with_privacy_hint
from ..rules.money import Money
from . import lock_waits
from .attendance import pay_booking_lines
from .attendees import attendee
from .booking_after_payment import book_when_committed, session_to_book
from .buyers import check_buyer, check_visible
from .discounts import AppliedDiscount, apply_to_lines, find_code, lock_code, redeem
from .gateway import FREE, MANUAL, require_can_settle
from .holds import reclaim_lapsed_hold, schedule_hold_end, take_stock
from .lock_waits import locked_row
from .notifications import email_on_commit
from .order_passes import (
    in_use,
    issue_line_passes,
    issued_when_placed,
    pass_in_use_error,
    pay_line_passes,
    release_unpaid_passes,
    unpaid_passes,
)
from .permissions import (
    MANAGE_ORDERS,
    SELL_AT_DESK,
    is_self,
    require_member_or_staff,
    require_staff,
)
from .renewals import commitment_progress, lock_pending_renewal_orders, open_renewal

#: Letters members can read out and type without confusing them (no 0/O, 1/I/L, U).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8


# ---- what the member would pay ---------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A product's line as checkout would write it now."""

    product: ProductMixin
    quantity: int
    unit_price: Money
    total: Money  # after the discount
    terms: str  # the terms' text to accept, "" when none
    discount: AppliedDiscount | None = None  # the code and what it takes off (A4)

    @property
    def gross(self) -> Money:
        """The line before any discount."""
        return self.unit_price * self.quantity

    @property
    def discount_amount(self) -> Money:
        return self.discount.amount if self.discount else Money(Decimal(0), self.total.currency)


def _live_product(product_or_id) -> ProductMixin:
    """The live product page, refusing anything else (an id of another page, a draft)."""
    pk = getattr(product_or_id, "pk", product_or_id)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise CheckoutError(_("This product does not exist."), code="no_such_product") from None
    # Read with whether the site has private pages at all (A2): none, no privacy to check.
    page = with_privacy_hint(product_pages().live().filter(pk=pk)).specific().first()
    if page is None:
        raise CheckoutError(
            _("This product does not exist or is no longer published."), code="no_such_product"
        )
    return page


def _check_quantity(quantity) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity).strip())
        except (TypeError, ValueError):
            raise CheckoutError(
                _("Enter a whole number of items."), code="invalid_quantity"
            ) from None
    if not 1 <= quantity <= MAX_LINE_QUANTITY:
        raise CheckoutError(
            _("Buy between 1 and %(max)d at a time.") % {"max": MAX_LINE_QUANTITY},
            code="invalid_quantity",
        )
    return quantity


def _check_access_code(product: ProductMixin, access_code) -> None:
    """U6: a private offer needs its code (compared in constant time, spaces and case ignored)."""
    if not product.access_code:
        return
    given = str(access_code or "").strip().casefold()
    if not given:
        raise CheckoutError(_("Enter the access code for this offer."), code="access_code_required")
    if not secrets.compare_digest(given, product.access_code.strip().casefold()):
        raise CheckoutError(_("This access code is not valid."), code="wrong_access_code")


def terms_text(product: ProductMixin) -> str:
    """The product's terms as plain text (what the member accepts and what is recorded)."""
    return strip_tags(str(product.terms or "")).strip()


@dataclass(frozen=True)
class Item:
    """What a member asks to buy: a product (a page or its id), how many, and the access
    code they typed for it (U6)."""

    product: object
    quantity: object = 1
    access_code: str = ""


@dataclass(frozen=True)
class Basket:
    """Several products' lines as checkout would write them now, in one currency."""

    quotes: tuple[Quote, ...]
    code: DiscountCode | None = None  # the discount code typed, when it applies (A4)

    @property
    def currency(self) -> str:
        return self.quotes[0].total.currency

    @property
    def total(self) -> Money:
        return _sum((quote.total for quote in self.quotes), self.currency)

    @property
    def gross(self) -> Money:
        return _sum((quote.gross for quote in self.quotes), self.currency)

    @property
    def discount_amount(self) -> Money:
        return _sum((quote.discount_amount for quote in self.quotes), self.currency)


def _sum(amounts, currency: str) -> Money:
    return sum(amounts, Money(Decimal(0), currency))


def quote(
    member,
    product,
    *,
    quantity=1,
    access_code="",
    discount_code="",
    passed_view_restrictions: Collection[int] = (),
    now=None,
) -> Quote:
    """What buying ``product`` costs ``member`` now, or the first reason they cannot.

    ``discount_code`` (A4) is what the member typed ("" for none): an unknown, inactive,
    used-up code or one not for this product is refused (``unknown_code``,
    ``code_not_active``, ``code_used_up``, ``code_not_for_product``).
    ``passed_view_restrictions`` (A2) are the ids of the page password restrictions the
    member entered the password of (Wagtail keeps them in the visitor's session): a product
    whose page the member may not view is refused with ``not_visible``
    (``services.buyers.check_visible``).
    Read without locks, for the checkout page; ``place_order`` decides again under them.
    """
    items = [Item(product, quantity, access_code)]
    return quote_basket(
        member,
        items,
        discount_code=discount_code,
        passed_view_restrictions=passed_view_restrictions,
        now=now,
    ).quotes[0]


def quote_basket(
    member,
    items: Sequence[Item],
    *,
    discount_code="",
    passed_view_restrictions: Collection[int] = (),
    now=None,
) -> Basket:
    """``quote`` for several products bought together (a programme's registration, P9):
    every line is decided as a single product's would be, the first refusal raised. The
    products must differ and share one currency; a discount code applies to the lines it
    covers and is refused only when it covers none.

    ``member`` is a user buying for themself or a ``Person`` of their household (F1): the
    passes are that person's, judged for them (U5), while the account holder views the
    pages (A2) and pays."""
    person = attendee(member, CheckoutError)
    account = person.account
    now = now or timezone.now()
    if not items:
        raise CheckoutError(_("There is nothing to buy in this order."), code="empty_order")
    lines = []
    for item in items:
        product = _live_product(item.product)
        # A2: before anything else is said about it, a private page's product is not for all.
        check_visible(account, product, passed_view_restrictions)
        quantity = _check_quantity(item.quantity)
        availability = product.availability(now)
        if not availability.can_buy and availability.code != "code_required":
            raise CheckoutError(availability.message, code=availability.code)
        check_buyer(person, product)
        _check_access_code(product, item.access_code)
        lines.append((product, quantity, product.price_today(local_day(now))))
    _check_lines_agree(lines)
    code = find_code(discount_code)
    return _priced_basket(lines, code, now)


def _check_lines_agree(lines) -> None:
    products = [product.pk for product, _quantity, _unit in lines]
    if len(set(products)) != len(products):
        raise CheckoutError(
            _("Each product can be in an order only once."), code="duplicate_product"
        )
    if len({unit.currency for _product, _quantity, unit in lines}) > 1:
        raise CheckoutError(
            _("These products are priced in different currencies: buy them separately."),
            code="mixed_currencies",
        )


def _priced(product, quantity: int, unit: Money, discount: AppliedDiscount | None) -> Quote:
    gross = unit * quantity
    return Quote(
        product=product,
        quantity=quantity,
        unit_price=unit,
        total=gross - discount.amount if discount else gross,
        terms=terms_text(product),
        discount=discount,
    )


def _priced_basket(lines, code: DiscountCode | None, now) -> Basket:
    """The lines priced, with what ``code`` takes off each line it covers."""
    amounts = (
        apply_to_lines(code, [(product, unit * quantity) for product, quantity, unit in lines], now)
        if code
        else [None] * len(lines)
    )
    quotes = tuple(
        _priced(
            product, quantity, unit, AppliedDiscount(code, amount) if amount is not None else None
        )
        for (product, quantity, unit), amount in zip(lines, amounts, strict=True)
    )
    return Basket(quotes, code)


# ---- placing an order ------------------------------------------------------------------


def _new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _hold_until(provider: str, now: dt.datetime) -> dt.datetime | None:
    if provider == MANUAL:
        return now + dt.timedelta(days=passes_settings.BANK_TRANSFER_HOLD_DAYS)
    if provider == FREE:
        return None
    return now + dt.timedelta(minutes=passes_settings.CARD_HOLD_MINUTES)


def place_order(
    member,
    product,
    *,
    quantity=1,
    accepted_terms: bool = False,
    access_code: str = "",
    discount_code: str = "",
    passed_view_restrictions: Collection[int] = (),
    seen_total: Decimal | None = None,
    provider: str = MANUAL,
    token: str = "",
    book_session=None,
    now=None,
    notify: bool = True,
    auto_renew: bool = False,
    renews: MemberPass | None = None,
) -> Order:
    """C1: an order for ``quantity`` of ``product``, pending payment by ``provider``.

    ``passed_view_restrictions`` (A2): as for ``quote``, the page passwords the member
    entered; a product they may not view is refused with ``not_visible``.

    ``token`` is the checkout form's one-time token: an order already placed with it is
    refused with ``already_placed`` (its ``details["reference"]`` the order's), so the same
    form sent twice, even at the same instant, places one order.

    ``discount_code`` (A4) is decided again under the code row's lock (taken after the
    stock rows); its use is recorded with the order and counts while the order holds it.
    ``seen_total`` is the total the member confirmed (after the discount); when the price
    changed since, the order is refused with ``price_changed`` (its ``details["total"]`` the
    new total) so the member sees the new total before paying (A6). A free order (a 100 %
    code, say) is paid at once (C2).
    """
    return place_basket(
        member,
        [Item(product, quantity, access_code)],
        accepted_terms=accepted_terms,
        discount_code=discount_code,
        passed_view_restrictions=passed_view_restrictions,
        seen_total=seen_total,
        provider=provider,
        token=token,
        book_session=book_session,
        now=now,
        notify=notify,
        auto_renew=auto_renew,
        renews=renews,
    )


def place_basket(
    member,
    items: Sequence[Item],
    *,
    accepted_terms: bool | Collection[int] = False,
    discount_code: str = "",
    passed_view_restrictions: Collection[int] = (),
    seen_total: Decimal | None = None,
    provider: str = MANUAL,
    token: str = "",
    registration=None,
    book_session=None,
    now=None,
    notify: bool = True,
    auto_renew: bool = False,
    renews: MemberPass | None = None,
) -> Order:
    """``place_order`` for several products in one order (a registration, P9).

    ``accepted_terms`` is True when the member accepted every line's terms, else the ids
    of the products whose terms they accepted (A5). ``registration`` links the order to the
    programme registration it pays for (``services.registrations``). ``notify=False``
    leaves the "order received" email to the caller (a renewal sends its own).
    ``auto_renew`` is the member's opt-in to renewal (N1), kept on the lines of products
    that allow it. ``renews`` is the member pass a renewal order continues (N1, the renewal
    job): its ``Renewal`` is recorded with the order, before any pass is issued, so the
    order's pass — issued now when it is free or under P4 — starts where that pass ends.
    Locks: the stock rows by product id, then the discount code's row.
    """
    now = now or timezone.now()
    token = _check_token(token)
    session = session_to_book(book_session)
    person = attendee(member, CheckoutError)
    member = person.account  # the account holder: the order is theirs, the passes the person's
    basket = quote_basket(
        person,
        items,
        discount_code=discount_code,
        passed_view_restrictions=passed_view_restrictions,
        now=now,
    )
    for offer in basket.quotes:
        _check_terms(offer, accepted_terms)
    if seen_total is not None and Money(_decimal(seen_total), basket.currency) != basket.total:
        _price_changed(basket)
    provider = FREE if basket.total.is_zero else provider
    with lock_waits.atomic():
        holds_stock = {
            offer.product.pk: take_stock(offer.product, offer.quantity, now)
            for offer in sorted(basket.quotes, key=lambda offer: offer.product.pk)
        }
        basket = _claim_discount(basket, now)
        order = _create_order(member, provider, basket.total, now, token, registration, session)
        if renews is not None:
            open_renewal(order, renews)
        schedule_hold_end(order)
        issued_unpaid = False
        for offer in basket.quotes:
            line = _write_line(order, offer, holds_stock[offer.product.pk], auto_renew, person)
            if issued_when_placed(offer.product, provider):  # P4: usable while unpaid
                issue_line_passes(order, line, paid=False)
                issued_unpaid = True
        if issued_unpaid:
            book_when_committed(order)
        if basket.code is not None:
            redeem(order, basket.code, basket.discount_amount)
        log_action(order, "wagtail_passes.order.place", member, _placed_message(order, basket))
        require_can_settle(provider, order)
        if provider == FREE:
            return fulfil_order(order, provider=FREE, amount=Decimal(0), now=now)
        if notify:
            email_on_commit("order_received", member, order=order)
    return order


def _check_terms(offer: Quote, accepted_terms) -> None:
    # Only True itself, or a real collection of product ids: "yes", 1 or "on" accept nothing.
    accepted = accepted_terms is True or (
        isinstance(accepted_terms, set | frozenset | list | tuple)
        and offer.product.pk in accepted_terms
    )
    if offer.terms and not accepted:
        raise CheckoutError(
            _("Accept the terms of “%(title)s” to buy it.") % {"title": offer.product.title},
            code="terms_not_accepted",
        )


def _price_changed(priced: Quote | Basket):
    raise CheckoutError(
        _("The price changed to %(total)s. Check it and confirm again.") % {"total": priced.total},
        code="price_changed",
        total=priced.total,
    )


def _claim_discount(basket: Basket, now) -> Basket:
    """A4 under the code row's lock: the code is decided again (staff may have switched it
    off, other orders may have taken its last use since the quote). A discount other than
    the quoted one changes the total: refused with ``price_changed``."""
    if basket.code is None:
        return basket
    code = lock_code(basket.code)
    lines = [(offer.product, offer.quantity, offer.unit_price) for offer in basket.quotes]
    claimed = _priced_basket(lines, code, now)
    if claimed.total != basket.total:
        _price_changed(claimed)
    return claimed


def _write_line(
    order: Order, offer: Quote, holds_stock: bool, auto_renew=False, person=None
) -> OrderLine:
    line = OrderLine.objects.create(
        auto_renew=bool(auto_renew and offer.product.allow_auto_renew),
        order=order,
        person=person,
        product=offer.product,
        title=offer.product.title,
        quantity=offer.quantity,
        unit_price=offer.unit_price.amount,
        discount=offer.discount_amount.amount,
        total=offer.total.amount,
        holds_stock=holds_stock,
    )
    if offer.terms:
        TermsAcceptance.objects.create(
            line=line,
            terms=offer.terms,
            terms_digest=hashlib.sha256(offer.terms.encode()).hexdigest(),
        )
    return line


def _placed_message(order: Order, basket: Basket) -> str:
    message = _("Order %(reference)s placed: %(total)s") % {
        "reference": order.reference,
        "total": basket.total,
    }
    if basket.code is not None:
        message += " " + _("(discount code %(code)s: %(amount)s off)") % {
            "code": basket.code.code,
            "amount": basket.discount_amount,
        }
    return message


def _decimal(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise CheckoutError(_("Confirm the total again."), code="invalid_total") from None
    # Beyond any order's total (or not a number at all): never a price the member saw.
    if not amount.is_finite() or abs(amount) > MAX_PRICE * MAX_LINE_QUANTITY:
        raise CheckoutError(_("Confirm the total again."), code="invalid_total")
    return amount


def _check_token(token) -> str:
    """The checkout form's token, refusing the second order placed with it."""
    token = str(token or "").strip()
    if len(token) > 64:
        raise CheckoutError(_("This checkout page is not valid; open it again."), code="bad_token")
    if token:
        _refuse_if_placed(token)
    return token


def _refuse_if_placed(token: str) -> None:
    placed = Order.objects.filter(checkout_token=token).values_list("reference", flat=True)
    if reference := placed.first():
        raise CheckoutError(
            _("This order was placed already."), code="already_placed", reference=reference
        )


def _create_order(
    member, provider: str, total: Money, now, token: str = "", registration=None, session=None
) -> Order:
    # A reference is random; in the rare clash, draw again (inside a savepoint). A clash on
    # the token is the same form placed at the same instant by another request: refused
    # (rolling back this one's stock and code) once that request has committed.
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(
                    reference=_new_reference(),
                    member=member,
                    provider=provider,
                    currency=total.currency,
                    total=total.amount,
                    expires_at=_hold_until(provider, now),
                    checkout_token=token or None,
                    registration=registration,
                    book_session=session,
                )
        except IntegrityError:
            if token:
                _refuse_if_placed(token)
            continue
    raise CheckoutError(_("Could not place the order; try again."), code="reference_clash")


# ---- paying it (C3) --------------------------------------------------------------------


def lock_order(order) -> Order:
    return locked_row(Order.objects.select_for_update(), pk=getattr(order, "pk", order))


def fulfil_order(
    order,
    *,
    provider: str,
    provider_id: str = "",
    amount: Decimal | None = None,
    currency: str | None = None,
    by=None,
    raw: dict | None = None,
    now=None,
) -> Order:
    """C3: record that ``order`` was paid (``amount`` in ``currency``, default its total in
    its currency) and issue its member passes, once.

    Safe to call any number of times and from several places at once (staff pressing "mark
    paid" twice): the order row is locked and an order already paid is returned unchanged.
    The returned order's ``fulfilled_now`` says whether this call paid it (False: it was
    paid already, nothing was recorded). Strict: what cannot pay the order is refused and
    nothing is recorded — a cancelled order (``order_cancelled``), a provider that may not
    settle it (``provider_not_allowed``: the free provider and a priced order), an amount or
    currency that does not cover it (``amount_mismatch``), an order whose hold ran out
    (expired, or not yet) and whose stock or discount code's use cannot be taken again
    (``stock_gone``, ``code_gone``: C5, ``services.holds``). Money a payment provider
    reports goes through ``services.payment_state.receive_payment`` instead, which keeps a
    record of it whatever it is and gives back what the order cannot take.
    """
    now = now or timezone.now()
    with lock_waits.atomic():
        order = lock_order(order)
        if order.state in PAID_STATES:
            order.fulfilled_now = False
            return order
        if order.state == OrderState.CANCELLED:
            raise CheckoutError(_("This order was cancelled."), code="order_cancelled")
        require_can_settle(provider, order)
        amount = order.total if amount is None else amount
        if (currency or order.currency) != order.currency or amount != order.total:
            raise CheckoutError(
                _("%(amount)s does not pay this order of %(total)s.")
                % {
                    "amount": Money(amount, currency or order.currency),
                    "total": order.total_money,
                },
                code="amount_mismatch",
            )
        settle_locked(order, provider=provider, by=by, now=now, amount=amount)
        _record_payment(
            order, provider=provider, provider_id=provider_id, amount=amount, by=by, raw=raw
        )
        # C6: amounts due paid another way meanwhile go back (or staff are told).
        from .payment_state import give_back_unneeded_lines  # it reads this module

        give_back_unneeded_lines(order)
    return order


def settle_locked(order: Order, *, provider: str, by, now, amount: Decimal) -> Order:
    """The locked, unpaid ``order`` is paid: a lapsed hold takes its stock and its discount
    code's use again (C5, ``services.holds``), the order becomes paid and its passes are
    issued (or, under P4, become paid). Refusals (``stock_gone``, ``code_gone``,
    ``product_gone``) raise ``CheckoutError``; the caller's transaction (or savepoint) undoes
    what was written. The payment itself is the caller's to record."""
    reclaim_lapsed_hold(order, now)
    return _fulfil(order, provider=provider, amount=amount, by=by, now=now)


def _record_payment(order: Order, *, provider, provider_id, amount, by, raw) -> Payment:
    """The payment that pays ``order``: the provider's attempt recorded when it started (a
    Stripe Checkout Session, pending until now) becomes succeeded, else a new one."""
    recorded_by = by if getattr(by, "is_authenticated", False) else None
    started = (
        Payment.objects.filter(order=order, provider=provider, provider_id=provider_id).first()
        if provider_id
        else None
    )
    intent = (raw or {}).get("payment_intent")
    if started is None:
        return Payment.objects.create(
            order=order,
            provider=provider,
            provider_id=provider_id or "",
            amount=amount,
            currency=order.currency,
            state=PaymentState.SUCCEEDED,
            recorded_by=recorded_by,
            raw=raw or {},
            intent_id=intent if isinstance(intent, str) else "",
        )
    started.amount, started.state, started.recorded_by = amount, PaymentState.SUCCEEDED, recorded_by
    started.raw = {**started.raw, **(raw or {})}
    started.save(update_fields=["amount", "state", "recorded_by", "raw"])
    return started


def _fulfil(order: Order, *, provider, amount, by, now) -> Order:
    order.state = OrderState.PAID
    order.paid_at = now
    order.closed_at = None
    order.save(update_fields=["state", "paid_at", "closed_at"])
    lines = list(order.lines.select_related("product").all())
    # Amounts due first (C6): a pass this order issues must not settle them as well (R2).
    pay_booking_lines(order, [line for line in lines if line.booking_id], provider=provider)
    for line in lines:
        if line.booking_id:
            continue
        if line.product is None:
            raise CheckoutError(
                _("“%(title)s” no longer exists; refund this line instead.")
                % {"title": line.title},
                code="product_gone",
            )
        if not pay_line_passes(order, line, now=now):  # P4: issued unpaid already
            issue_line_passes(order, line, paid=True)
    log_action(
        order,
        "wagtail_passes.order.paid",
        by,
        _("Order %(reference)s paid: %(amount)s by %(provider)s")
        % {
            "reference": order.reference,
            "amount": Money(amount, order.currency),
            "provider": provider_text(provider),
        },
    )
    email_on_commit("order_paid", order.member, order=order)
    book_when_committed(order)  # the session the member pressed Book on, if any
    order.fulfilled_now = True
    return order


def check_payment_method(method, *, required: bool = True) -> str:
    """How staff took a payment: a desk method (cash, card terminal, bank transfer, other;
    never "online"). "" only when not ``required``. Refused with ``invalid_method``."""
    method = str(method or "")
    if (not method and not required) or (
        method in PaymentMethod.values and method != PaymentMethod.ONLINE
    ):
        return method
    raise CheckoutError(_("Choose how the member paid."), code="invalid_method")


def mark_paid(order, by, *, method: str = "", reference: str = "") -> Order:
    """Staff record a payment taken by hand (C2, C6): a bank transfer, or at the desk in
    cash, by card terminal or otherwise (``method``, a ``PaymentMethod`` other than
    "online"; "" leaves it unsaid, for host code written before it). The order is
    fulfilled (``fulfil_order``, once) and its payment records ``method`` and who took it
    (``recorded_by``). Refused: ``not_allowed`` without ``sell_at_desk`` or
    ``change_order``; ``invalid_method``."""
    require_staff(by, SELL_AT_DESK, CheckoutError, MANAGE_ORDERS)
    method = check_payment_method(method, required=False)
    with lock_waits.atomic():
        order = fulfil_order(
            order, provider=MANUAL, provider_id="", by=by, raw={"note": str(reference)[:500]}
        )
        if order.fulfilled_now and method:
            payment = order.payments.filter(provider=MANUAL, state=PaymentState.SUCCEEDED)
            payment = payment.latest("pk")  # recorded under the order's lock just now
            payment.method = method
            payment.save(update_fields=["method"])
    return order


# ---- cancelling and expiring (C5) ------------------------------------------------------


def cancel_order(order, by) -> Order:
    """The member (their own) or staff cancel an unpaid order; its stock is released.
    Refused for the reasons ``cancel_refusal`` gives."""
    with lock_waits.atomic():
        order = lock_order(order)
        require_member_or_staff(order.member, by, MANAGE_ORDERS, CheckoutError)
        refusal = cancel_refusal(order, by)
        if refusal is not None:
            raise refusal
        _close(order, OrderState.CANCELLED, by)
    return order


def cancel_refusal(order: Order, by) -> CheckoutError | None:
    """Why ``by`` may not cancel ``order`` now, or None when they may: the one decision
    behind ``cancel_order`` and the "Cancel order" button of the member's order page.

    - only an order awaiting payment (``not_pending``);
    - N2: cancelling a renewal order is stopping the renewal; a member may not while the
      commitment is not met (staff may) (``commitment_not_met``);
    - P4: not while a pass issued unpaid by the order pays for a session: the order is owed
      (``pass_in_use``; staff cancel those bookings first, or mark it paid);
    - C3: a member, not while a payment of it is processing (a bank debit on its way:
      ``payment_processing``); staff may (the money then goes back on its own);
    - C6: a member may not cancel what they bought at the desk and owe (``sold_at_desk``):
      only staff can write a desk debt off."""
    if order.state != OrderState.PENDING:
        return CheckoutError(
            _("Only an order awaiting payment can be cancelled."), code="not_pending"
        )
    if order.sold_by_id is not None and is_self(order.member, by):
        return CheckoutError(
            _(
                "You bought this at the front desk and still owe it: pay it online or at the "
                "desk, or ask the studio."
            ),
            code="sold_at_desk",
        )
    if is_self(order.member, by):
        renewal = Renewal.objects.filter(order=order).select_related("member_pass").first()
        progress = commitment_progress(renewal.member_pass) if renewal is not None else None
        if progress is not None and not progress.met:
            return CheckoutError(
                _(
                    "This order renews your pass and you committed to %(required)d payments: "
                    "%(progress)s."
                )
                % {"required": progress.required, "progress": progress.describe()},
                code="commitment_not_met",
            )
    used = in_use(unpaid_passes(order))
    if used:
        return pass_in_use_error(used[0])
    if is_self(order.member, by) and order.payments.filter(state=PaymentState.PROCESSING).exists():
        # C3: a bank debit is on its way; cancelling now would only send it back.
        return CheckoutError(
            _(
                "Your payment of this order is being confirmed by your bank, so it cannot be "
                "cancelled now; contact the studio if you need to."
            ),
            code="payment_processing",
        )
    return None


def expire_orders(now=None) -> int:
    """C5: every unpaid order whose hold has run out expires (its stock and code stopped
    counting when the hold ran out, ``models.holds``) and its member is emailed. Run by the
    tidy job every few minutes and by the daily job; each order in its own transaction, so
    one failure stops nothing else. Orders owed under P4 (a pass of theirs paid for a
    session) still hold: they stay pending. Returns how many expired."""
    now = now or timezone.now()
    due = (
        Order.objects.filter(state=OrderState.PENDING, expires_at__lte=now)
        .exclude(holding(now))
        .values_list("pk", flat=True)
    )
    from .payment_state import ask_about_open_attempts  # it pays orders through this module

    expired = 0
    for pk in list(due):
        # A card payment whose webhook never came pays its order rather than let it expire.
        ask_about_open_attempts(Order.objects.get(pk=pk))
        expired += expire_order(pk, now)
    return expired


def expire_order(order, now=None) -> bool:
    """C5: ``order`` expires if it is still unpaid and its hold has run out at ``now``
    (the task enqueued for its hold's end, ``services.holds.schedule_hold_end``). False
    when it was paid or cancelled meanwhile, its hold still runs, or it is owed (P4)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            order = lock_order(order)
            if order.state != OrderState.PENDING or not order.expires_at or order.expires_at > now:
                return False
            _close(order, OrderState.EXPIRED, None, now=now)
    except CheckoutError as refusal:
        if refusal.code != "pass_in_use":
            raise
        return False  # P4: its pass paid for a session, so it is owed: it stays pending
    return True


def _close(order: Order, state: str, by, now=None) -> None:
    # N1: the unpaid passes written off below stop renewing, cancelling their renewal
    # orders awaiting payment: those order rows are locked first, in the one lock order.
    lock_pending_renewal_orders(unpaid_passes(order))
    # Its stock stopped counting with its state (``models.holds``); its lines no longer take
    # part in their products' stock unless a late payment takes it again (C5).
    order.lines.filter(holds_stock=True).update(holds_stock=False)
    release_unpaid_passes(  # P4: member passes after the order row, in the one lock order
        order,
        by,
        _("Order %(reference)s %(state)s")
        % {"reference": order.reference, "state": OrderState(state).label.lower()},
    )
    order.state = state
    order.closed_at = now or timezone.now()
    order.save(update_fields=["state", "closed_at"])
    # C5: money it kept (a payment short of its total) goes back.
    from .payment_state import give_back_when_closed  # it pays orders through this module

    give_back_when_closed(order)
    action = "cancel" if state == OrderState.CANCELLED else "expire"
    log_action(
        order,
        f"wagtail_passes.order.{action}",
        by,
        _("Order %(reference)s %(state)s")
        % {"reference": order.reference, "state": OrderState(state).label.lower()},
    )
    email_on_commit(f"order_{state}", order.member, order=order)
