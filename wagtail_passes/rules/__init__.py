"""Pure functions for the product's rules.

Nothing in this package touches the database or imports from ``services``: every
function takes plain values and returns plain values, so each rule can be tested
exhaustively on its own.
"""
