"""Rooms: wire shapes."""
