"""Billing: wire shapes."""
