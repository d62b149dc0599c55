"""Erx: use cases."""
