"""Tests of the member's own pages: My passes (M1) and My bookings (M2)."""

from bs4 import BeautifulSoup


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def words(element):
    return " ".join(element.stripped_strings) if element is not None else ""
