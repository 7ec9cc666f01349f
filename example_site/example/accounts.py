"""The example site's django-allauth adapter (ACCOUNT_ADAPTER in settings.py).

allauth keeps email addresses in its own table and, with mandatory verification, lets
nobody sign in until one is confirmed. Users made outside allauth (``passes_demo
--logins``, ``createsuperuser``, the Wagtail admin's Users) have no row there: they were
made by staff, so their email address is taken as confirmed the first time they sign in.
Everyone who signs up through the site confirms theirs by email, as usual.

wagtail_passes itself knows nothing of this: it only sends visitors to LOGIN_URL.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress


class AccountAdapter(DefaultAccountAdapter):
    def pre_login(self, request, user, **kwargs):
        if user.email and not EmailAddress.objects.filter(user=user).exists():
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        return super().pre_login(request, user, **kwargs)
