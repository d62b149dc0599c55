"""Files: stored uploads and their signed URLs."""
