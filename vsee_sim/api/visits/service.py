"""Visits: use cases."""
