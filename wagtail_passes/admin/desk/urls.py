"""URLs of the front desk (namespace ``wagtail_passes_desk``)."""

from .checkin import urlpatterns as checkin_urls
from .exports import urlpatterns as export_urls
from .household import urlpatterns as household_urls
from .profile import urlpatterns as profile_urls
from .sales import urlpatterns as sale_urls

app_name = "wagtail_passes_desk"
urlpatterns = [*profile_urls, *household_urls, *checkin_urls, *sale_urls, *export_urls]
