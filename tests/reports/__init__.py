"""Tests of the staff reports (S1 pass holders, S2 outstanding payments) and the admin
home panel. The clock is frozen on Wednesday 10 March 2027, 10:00 in London (GMT, the
same as UTC until the clocks change on 28 March), so every expected value below is
worked out by hand from that day."""
