"""Appointments: wire shapes."""
