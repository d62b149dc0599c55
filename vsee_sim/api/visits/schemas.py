"""Visits: wire shapes."""
