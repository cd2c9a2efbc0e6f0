"""Models of the Privacy requests app."""
