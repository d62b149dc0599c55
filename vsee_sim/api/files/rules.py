"""Files: pure rules (values and now in, decisions out)."""
