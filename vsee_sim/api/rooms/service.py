"""Rooms: use cases."""
