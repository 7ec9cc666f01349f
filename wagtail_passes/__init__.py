"""Passes, credit packs and session booking for Wagtail sites."""

__version__ = "0.1.0.dev0"
