"""Intakes: use cases."""
