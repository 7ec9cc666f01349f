"""One-time tokens for the admin's money forms (issue 17, item 14): the same form sent
twice acts once, like the checkout's (``checkout/once.py``).

A token is issued into the staff member's session when a form is shown, for that form's
address only, and sent back in a hidden field. Sending the form:

1. the token must be one this session was given for this address; an unknown, forged or
   missing one changes nothing and the form comes back ("out of date", with a new token);
2. a token already spent changes nothing either: the request leads where the first one
   led (the order's or the pass's page), saying it was done already;
3. the token is *claimed* in the database before the service is called
   (``services.form_tokens``: a row under a unique token). Of two requests sending it at
   the same instant (a double click: both read the session before either wrote it), even
   in two server processes, only one gets the claim; the other changes nothing and leads
   to the page. The claim stays, so it also covers the moment between the first request's
   answer and its session being saved, and a session write lost to another tab;
4. once the service has answered, the token is spent in the session: with where it led
   (done), or, when the service refused, retired (the form comes back with a new token:
   a token stands for one call of the service, which may have recorded something under
   it, such as a refused refund's request key).

Where money goes out the services also decide under the order's row lock: the token is
the refund's request key (``services.refunds.refund(..., request_key=token)``), and "Mark
paid" and the desk payment are refused the second time by their services.

Why the database and not ``cache.add``: an atomic "add" holds only in a cache every
process shares, and Django's default cache is per process (the checkout's token is
decided by the database for the same reason, docs/decisions.md).
"""

from __future__ import annotations

import secrets

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages

from ..services.form_tokens import claim_form_token, release_form_token

#: The name of the hidden field that carries the token.
FIELD = "form_token"
SESSION_KEY = "wagtail_passes_admin_tokens"
#: Tokens kept per session: enough for the forms of a busy desk open in tabs at once, and
#: small enough for a session kept in a cookie (about 90 bytes each).
KEEP = 20
#: The longest token accepted (issued ones are 32 characters).
MAX_LENGTH = 64
RETIRED = "-"

OUT_OF_DATE = _("This form is out of date: check it and send it again.")
BEING_SENT = _(
    "This form was sent twice at the same time: only one counts. Check below that it did "
    "what you meant."
)


def issue(request) -> str:
    """A new token for the form at ``request.path``, remembered in the session."""
    token = secrets.token_hex(16)
    tokens = dict(request.session.get(SESSION_KEY, {}))
    tokens[token] = [request.path, ""]
    request.session[SESSION_KEY] = dict(list(tokens.items())[-KEEP:])
    return token


def sent(request) -> str:
    """The token the POST carries ("" when it carries none)."""
    return str(request.POST.get(FIELD, "")).strip()[:MAX_LENGTH]


def state(request, token: str) -> str | None:
    """None for a token this session was not given for this form (forged, expired,
    missing) or one retired after a refusal; "" for an unused one; else where its form
    led once done."""
    path, done = request.session.get(SESSION_KEY, {}).get(token) or (None, None)
    if path != request.path or done == RETIRED:
        return None
    return done


def spend(request, token: str, done: str) -> None:
    """``token``'s form did its work; sending it again leads to ``done`` (a URL)."""
    _set(request, token, done)


def retire(request, token: str) -> None:
    """``token``'s form was refused by the service: it cannot be used again."""
    _set(request, token, RETIRED)


def _set(request, token: str, done: str) -> None:
    tokens = dict(request.session.get(SESSION_KEY, {}))
    if token in tokens:
        tokens[token] = [tokens[token][0], done]
        request.session[SESSION_KEY] = tokens


class OneTimeFormMixin:
    """For an admin ``FormView`` whose form moves money or changes what a member holds:
    its form carries a one-time token (see the module), rendered by the action templates
    from ``form_token``. The view's ``form_valid`` calls the service; a redirect is its
    success, any other answer a refusal shown on the form."""

    #: What a second sending of the same form is told, on the page it leads to.
    done_already = _("This was done already; nothing changed.")
    #: The token of the form being sent, while the service is called (a request key).
    sent_token = ""
    #: The token the page being rendered carries.
    form_token = ""

    def get(self, request, *args, **kwargs):
        self.form_token = issue(request)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        token = sent(request)
        done = state(request, token)
        if done:  # this very form did its work already: lead to it, change nothing
            messages.warning(request, self.done_already)
            return redirect(done)
        form = self.get_form()
        if done is None:
            self.form_token = issue(request)
            form.add_error(None, OUT_OF_DATE)
            return self.form_invalid(form)
        self.form_token = token
        if not form.is_valid():
            return self.form_invalid(form)
        if not claim_form_token(
            token
        ):  # the same form, sent at this very moment by another request
            messages.warning(request, BEING_SENT)
            return redirect(self.return_url)
        return self._call_once(form, token)

    def _call_once(self, form, token: str):
        self.sent_token = token
        try:
            response = self.form_valid(form)
        except BaseException:
            release_form_token(token)  # nothing answered: it may be sent again
            raise
        if response.status_code in (301, 302, 303):
            spend(self.request, token, response.url)
        else:  # refused: the form comes back (not rendered yet) with a new token
            retire(self.request, token)
            self.form_token = issue(self.request)
            response.context_data["form_token"] = self.form_token
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(form_token=self.form_token, **kwargs)
