"""The test site's member accounts: the smallest sign-up and sign-in a host site could have.

wagtail_passes relies only on the host's LOGIN_URL (here Django's default,
/accounts/login/) and its ``next`` parameter. The example site uses django-allauth; the
tests keep to Django's own views so the suite never depends on it.
"""

from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme


def signup(request):
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})
