"""The floors of the web benchmark: the least a Django site could do for the same request,
served by the same gunicorn as the real views, so ``ours / floor`` says what wagtail_passes
adds.

- ``ok``: a trivial view (the cost of Django and gunicorn alone);
- ``book``: booking with the plain ORM. GET renders a minimal page extending the site's
  base.html (the same page chrome as the real booking page) with a CSRF form; POST locks
  the session, counts its bookings, writes the booking, takes one entry off the member's
  pass and writes the ledger entry — what ``services.book`` must do at least — and
  answers 303 to a trivial page. No rules (window, eligibility, R1), no emails.

The third floor, a plain Wagtail page, is a page of the example's own type (bench/web.py
makes it), served by Wagtail's usual view.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from wagtail_passes.models import Booking, LedgerEntry, LedgerKind, MemberPass, Session

PAGE = """{% extends "base.html" %}
{% block title %}Book {{ session.programme_class.name }}{% endblock %}
{% block content %}
<h1>Book {{ session.programme_class.name }}</h1>
<p><time datetime="{{ session.start.isoformat }}">{{ session.start.isoformat }}</time></p>
{% if full %}<p role="alert">This session is full.</p>{% endif %}
{% if member_pass %}
<form method="post" action="">{% csrf_token %}
  <input type="hidden" name="member_pass" value="{{ member_pass }}">
  <button type="submit">Book</button>
</form>
{% endif %}
{% endblock %}"""

_template = None


def template():
    global _template
    if _template is None:  # compiled once per worker, as Django's cached loader would
        _template = engines["django"].from_string(PAGE)
    return _template


def ok(request):
    return HttpResponse("ok", content_type="text/plain")


def plain_orm_book(member, session_id: int, member_pass_id: int) -> Booking | None:
    """The booking's writes with the plain ORM, locks in the documented order (session, then
    pass); None when the session is full or the pass has nothing left."""
    with transaction.atomic():
        session = (
            Session.objects.select_for_update(of=("self",))
            .select_related("programme_class__programme")
            .get(pk=session_id)
        )
        # counted after the lock was granted: a decision on a fresh count
        taken = Booking.objects.active().filter(session=session).aggregate(n=Sum("attendees"))
        if (taken["n"] or 0) >= session.effective_capacity:
            return None
        member_pass = (
            MemberPass.objects.select_for_update()
            .only("balance")
            .get(pk=member_pass_id, member=member)
        )
        if member_pass.balance < 1:
            return None
        programme = session.programme_class.programme
        booking = Booking.objects.create(
            member=member,
            session=session,
            attendees=1,
            created_by=member,
            member_pass=member_pass,
            price=programme.default_unit_price,
            currency=programme.currency,
        )
        MemberPass.objects.filter(pk=member_pass.pk).update(balance=F("balance") - 1)
        LedgerEntry.objects.create(
            member_pass=member_pass,
            kind=LedgerKind.REDEEM,
            amount=Decimal(-1),
            balance_after=member_pass.balance - 1,
            session=session,
            session_day=session.local_date,
            attendees=1,
            booking=booking,
            created_by=member,
        )
    return booking


@require_http_methods(["GET", "POST"])
def book(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    full = False
    if request.method == "POST":
        try:
            chosen = int(request.POST.get("member_pass", ""))
        except ValueError:
            chosen = 0
        try:
            booked = plain_orm_book(request.user, pk, chosen)
        except (Session.DoesNotExist, MemberPass.DoesNotExist):
            booked = None
        if booked is not None:
            return HttpResponseRedirect(reverse("bench_floor_booked"), status=303)
        full = True
    session = get_object_or_404(Session.objects.select_related("programme_class"), pk=pk)
    member_pass = (
        MemberPass.objects.filter(member=request.user, balance__gte=1)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    context = {"session": session, "member_pass": member_pass, "full": full}
    return HttpResponse(template().render(context, request))
