"""Files: wire shapes."""
