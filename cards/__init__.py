"""Adaptive Card builders: pure functions from data to typed cards (version 1.5, cards/elements.py),
and the bodies of the answers to invokes (cards/envelopes.py)."""
