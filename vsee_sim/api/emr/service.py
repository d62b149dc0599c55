"""Emr: use cases."""
