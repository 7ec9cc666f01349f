"""The member-facing checkout (C1) and the member's own orders ("My orders")."""
