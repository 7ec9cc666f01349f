"""The front desk in the Wagtail admin: a member's profile, today's check-in, desk
sales, and exports of the lists. Registered under /admin/passes-desk/ by
``wagtail_hooks.py``; URL names live in the ``wagtail_passes_desk`` namespace."""
