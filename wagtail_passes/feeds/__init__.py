"""iCalendar feeds (CAL3): a programme's sessions and a member's own bookings."""
