"""The member's own pages: My passes (M1) and My bookings (M2)."""
