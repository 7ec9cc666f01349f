"""Views of the "Member passes" admin: the list with its "Assign a pass" button, the
inspect page (rules in words, holds, ledger) and the staff actions (K6, V7, R3, S4).

Each action is a small form: GET shows it, POST calls the service. A refusal of the
service comes back as a form error and changes nothing (the services run in a
transaction); success redirects to the pass's inspect page with a message.
"""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.views import IndexView, InspectView, InstanceSpecificView, WMABaseView

from ..exceptions import PassError
from ..models import (
    MemberPass,
    PassStatus,
    ProductKind,
    Programme,
    ProgrammeClass,
    ValidityBasis,
)
from ..presentation import EMPTY, person
from ..rules.money import Money
from ..services import adjust_pass, assign_pass, cancel_pass, extend_pass, hold_pass
from ..services.facts import status_today
from .display import site_datetime, yes_no
from .forms_passes import (
    AdjustPassForm,
    AssignPassForm,
    CancelPassForm,
    ExtendPassForm,
    HoldPassForm,
)

# ---- member passes in words ------------------------------------------------------


def _number(value: Decimal) -> str:
    """7.00 -> "7"; 2.50 stays "2.50" (only money has fractions)."""
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


def _units(kind: str, left: str, total: Decimal | None) -> str:
    if total is None:
        return left
    count = int(total)
    params = {"left": left, "total": _number(total)}
    if kind == ProductKind.DAYS:
        return ngettext("%(left)s of %(total)s day", "%(left)s of %(total)s days", count) % params
    if kind == ProductKind.CREDITS:
        return (
            ngettext("%(left)s of %(total)s credit", "%(left)s of %(total)s credits", count)
            % params
        )
    return ngettext("%(left)s of %(total)s entry", "%(left)s of %(total)s entries", count) % params


def balance_text(member_pass: MemberPass) -> str:
    """What is left: "7 of 10 entries", "Unlimited", "32.50 GBP"."""
    if member_pass.kind == ProductKind.UNLIMITED:
        return gettext_now("Unlimited")
    if member_pass.kind == ProductKind.MONEY:
        return str(Money(member_pass.balance, member_pass.currency))
    return _units(member_pass.kind, _number(member_pass.balance), member_pass.quantity)


def gives_text(member_pass: MemberPass) -> str:
    """What the pass gave when issued: "10 entries", "Unlimited entries", "50.00 EUR"."""
    kind, quantity = member_pass.kind, member_pass.quantity
    if kind == ProductKind.UNLIMITED or quantity is None:
        return gettext_now("Unlimited entries")
    if kind == ProductKind.MONEY:
        return str(Money(quantity, member_pass.currency))
    count, number = int(quantity), _number(quantity)
    if kind == ProductKind.DAYS:
        return ngettext("%(n)s day", "%(n)s days", count) % {"n": number}
    if kind == ProductKind.CREDITS:
        return ngettext("%(n)s credit", "%(n)s credits", count) % {"n": number}
    return ngettext("%(n)s entry", "%(n)s entries", count) % {"n": number}


def _day(value) -> str:
    return date_format(value, "j F Y")


def _not_started_text(member_pass: MemberPass) -> str | None:
    """Why a pass with a time frame has no window yet (V2, V3), or None."""
    if member_pass.valid_from is not None or member_pass.validity_basis == ValidityBasis.FIXED:
        return None
    if not member_pass.duration_days:
        return None
    if member_pass.validity_basis == ValidityBasis.FIRST_USE:
        return gettext_now("Starts at first use")
    if member_pass.validity_basis == ValidityBasis.PAYMENT:
        return gettext_now("Starts when paid")
    return None


def valid_until_text(member_pass: MemberPass, day_format: str | None = None) -> str:
    """The last valid day, or "No expiry" / "Starts at first use" / "Starts when paid"."""
    if member_pass.valid_until is not None:
        return date_format(member_pass.valid_until, day_format)
    return _not_started_text(member_pass) or gettext_now("No expiry")


def valid_from_text(member_pass: MemberPass) -> str:
    if member_pass.valid_from is not None:
        return _day(member_pass.valid_from)
    return _not_started_text(member_pass) or EMPTY


def validity_rule_text(member_pass: MemberPass) -> str:
    """The validity rule copied from the product (V1-V4)."""
    basis, days = member_pass.validity_basis, member_pass.duration_days
    if basis == ValidityBasis.FIXED:
        if member_pass.fixed_start:
            return gettext_now("Fixed dates: from %(start)s to %(end)s") % {
                "start": _day(member_pass.fixed_start),
                "end": _day(member_pass.fixed_end),
            }
        return gettext_now("Fixed dates: from purchase until %(end)s") % {
            "end": _day(member_pass.fixed_end)
        }
    if not days:
        return gettext_now("Never expires")
    if basis == ValidityBasis.PAYMENT:
        return ngettext("%(n)s day from payment", "%(n)s days from payment", days) % {"n": days}
    if basis == ValidityBasis.FIRST_USE:
        return ngettext(
            "%(n)s day from the first session booked with it, including the whole last day",
            "%(n)s days from the first session booked with it, including the whole last day",
            days,
        ) % {"n": days}
    return ngettext("%(n)s day from purchase", "%(n)s days from purchase", days) % {"n": days}


def limit_text(member_pass: MemberPass) -> str:
    """U1: "At most 2 uses per week (Monday to Sunday)", or "No limit"."""
    if not member_pass.period_limit or not member_pass.period_max_uses:
        return gettext_now("No limit")
    uses = member_pass.period_max_uses
    return ngettext("At most %(n)s use %(period)s", "At most %(n)s uses %(period)s", uses) % {
        "n": uses,
        "period": member_pass.get_period_limit_display(),
    }


def coverage_text(member_pass: MemberPass) -> str:
    """U2: the programmes and classes the pass pays for."""
    if not member_pass.programme_ids and not member_pass.class_ids:
        return gettext_now("Every programme and class")
    parts = []
    programmes = Programme.objects.filter(pk__in=member_pass.programme_ids).order_by("name")
    if programmes:
        parts.append(
            gettext_now("Programmes: %(names)s") % {"names": ", ".join(map(str, programmes))}
        )
    classes = (
        ProgrammeClass.objects.filter(pk__in=member_pass.class_ids)
        .select_related("programme")
        .order_by("programme__name", "name")
    )
    if classes:
        names = ", ".join(f"{c.programme} – {c}" for c in classes)
        parts.append(
            gettext_now("Classes (and the classes linked to them): %(names)s") % {"names": names}
        )
    return "; ".join(parts) or gettext_now("Programmes and classes that no longer exist")


def attendees_text(member_pass: MemberPass) -> str:
    """U3."""
    if member_pass.allows_additional_attendees:
        return gettext_now("One booking may hold several places, each paid by the pass")
    return gettext_now("One place per session")


def signed_amount_text(member_pass: MemberPass, amount: Decimal) -> str:
    """A ledger amount with its sign: "+10", "-1", "-12.00 EUR"."""
    if member_pass.kind == ProductKind.MONEY:
        text = str(Money(abs(amount), member_pass.currency))
    else:
        text = _number(abs(amount))
    if amount > 0:
        return f"+{text}"
    return f"-{text}" if amount < 0 else text


def balance_after_text(member_pass: MemberPass, balance: Decimal) -> str:
    if member_pass.kind == ProductKind.UNLIMITED:
        return EMPTY
    if member_pass.kind == ProductKind.MONEY:
        return str(Money(balance, member_pass.currency))
    return _number(balance)


def ledger_row(entry, member_pass, about: str) -> dict:
    """One row of a ledger table (``admin/includes/ledger_table.html``); ``about`` fills
    the column that says what the movement concerns (its session, or its pass)."""
    return {
        "pk": entry.pk,
        "when": site_datetime(entry.created_at),
        "movement": entry.get_kind_display(),
        "amount": signed_amount_text(member_pass, entry.amount),
        "balance_after": balance_after_text(member_pass, entry.balance_after),
        "about": about,
        "who": person(entry.created_by),
        "why": entry.reason or EMPTY,
    }


# ---- list and inspect ------------------------------------------------------------


class MemberPassIndexView(IndexView):
    """The list, with an "Assign a pass" button for those who may assign (K6)."""

    def get_context_data(self, **kwargs):
        if self.permission_helper.user_can_assign(self.request.user):
            kwargs["assign_button"] = self.button_helper.assign_button()
        return super().get_context_data(**kwargs)


class MemberPassInspectView(InspectView):
    """Everything about one member pass: its rules in words, window, holds and ledger.

    Nothing on it can be edited; the ledger is the only way its balance changes (R3).
    """

    def get_page_title(self):
        return self.instance.title

    def get_page_subtitle(self):
        return person(self.instance.member)

    def get_fields_dict(self):
        member_pass = self.instance
        paid = yes_no(member_pass.is_paid)
        if member_pass.paid_at:
            paid = f"{paid} ({site_datetime(member_pass.paid_at)})"
        rows = [
            (_("Member"), person(member_pass.member)),
            (_("Product"), member_pass.product.title if member_pass.product else EMPTY),
            (_("Status"), PassStatus(status_today(member_pass)).label),
            (_("Left"), balance_text(member_pass)),
            (_("Kind"), member_pass.get_kind_display()),
            (_("Issued with"), gives_text(member_pass)),
            (_("Price"), str(Money(member_pass.price, member_pass.currency))),
            (_("Paid"), paid),
            (_("Bought or assigned"), site_datetime(member_pass.purchased_at)),
            (_("Assigned by"), person(member_pass.assigned_by)),
            (_("Validity"), validity_rule_text(member_pass)),
            (_("Valid from"), valid_from_text(member_pass)),
            (_("Valid until"), valid_until_text(member_pass, "j F Y")),
            (_("Usage limit"), limit_text(member_pass)),
            (_("Valid for"), coverage_text(member_pass)),
            (_("Additional attendees"), attendees_text(member_pass)),
            (_("The member may put it on hold"), yes_no(member_pass.member_can_hold)),
            (_("Auto-renew"), yes_no(member_pass.auto_renew)),
        ]
        return [{"label": label, "value": value} for label, value in rows]

    def ledger_rows(self):
        member_pass = self.instance
        entries = member_pass.ledger.select_related(
            "created_by", "session__programme_class"
        ).order_by("created_at", "pk")
        return [
            ledger_row(entry, member_pass, str(entry.session) if entry.session_id else EMPTY)
            for entry in entries
        ]

    def hold_rows(self):
        return [
            {
                "starts_on": _day(hold.starts_on),
                "ends_on": _day(hold.ends_on),
                "days": hold.days,
                "who": person(hold.created_by),
                "why": hold.reason or EMPTY,
            }
            for hold in self.instance.holds.select_related("created_by")
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            ledger_rows=self.ledger_rows(), hold_rows=self.hold_rows(), **kwargs
        )


# ---- staff actions ---------------------------------------------------------------


class PassActionView(WMABaseView, FormView):
    """GET shows the form; a valid POST calls :meth:`perform`. A ``PassError`` becomes
    a form error (the service's transaction left everything as it was)."""

    template_name = "wagtail_passes/admin/member_passes/action_form.html"
    intro = ""
    submit_label = _("Save")

    def get_meta_title(self):
        return self.get_page_title()

    def perform(self, form):
        raise NotImplementedError

    def success_message(self, result) -> str:
        raise NotImplementedError

    def member_pass_of(self, result) -> MemberPass:
        raise NotImplementedError

    @cached_property
    def cancel_url(self):
        return self.index_url

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except PassError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(result))
        return redirect(self.get_success_url(result))

    def get_success_url(self, result=None):
        member_pass = self.member_pass_of(result)
        helper, user = self.permission_helper, self.request.user
        if helper.user_can_inspect_obj(user, member_pass):
            return self.url_helper.get_action_url("inspect", member_pass.pk)
        if helper.user_can_list(user):
            return self.index_url
        return reverse("wagtailadmin_home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro=self.intro, submit_label=self.submit_label, cancel_url=self.cancel_url, **kwargs
        )


class AssignPassView(PassActionView):
    """K6: give any product to a member by hand, logged in the ledger with who and why."""

    page_title = _("Assign a pass")
    form_class = AssignPassForm
    intro = _(
        "The member gets their own copy of the product's rules, at no charge. The ledger "
        "records that you assigned it, and why."
    )
    submit_label = _("Assign")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_assign(user)

    def get_page_subtitle(self):
        return ""

    def perform(self, form):
        data = form.cleaned_data
        return assign_pass(
            data["member"],
            data["product"],
            by=self.request.user,
            paid=data["paid"],
            reason=data["reason"],
        )

    def member_pass_of(self, result):
        return result

    def success_message(self, result):
        return gettext_now("“%(title)s” assigned to %(member)s.") % {
            "title": result.title,
            "member": person(result.member),
        }


class MemberPassActionView(InstanceSpecificView, PassActionView):
    """An action on one member pass; it returns to the pass's inspect page."""

    def get_page_subtitle(self):
        return f"{self.instance.title} – {person(self.instance.member)}"

    @cached_property
    def cancel_url(self):
        if self.permission_helper.user_can_inspect_obj(self.request.user, self.instance):
            return self.url_helper.get_action_url("inspect", self.pk_quoted)
        return self.index_url

    def member_pass_of(self, result):
        return self.instance

    def refreshed(self) -> MemberPass:
        self.instance.refresh_from_db()
        return self.instance


class HoldPassView(MemberPassActionView):
    """V7: the pass cannot pay for sessions in the hold, and its expiry moves out."""

    page_title = _("Put on hold")
    form_class = HoldPassForm
    intro = _(
        "The pass cannot pay for sessions from the first to the last day of the hold, and "
        "its expiry moves out by the hold's days. Sessions already booked with it in that "
        "period must be cancelled first."
    )
    submit_label = _("Put on hold")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_hold_obj(user, self.instance)

    def perform(self, form):
        data = form.cleaned_data
        return hold_pass(
            self.instance,
            data["starts_on"],
            data["ends_on"],
            by=self.request.user,
            reason=data["reason"],
        )

    def success_message(self, result):
        params = {"start": _day(result.starts_on), "end": _day(result.ends_on)}
        message = gettext_now("On hold from %(start)s to %(end)s.") % params
        member_pass = self.refreshed()
        if member_pass.valid_until is not None:
            message += " " + gettext_now("It is now valid until %(day)s.") % {
                "day": _day(member_pass.valid_until)
            }
        return message


class AdjustPassView(MemberPassActionView):
    """R3/S4: a ledger movement that adds to or takes from the balance, with a reason."""

    page_title = _("Adjust balance")
    form_class = AdjustPassForm
    intro = _(
        "The change is a new movement in the pass's ledger, with your name and reason. "
        "The balance can never go below 0."
    )
    submit_label = _("Adjust balance")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_adjust_obj(user, self.instance)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member_pass": self.instance}

    def get_context_data(self, **kwargs):
        return super().get_context_data(balance=balance_text(self.instance), **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return adjust_pass(
            self.instance, data["amount"], by=self.request.user, reason=data["reason"]
        )

    def success_message(self, result):
        member_pass = self.refreshed()
        return gettext_now("Balance adjusted by %(amount)s; now %(left)s.") % {
            "amount": signed_amount_text(member_pass, result.amount),
            "left": balance_text(member_pass),
        }


class ExtendPassView(MemberPassActionView):
    """S4: move the end of the validity window out, as a ledger movement."""

    page_title = _("Extend")
    form_class = ExtendPassForm
    intro = _(
        "The days are added to the last valid day, as a movement in the pass's ledger with "
        "your name. An expired pass whose new last day is today or later can be used again, "
        "with what its expiry wrote off."
    )
    submit_label = _("Extend")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_change_obj(user, self.instance)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            balance=valid_until_text(self.instance, "j F Y"),
            balance_label=_("Valid until"),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        return extend_pass(self.instance, data["days"], by=self.request.user, reason=data["reason"])

    def success_message(self, result):
        member_pass = self.refreshed()
        return gettext_now("Extended by %(days)s days; valid until %(day)s.") % {
            "days": result.days,
            "day": valid_until_text(member_pass, "j F Y"),
        }


class CancelPassView(MemberPassActionView):
    """S4: cancel a pass; a ledger movement writes off what is left."""

    page_title = _("Cancel pass")
    form_class = CancelPassForm
    intro = _(
        "The pass can no longer pay for anything, and what is left on it is written off in "
        "its ledger. A pass that pays for upcoming sessions cannot be cancelled until those "
        "bookings are. Refunding the member is a separate step."
    )
    submit_label = _("Cancel pass")

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_change_obj(user, self.instance)

    def get_context_data(self, **kwargs):
        return super().get_context_data(balance=balance_text(self.instance), **kwargs)

    def perform(self, form):
        return cancel_pass(self.instance, by=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, result):
        member_pass = self.refreshed()
        return gettext_now("“%(title)s” of %(member)s cancelled.") % {
            "title": member_pass.title,
            "member": person(member_pass.member),
        }
