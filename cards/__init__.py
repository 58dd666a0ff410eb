"""Adaptive Card builders: pure functions from data to card JSON (version 1.5)."""
