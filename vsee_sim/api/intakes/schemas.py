"""Intakes: wire shapes."""
