"""Appointments: use cases."""
