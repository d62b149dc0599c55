"""Notifications: wire shapes."""
