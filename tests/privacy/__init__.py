"""Tests of Wagtail's page privacy on products (A2) and of "membership required" (U5)."""
