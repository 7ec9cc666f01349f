"""Registering for a programme (P10) through checkout (P9).

A member registers for a programme once. The registering order carries the programme's
mandatory products the member neither holds (an active or on-hold pass) nor has in an order
awaiting payment, locked in; and the optional products they chose as add-ons. From then on
the mandatory products the member does not hold are *due*, and shown as such (My orders,
what you owe) until they are held; coming back to the registration page offers exactly those.

What is due is never stored: ``registration_status`` counts it afresh, so a refunded pass,
an expired order or a season pass that ran out shows as due at once.

Locks: the member's registration row for the programme (created if need be, so two tabs
registering at once make one registration and one order), then what ``place_basket`` locks
(stock rows by product id, then the discount code).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import log_action
from ..exceptions import CheckoutError
from ..models import (
    MemberPass,
    Order,
    OrderLine,
    OrderState,
    Person,
    ProductMixin,
    Programme,
    ProgrammeProduct,
    Registration,
    account_of,
    attendee_filter,
)
from ..products.visibility import visible_to_member
from .attendees import attendee
from .inputs import check_member
from .orders import (
    MANUAL,
    Basket,
    Item,
    _check_token,
    _decimal,
    place_basket,
    quote_basket,
)
from .permissions import MANAGE_REGISTRATIONS, require_staff

#: Optional products a registration form can send, at most.
MAX_ADD_ONS = 50


# ---- where the member stands ------------------------------------------------------------


@dataclass(frozen=True)
class AwaitingPayment:
    """A mandatory product in one of the member's orders awaiting payment."""

    product: ProductMixin
    order: Order


@dataclass(frozen=True)
class RegistrationStatus:
    """A member's registration for a programme and its mandatory products, counted now."""

    programme: Programme
    registration: Registration | None
    held: tuple[ProductMixin, ...] = ()
    awaiting_payment: tuple[AwaitingPayment, ...] = ()
    due: tuple[ProductMixin, ...] = ()  # neither held nor in an order awaiting payment

    @property
    def is_registered(self) -> bool:
        return self.registration is not None

    @property
    def is_complete(self) -> bool:
        """Registered and holding every mandatory product."""
        return self.is_registered and not self.due and not self.awaiting_payment


def optional_products(programme: Programme) -> list[ProductMixin]:
    """The programme's add-ons that are published, in title order."""
    links = programme.products.filter(
        role=ProgrammeProduct.Role.OPTIONAL, product__live=True
    ).select_related("product")
    return [link.product.specific for link in links.order_by("product__title", "product_id")]


def current_registration(member, programme: Programme) -> Registration | None:
    """The current registration of ``member`` (a Person, or a user themself, F1)."""
    return (
        Registration.objects.filter(
            attendee_filter(member), programme=programme, withdrawn_at__isnull=True
        )
        .select_related("person")
        .first()
    )


def _person_id(who) -> int | None:
    """The id of the person ``who`` names (a user's own person: None before it exists)."""
    if isinstance(who, Person):
        return who.pk
    if getattr(who, "pk", None) is None:
        return None
    return Person.objects.filter(account=who, is_holder=True).values_list("pk", flat=True).first()


def registration_status(member, programme: Programme) -> RegistrationStatus:
    """P10: is ``member`` (a Person, or a user themself, F1) registered for ``programme``,
    and which mandatory products do they hold, have awaiting payment, or still owe."""
    person_id = _person_id(member)
    if person_id is None:
        (status,) = _count([(None, programme, None)]).values()
        return status
    registration = current_registration(member, programme)
    return _count([(person_id, programme, registration)])[(person_id, programme.pk)]


def registration_statuses(registrations) -> dict[int, RegistrationStatus]:
    """``registration_status`` of each of ``registrations`` (current ones; a withdrawn one
    is counted as if current), by registration id, in a fixed number of queries whatever
    their number: for list pages."""
    registrations = list(registrations)
    counted = _count([(r.person_id, r.programme, r) for r in registrations])
    return {r.pk: counted[(r.person_id, r.programme_id)] for r in registrations}


def _count(rows) -> dict[tuple, RegistrationStatus]:
    """The one place the rule is counted. ``rows`` are (person id or None, programme,
    registration or None); the result maps (person id, programme id) to its status (F1:
    each person of a household registers and holds the mandatory products for themself).
    Held: an active or on-hold pass of the product. Awaiting payment: not held, and on a line
    for the person in one of the account's orders awaiting payment (the oldest is shown).
    Due: neither."""
    mandatory = defaultdict(list)  # programme id -> products, in title order
    links = (
        ProgrammeProduct.objects.filter(
            programme_id__in={programme.pk for _m, programme, _r in rows},
            role=ProgrammeProduct.Role.MANDATORY,
        )
        .select_related("product")
        .order_by("product__title", "product_id")
    )
    pages = {}
    for link in links:
        page = pages.setdefault(link.product_id, link.product)
        mandatory[link.programme_id].append(page)
    specific = {page.pk: page for page in _specific(pages.values())}
    member_ids = {member for member, _p, _r in rows if member is not None}
    held, awaiting = set(), {}
    if member_ids and specific:
        held = set(
            MemberPass.objects.filter(person_id__in=member_ids, product_id__in=list(specific))
            .usable()
            .values_list("person_id", "product_id")
        )
        lines = OrderLine.objects.filter(
            person_id__in=member_ids,
            order__state=OrderState.PENDING,
            product_id__in=list(specific),
        ).select_related("order")
        for line in lines.order_by("order__created_at", "order_id"):
            awaiting.setdefault((line.person_id, line.product_id), line.order)
    counted = {}
    for member, programme, registration in rows:
        products = [specific[page.pk] for page in mandatory[programme.pk]]
        mine_held = [p for p in products if (member, p.pk) in held]
        mine_waiting = [
            AwaitingPayment(p, awaiting[(member, p.pk)])
            for p in products
            if (member, p.pk) not in held and (member, p.pk) in awaiting
        ]
        waiting_ids = {w.product.pk for w in mine_waiting}
        counted[(member, programme.pk)] = RegistrationStatus(
            programme,
            registration,
            held=tuple(mine_held),
            awaiting_payment=tuple(mine_waiting),
            due=tuple(
                p for p in products if (member, p.pk) not in held and p.pk not in waiting_ids
            ),
        )
    return counted


def _specific(pages):
    """The specific product pages, one query per page type."""
    pages = list(pages)
    if not pages:
        return []
    return list(type(pages[0]).objects.filter(pk__in=[p.pk for p in pages]).specific())


def registrations_with_dues(member) -> list[RegistrationStatus]:
    """The member's registrations that still owe a mandatory product (P10: shown as due
    until held), for the member's "what you owe" page."""
    if getattr(member, "pk", None) is None:
        return []
    # Every person of the account's household: the account holder pays what each owes.
    registrations = Registration.objects.filter(
        member=account_of(member), withdrawn_at__isnull=True
    ).select_related("programme", "person")
    found = registration_statuses(registrations).values()
    return [status for status in found if status.due or status.awaiting_payment]


# ---- what registering would cost ------------------------------------------------------


@dataclass(frozen=True)
class RegistrationOffer:
    """What registering (or completing a registration) would put in the order now."""

    status: RegistrationStatus
    basket: Basket | None  # None: nothing to pay (nothing due, no add-on chosen)
    add_ons: tuple[ProductMixin, ...] = ()  # every add-on on offer
    chosen: frozenset[int] = field(default_factory=frozenset)  # the add-ons in the basket
    # Add-ons in one of the member's orders awaiting payment: not offered again.
    add_ons_awaiting: tuple[AwaitingPayment, ...] = ()

    @property
    def programme(self) -> Programme:
        return self.status.programme

    @property
    def awaiting_orders(self) -> tuple[Order, ...]:
        """The member's orders awaiting payment that carry this registration's products
        (mandatory or add-on), oldest first: paying them is what is left to do."""
        waiting = [*self.status.awaiting_payment, *self.add_ons_awaiting]
        orders = {item.order.pk: item.order for item in waiting}
        return tuple(sorted(orders.values(), key=lambda order: (order.created_at, order.pk)))

    @property
    def payment_words(self) -> str:
        """What the page says about paying when there is no order to place now (no basket):
        "" when an order awaits payment (the page links to it instead) or the member is
        registered already; that registering is free otherwise. From the state it describes
        (P10), never a sentence that says the opposite of what happens."""
        if self.basket is not None or self.awaiting_orders or self.status.is_registered:
            return ""
        return _("Nothing to pay: registering is free.")

    def is_locked(self, product) -> bool:
        """The line is one of the programme's mandatory products (it cannot be removed)."""
        return any(product.pk == due.pk for due in self.status.due)


def find_programme(slug) -> Programme:
    programme = Programme.objects.filter(slug=str(slug or "")[:255]).first()
    if programme is None:
        raise CheckoutError(_("There is no such programme."), code="no_such_programme")
    return programme


def add_ons_for(member, programme: Programme, passed_view_restrictions=()):
    """The programme's add-ons ``member`` may choose now, and those they have in an order
    awaiting payment already (``AwaitingPayment``: not offered again until that order is
    paid, cancelled or expired). Only add-ons whose page the member may view are offered
    (A2, Wagtail's page privacy; ``passed_view_restrictions`` as for
    ``services.orders.quote``)."""
    products = visible_to_member(
        optional_products(programme),
        account_of(member),
        passed_view_restrictions=passed_view_restrictions,
    )
    if getattr(member, "pk", None) is None or not products:
        return products, ()
    lines = (
        OrderLine.objects.filter(
            attendee_filter(member),
            order__state=OrderState.PENDING,
            product_id__in=[product.pk for product in products],
        )
        .select_related("order")
        .order_by("order__created_at", "order_id")
    )
    waiting = {}
    for line in lines:
        waiting.setdefault(line.product_id, line.order)
    awaiting = tuple(AwaitingPayment(p, waiting[p.pk]) for p in products if p.pk in waiting)
    return [p for p in products if p.pk not in waiting], awaiting


def chosen_add_ons(programme: Programme, add_ons, offered=None) -> list[ProductMixin]:
    """The add-ons a form sent (product ids), each one of the add-ons ``offered`` (default:
    the programme's optional products); anything else is refused."""
    offered = {
        product.pk: product
        for product in (optional_products(programme) if offered is None else offered)
    }
    chosen: dict[int, ProductMixin] = {}
    values = list(add_ons or ())
    if len(values) > MAX_ADD_ONS:
        raise CheckoutError(_("Too many add-ons chosen."), code="not_an_add_on")
    for value in values:
        try:
            pk = int(str(value).strip())
        except (TypeError, ValueError):
            pk = None
        if pk not in offered:
            raise CheckoutError(
                _("That add-on is not offered with %(programme)s.") % {"programme": programme},
                code="not_an_add_on",
            )
        chosen[pk] = offered[pk]
    return list(chosen.values())


def registration_offer(
    member,
    programme: Programme,
    *,
    add_ons=(),
    discount_code="",
    passed_view_restrictions=(),
    now=None,
) -> RegistrationOffer:
    """P9: the registering order as it would be placed now: the mandatory products due,
    locked in, then the chosen add-ons. Refused (``CheckoutError``) when a mandatory product
    cannot be bought (sold out, off sale, not for this member, its page private to others:
    A2), or an add-on chosen cannot. Add-ons whose page the member may not view, or already
    in one of the member's orders awaiting payment, are not offered (``add_ons_for``);
    choosing one is refused with ``not_an_add_on``."""
    check_member(account_of(member), CheckoutError)
    status = registration_status(member, programme)
    offered, awaiting = add_ons_for(member, programme, passed_view_restrictions)
    chosen = chosen_add_ons(programme, add_ons, offered)
    items = [Item(product) for product in status.due] + [Item(product) for product in chosen]
    basket = (
        quote_basket(
            member,
            items,
            discount_code=discount_code,
            passed_view_restrictions=passed_view_restrictions,
            now=now,
        )
        if items
        else None
    )
    return RegistrationOffer(
        status=status,
        basket=basket,
        add_ons=tuple(offered),
        chosen=frozenset(product.pk for product in chosen),
        add_ons_awaiting=awaiting,
    )


# ---- registering ----------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    registration: Registration
    order: Order | None  # None: nothing to pay
    created: bool  # this call registered the member (False: completing a registration)


def register(
    member,
    programme: Programme,
    *,
    add_ons=(),
    accepted_terms: bool | Collection[int] = False,
    discount_code: str = "",
    passed_view_restrictions: Collection[int] = (),
    seen_total: Decimal | None = None,
    provider: str = MANUAL,
    token: str = "",
    now=None,
) -> Registered:
    """P10: register ``member`` for ``programme`` (once), placing the order of its mandatory
    products due and the chosen add-ons (P9) as ``place_basket`` places any order (terms,
    discount code, the total the member saw, the one-time token, the page passwords the
    member entered: ``passed_view_restrictions``, A2).

    A member already registered completes their registration: the order carries what is due
    and the add-ons; with nothing due and no add-on there is nothing to do
    (``already_registered``). Refused as a whole: no registration without its order.
    """
    person = attendee(member, CheckoutError)  # F1: a user themself, or a Person of theirs
    member = person.account
    now = now or timezone.now()
    token = _check_token(token)
    with transaction.atomic():
        registration, created = _lock_registration(person, programme)
        status = registration_status(person, programme)
        offered, _awaiting = add_ons_for(person, programme, passed_view_restrictions)
        chosen = chosen_add_ons(programme, add_ons, offered)
        items = [Item(product) for product in status.due] + [Item(p) for p in chosen]
        if not items and status.awaiting_payment and not created:
            raise CheckoutError(
                _("Your registration is awaiting payment of order %(reference)s.")
                % {"reference": status.awaiting_payment[0].order.reference},
                code="awaiting_payment",
                reference=status.awaiting_payment[0].order.reference,
            )
        if not items and not created:
            raise CheckoutError(
                _("You are registered for %(programme)s and nothing is due.")
                % {"programme": programme},
                code="already_registered",
            )
        order = None
        if items:
            order = place_basket(
                person,
                items,
                accepted_terms=accepted_terms,
                discount_code=discount_code,
                passed_view_restrictions=passed_view_restrictions,
                seen_total=seen_total,
                provider=provider,
                token=token,
                registration=registration,
                now=now,
            )
        elif seen_total is not None and _decimal(seen_total) != 0:
            raise CheckoutError(
                _("Registering is now free. Check it and confirm again."),
                code="price_changed",
            )
        if created:
            log_action(
                registration,
                "wagtail_passes.registration.create",
                member,
                _("Registered for %(programme)s") % {"programme": programme},
                order=order.reference if order else "",
            )
    return Registered(registration, order, created)


def _lock_registration(person: Person, programme: Programme) -> tuple[Registration, bool]:
    """The person's registration row for ``programme``, locked; created when there is none
    (a concurrent creation wins and is locked instead)."""
    existing = _locked(person, programme)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                member=person.account, person=person, programme=programme
            )
            return registration, True
    except IntegrityError:
        return _locked(person, programme), False


def _locked(person: Person, programme) -> Registration | None:
    return (
        Registration.objects.select_for_update()
        .filter(person=person, programme=programme, withdrawn_at__isnull=True)
        .first()
    )


def withdraw_registration(registration, by, *, reason: str = "", now=None) -> Registration:
    """Staff withdraw a registration: its mandatory products are no longer due, and the
    member may register again later. Passes and orders are left as they are (refund or
    cancel them on their own)."""
    require_staff(by, MANAGE_REGISTRATIONS, CheckoutError)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(
            pk=getattr(registration, "pk", registration)
        )
        if registration.is_withdrawn:
            raise CheckoutError(
                _("This registration was withdrawn already."), code="already_withdrawn"
            )
        registration.withdrawn_at = now or timezone.now()
        registration.withdrawn_by = by if getattr(by, "is_authenticated", False) else None
        registration.withdrawal_reason = str(reason or "")[:500]
        registration.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        log_action(
            registration,
            "wagtail_passes.registration.withdraw",
            by,
            _("Registration for %(programme)s withdrawn") % {"programme": registration.programme},
            reason=registration.withdrawal_reason,
        )
    return registration
