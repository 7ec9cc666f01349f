"""Turning a pass's auto-renewal on or off (N1, N2): a POST from My passes or the pass's
page, through ``services.renewals``. Works without JavaScript.

- Another member's pass (or no such pass) is a 404, looked up before the method is checked.
- Sent twice, nothing more happens: the service leaves a pass that already renews (or
  does not) as it is, and the member sees the same outcome.
- A refusal (the product no longer renews, a commitment not met yet) shows the pass's
  page with the reason, status 409; a value other than "on" or "off" is a 400 with the
  same page.
"""

from __future__ import annotations

from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from ..checkout.views import login_first, see_other
from ..exceptions import PassError
from ..models import MemberPass
from ..services.renewals import opt_in, opt_out
from .passes import pass_page

#: Where the form came from, and so where the member goes back to.
BACK_TO_LIST = "list"


def pass_renewal(request, pk: int):
    if not request.user.is_authenticated:
        return login_first(request)
    member_pass = get_object_or_404(MemberPass.objects.filter(member=request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    choice = request.POST.get("renew", "")
    if choice not in ("on", "off"):
        return pass_page(
            request, pk, error=_("Choose whether the pass renews: on or off."), status=400
        )
    change = opt_in if choice == "on" else opt_out
    try:
        change(member_pass, request.user)
    except PassError as refusal:
        return pass_page(request, pk, error=refusal.message, status=409)
    if request.POST.get("back") == BACK_TO_LIST:
        url = reverse("wagtail_passes:my_passes")
    else:
        url = reverse("wagtail_passes:my_pass", kwargs={"pk": pk})
    return see_other(f"{url}?renewal={choice}")
