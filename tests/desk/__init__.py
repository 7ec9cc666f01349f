"""Tests of the front desk (issue 18): member profile, check-in, desk sales, exports."""
