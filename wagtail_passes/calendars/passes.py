"""P3's "Get a pass" page: the products that would pay for one session, for the member who
opened it from the calendar or the booking page — each with its price, what it costs per
session and its Buy link (to the checkout, which books the session once paid), cheapest per
session first; a product the member already ordered and has not paid shows that order
instead of a second Buy link. Read-only: the checkout decides again.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import services
from ..models import Session
from ..presentation import format_day
from ..products.visibility import passed_view_restrictions
from ..rules.describe import period_limit
from ..rules.types import DAYS, FIXED, UNLIMITED
from ..services.pass_offers import PassOption, pass_options
from .views import book_url, checkout_then_book, optional_url, safe_next


def per_session_words(option: PassOption) -> str:
    """ "€9.00 per session"; "€15.00 per day of classes"; for an unlimited pass what it
    gives instead: "unlimited classes for 30 days, max 2 per day"."""
    product = option.product
    if option.per_session is not None:
        if option.per_session.is_zero:
            return _("free")
        if product.kind == DAYS:
            return _("%(amount)s per day of classes") % {"amount": option.per_session}
        return _("%(amount)s per session") % {"amount": option.per_session}
    if product.kind != UNLIMITED:
        return ""
    if product.validity_basis == FIXED and product.fixed_end:
        words = _("unlimited classes until %(day)s") % {"day": format_day(product.fixed_end)}
    elif product.duration_days:
        words = _("unlimited classes for %(n)s days") % {"n": product.duration_days}
    else:
        words = _("unlimited classes, no expiry")
    limit = period_limit(product.period_limit or None, product.period_max_uses)
    return f"{words}, {limit}" if limit else words


def option_row(request, option: PassOption, session) -> dict:
    product = option.product
    pending = option.pending
    return {
        "title": product.title,
        "url": product.get_url(request) or "",
        "summary": product.summary(),
        "price": option.price,
        "per_session": per_session_words(option),
        "buy_url": "" if pending else checkout_then_book(product, session),
        "pending_reference": pending.reference if pending else "",
        "pending_url": optional_url("wagtail_passes:order", pending.reference) if pending else "",
    }


@require_http_methods(["GET", "HEAD"])
def session_passes(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = get_object_or_404(Session.objects.with_related(), pk=pk)
    member = request.user
    back = safe_next(request)
    now = timezone.now()
    window = session.booking_window(now)
    context = {
        "session": session,
        "programme": session.programme,
        "back": back,
        "book_url": book_url(session, back),
        "window_message": "" if window.ok else window.message,
        "already_pays": False,
        "options": [],
        "orders_url": optional_url("wagtail_passes:orders"),
    }
    if window.ok:
        evaluated = services.evaluate_member_passes(member, session)
        context["already_pays"] = any(p.verdict.ok for p in evaluated)
        options = pass_options(
            member,
            session,
            evaluated,
            passed_view_restrictions=passed_view_restrictions(request),
            now=now,
        )
        context["options"] = [option_row(request, option, session) for option in options]
    return TemplateResponse(request, "wagtail_passes/calendars/passes.html", context)
