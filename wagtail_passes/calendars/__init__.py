"""The calendar (CAL1, CAL2): the StreamField block, its views, booking from it, and a
programme's "Book a date" page (M3)."""
