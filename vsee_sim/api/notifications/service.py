"""Notifications: use cases."""
