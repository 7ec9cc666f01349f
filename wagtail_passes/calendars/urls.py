"""Included by wagtail_passes.urls inside its "wagtail_passes" namespace."""

from django.urls import path, re_path

from .passes import session_passes
from .series import book_series, cancel_series, my_series, retry_series, series_page
from .standalone import standalone_calendar
from .views import book_session, booked, programme_sessions

# Ids are digits only, at most 18, so a bad or huge id is a 404 and never reaches the database.
urlpatterns: list = [
    re_path(r"^sessions/(?P<pk>[0-9]{1,18})/book/$", book_session, name="book_session"),
    # P3: the products that would pay for a session ("Get a pass").
    re_path(r"^sessions/(?P<pk>[0-9]{1,18})/passes/$", session_passes, name="session_passes"),
    re_path(r"^bookings/(?P<pk>[0-9]{1,18})/booked/$", booked, name="booked"),
    # T1, T2: "book every Tuesday 18:00 …" from a session, its result, cancelling it.
    re_path(r"^sessions/(?P<pk>[0-9]{1,18})/series/$", book_series, name="book_series"),
    path("series/", my_series, name="my_series"),
    re_path(r"^series/(?P<pk>[0-9]{1,18})/$", series_page, name="series"),
    re_path(r"^series/(?P<pk>[0-9]{1,18})/cancel/$", cancel_series, name="cancel_series"),
    re_path(r"^series/(?P<pk>[0-9]{1,18})/retry/$", retry_series, name="retry_series"),
    path("programmes/<slug:slug>/sessions/", programme_sessions, name="programme_sessions"),
    # A calendar block's own page (a block rendered by {{ page.body }}): the token is checked
    # in the view, so a bad one gets a page that says so.
    path("calendars/<str:token>/", standalone_calendar, name="calendar"),
]
