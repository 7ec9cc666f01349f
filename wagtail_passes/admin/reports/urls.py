"""URLs of the reports, under the admin (``register_admin_urls``): each report and
the results-only view Wagtail's filters refresh."""

from django.urls import path

from .outstanding import OutstandingReportView
from .pass_holders import PassHoldersReportView

app_name = "wagtail_passes_reports"

urlpatterns = [
    path("pass-holders/", PassHoldersReportView.as_view(), name="pass_holders"),
    path(
        "pass-holders/results/",
        PassHoldersReportView.as_view(results_only=True),
        name="pass_holders_results",
    ),
    path("outstanding/", OutstandingReportView.as_view(), name="outstanding"),
    path(
        "outstanding/results/",
        OutstandingReportView.as_view(results_only=True),
        name="outstanding_results",
    ),
]
