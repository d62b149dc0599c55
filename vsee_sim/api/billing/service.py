"""Billing: use cases."""
