"""Shared machinery with no knowledge of any API area."""
