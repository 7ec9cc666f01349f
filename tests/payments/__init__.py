"""Tests of the payment providers (C2): Stripe Checkout through a recording HTTP client (no
network), signed webhook fixtures, the return page and the provider registry."""
