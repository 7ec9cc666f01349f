"""Views of the "Member passes" admin: the list with its "Assign a pass" button, the
inspect page (rules in words, holds, ledger) and the staff actions (K6, V7, R3, S4).

Each action is a small form: GET shows it, POST calls the service. A refusal of the
service comes back as a form error and changes nothing (the services run in a
transaction); success redirects to the pass's inspect page with a message.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail_modeladmin.views import InspectView, InstanceSpecificView, WMABaseView

from ..exceptions import PassError
from ..models import MemberPass, PassStatus, Renewal, RenewWhen
from ..presentation import (
    EMPTY,
    attending,
    format_day,
    format_short_moment,
    ledger_row,
    pass_attendees,
    pass_balance,
    pass_coverage,
    pass_issued_with,
    pass_movement,
    pass_usage_limit,
    pass_valid_from,
    pass_valid_until,
    pass_validity_rule,
    person,
)
from ..rules.money import Money
from ..rules.standing import renewal as renewal_words
from ..services import adjust_pass, assign_pass, cancel_pass, extend_pass, hold_pass
from ..services.facts import status_today
from ..services.permissions import can_sell_at_desk
from ..services.renewals import (
    commitment_progress,
    describe_renewal,
    renewal_due_on,
    staff_stop_renewal,
    stop_renewal_outcome,
)
from .base import PassesIndexView
from .display import yes_no
from .forms_passes import (
    AdjustPassForm,
    AssignPassForm,
    CancelPassForm,
    ExtendPassForm,
    HoldPassForm,
    StopRenewalForm,
)
from .member_chooser import active_members
from .once import OneTimeFormMixin
from .return_to import safe_next_url

# ---- list and inspect ------------------------------------------------------------


class MemberPassIndexView(PassesIndexView):
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
            paid = f"{paid} ({format_short_moment(member_pass.paid_at)})"
        if member_pass.is_paid and member_pass.assigned_by_id:  # K6: given free
            paid = gettext("Complimentary, given by %(staff)s") % {
                "staff": person(member_pass.assigned_by)
            }
        rows = [
            (_("Holder"), attending(member_pass)),  # F2: who; "Member" stays the payer
            (_("Member"), person(member_pass.member)),
            (_("Product"), member_pass.product.title if member_pass.product else EMPTY),
            (_("Status"), PassStatus(status_today(member_pass)).label),
            (_("Left"), pass_balance(member_pass)),
            (_("Kind"), member_pass.get_kind_display()),
            (_("Issued with"), pass_issued_with(member_pass)),
            (_("Price"), str(Money(member_pass.price, member_pass.currency))),
            (_("Paid"), paid),
            (_("Bought or assigned"), format_short_moment(member_pass.purchased_at)),
            (_("Assigned by"), person(member_pass.assigned_by)),
            (_("Validity"), pass_validity_rule(member_pass)),
            (_("Valid from"), pass_valid_from(member_pass)),
            (_("Valid until"), pass_valid_until(member_pass)),
            (_("Usage limit"), pass_usage_limit(member_pass)),
            (_("Valid for"), pass_coverage(member_pass)),
            (_("Additional attendees"), pass_attendees(member_pass)),
            (_("The member may put it on hold"), yes_no(member_pass.member_can_hold)),
            (_("Auto-renew"), yes_no(member_pass.auto_renew)),
            *self.renewal_fields(),
        ]
        return [{"label": label, "value": value} for label, value in rows]

    def renewal_fields(self) -> list[tuple[str, str]]:
        """N1, N2: when it renews (the day the job orders it) and the commitment."""
        member_pass = self.instance
        renewal = self.renewal
        if renewal is not None:
            status = describe_renewal(renewal)  # from the renewal order's state
            if renewal.charge_attempts:
                status += " " + gettext("(card tried %(n)d times; last error: %(error)s)") % {
                    "n": renewal.charge_attempts,
                    "error": renewal.last_charge_error or EMPTY,
                }
        elif (due := renewal_due_on(member_pass)) is not None:
            status = gettext("Renews on %(day)s") % {"day": format_day(due)}
        elif member_pass.auto_renew:
            label = RenewWhen(member_pass.renew_when).label if member_pass.renew_when else ""
            status = renewal_words(True, str(label))
        else:
            status = gettext("Does not renew")
        rows = [(_("Renewal"), status)]
        progress = commitment_progress(member_pass)
        if progress.required:
            rows.append((_("Commitment"), progress.describe()))
        return rows

    @cached_property
    def renewal(self) -> Renewal | None:
        return Renewal.objects.filter(member_pass=self.instance).select_related("order").first()

    def renewal_order_url(self) -> str:
        if self.renewal is None:
            return ""
        try:
            return reverse("wagtail_passes_order_modeladmin_inspect", args=[self.renewal.order_id])
        except NoReverseMatch:
            return ""

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
                "starts_on": format_day(hold.starts_on),
                "ends_on": format_day(hold.ends_on),
                "days": hold.days,
                "who": person(hold.created_by),
                "why": hold.reason or EMPTY,
            }
            for hold in self.instance.holds.select_related("created_by")
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            ledger_rows=self.ledger_rows(),
            hold_rows=self.hold_rows(),
            renewal=self.renewal,
            renewal_order_url=self.renewal_order_url(),
            **kwargs,
        )


# ---- staff actions ---------------------------------------------------------------


class PassActionView(OneTimeFormMixin, WMABaseView, FormView):
    """GET shows the form; a valid POST calls :meth:`perform`. A ``PassError`` becomes
    a form error (the service's transaction left everything as it was). Each form changes
    what a member holds, so it carries a one-time token (``admin/once.py``): "extend by
    30 days" sent twice extends once."""

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
    def next_url(self) -> str:
        """Where staff came from (``?next=``, a member's profile), to return there."""
        return safe_next_url(self.request)

    @cached_property
    def cancel_url(self):
        return self.next_url or self.index_url

    @property
    def return_url(self):
        """Where the same form sent twice at once leads."""
        return self.cancel_url

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except PassError as error:
            form.add_pass_error(error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(result))
        return redirect(self.get_success_url(result))

    def get_success_url(self, result=None):
        if self.next_url:
            return self.next_url
        member_pass = self.member_pass_of(result)
        helper, user = self.permission_helper, self.request.user
        if helper.user_can_inspect_obj(user, member_pass):
            return self.url_helper.get_action_url("inspect", member_pass.pk)
        if helper.user_can_list(user):
            return self.index_url
        return reverse("wagtailadmin_home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            intro=self.intro,
            submit_label=self.submit_label,
            cancel_url=self.cancel_url,
            next_url=self.next_url,
            **kwargs,
        )


class AssignPassView(PassActionView):
    """K6: give any product to a member by hand, free of charge (complimentary), logged
    in the ledger with who and why. Points to "Sell at the desk" for a pass the member
    pays for."""

    page_title = _("Assign a pass")
    form_class = AssignPassForm
    done_already = _("This pass was assigned already; nothing changed.")
    submit_label = _("Assign")

    @property
    def intro(self):
        text = gettext(
            "The member gets their own copy of the product's rules, free of charge: the pass "
            "is complimentary. The ledger records that you gave it, and why."
        )
        if not can_sell_at_desk(self.request.user):
            return text
        return format_html(
            '{} {} <a href="{}">{}</a>',
            text,
            gettext("For a pass the member pays for, now or later:"),
            reverse("wagtail_passes_desk:sell"),
            gettext("Sell at the desk"),
        )

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_assign(user)

    def get_page_subtitle(self):
        return ""

    def perform(self, form):
        data = form.cleaned_data
        return assign_pass(
            data["member"], data["product"], by=self.request.user, reason=data["reason"]
        )

    def member_pass_of(self, result):
        return result

    def get_initial(self):
        """``?member=<id>``: the member chosen already (from their profile)."""
        initial = super().get_initial()
        member_id = str(self.request.GET.get("member", ""))
        if member_id.isascii() and member_id.isdigit() and len(member_id) <= 18:
            if active_members().filter(pk=int(member_id)).exists():
                initial["member"] = int(member_id)
        return initial

    def success_message(self, result):
        return gettext("“%(title)s” assigned to %(member)s.") % {
            "title": result.title,
            "member": person(result.member),
        }


class MemberPassActionView(InstanceSpecificView, PassActionView):
    """An action on one member pass; it returns to the pass's inspect page."""

    def get_page_subtitle(self):
        return f"{self.instance.title} – {person(self.instance.member)}"

    @cached_property
    def cancel_url(self):
        if self.next_url:
            return self.next_url
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
    done_already = _("This hold was recorded already; nothing changed.")
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
        params = {"start": format_day(result.starts_on), "end": format_day(result.ends_on)}
        message = gettext("On hold from %(start)s to %(end)s.") % params
        member_pass = self.refreshed()
        if member_pass.valid_until is not None:
            message += " " + gettext("It is now valid until %(day)s.") % {
                "day": format_day(member_pass.valid_until)
            }
        return message


class AdjustPassView(MemberPassActionView):
    """R3/S4: a ledger movement that adds to or takes from the balance, with a reason."""

    page_title = _("Adjust balance")
    form_class = AdjustPassForm
    done_already = _("This adjustment was made already; nothing changed.")
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
        return super().get_context_data(balance=pass_balance(self.instance), **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return adjust_pass(
            self.instance, data["amount"], by=self.request.user, reason=data["reason"]
        )

    def success_message(self, result):
        member_pass = self.refreshed()
        return gettext("Balance adjusted by %(amount)s; now %(left)s.") % {
            "amount": pass_movement(member_pass, result.amount),
            "left": pass_balance(member_pass),
        }


class ExtendPassView(MemberPassActionView):
    """S4: move the end of the validity window out, as a ledger movement."""

    page_title = _("Extend")
    form_class = ExtendPassForm
    done_already = _("This extension was made already; nothing changed.")
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
            balance=pass_valid_until(self.instance),
            balance_label=_("Valid until"),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        return extend_pass(self.instance, data["days"], by=self.request.user, reason=data["reason"])

    def success_message(self, result):
        member_pass = self.refreshed()
        return gettext("Extended by %(days)s days; valid until %(day)s.") % {
            "days": result.days,
            "day": pass_valid_until(member_pass),
        }


class CancelPassView(MemberPassActionView):
    """S4: cancel a pass; a ledger movement writes off what is left."""

    page_title = _("Cancel pass")
    form_class = CancelPassForm
    done_already = _("This pass was cancelled already; nothing changed.")
    submit_label = _("Cancel pass")

    @property
    def intro(self):
        text = gettext(
            "The pass can no longer pay for anything, and what is left on it is written off in "
            "its ledger. A pass that pays for upcoming sessions cannot be cancelled until those "
            "bookings are. Refunding the member is a separate step."
        )
        outcome = stop_renewal_outcome(self.instance)  # N1: what cancelling does to it
        if self.instance.auto_renew or outcome:
            text += " " + gettext("It stops renewing.")
        if outcome:
            text += " " + outcome
        return text

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_change_obj(user, self.instance)

    def get_context_data(self, **kwargs):
        return super().get_context_data(balance=pass_balance(self.instance), **kwargs)

    def perform(self, form):
        return cancel_pass(self.instance, by=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, result):
        member_pass = self.refreshed()
        return gettext("“%(title)s” of %(member)s cancelled.") % {
            "title": member_pass.title,
            "member": person(member_pass.member),
        }


class StopRenewalView(MemberPassActionView):
    """S4, N2: stop the pass renewing, whatever the member's commitment; audited."""

    page_title = _("Stop renewal")
    form_class = StopRenewalForm
    done_already = _("This renewal was stopped already; nothing changed.")
    submit_label = _("Stop renewal")

    @property
    def intro(self):
        progress = commitment_progress(self.instance)
        text = gettext("The pass will not renew when it is next due.")
        if outcome := stop_renewal_outcome(self.instance):  # what the stop does to its order
            text += " " + outcome
        if progress.required and not progress.met:
            text += " " + gettext(
                "The member committed to %(required)d payments: %(progress)s."
            ) % {"required": progress.required, "progress": progress.describe()}
        return text

    def check_action_permitted(self, user):
        return self.permission_helper.user_can_change_obj(user, self.instance)

    def perform(self, form):
        return staff_stop_renewal(
            self.instance, by=self.request.user, reason=form.cleaned_data["reason"]
        )

    def success_message(self, result):
        return gettext("“%(title)s” of %(member)s will no longer renew.") % {
            "title": result.title,
            "member": person(result.member),
        }
