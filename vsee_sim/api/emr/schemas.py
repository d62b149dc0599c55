"""Emr: wire shapes."""
