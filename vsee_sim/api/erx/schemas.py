"""Erx: wire shapes."""
