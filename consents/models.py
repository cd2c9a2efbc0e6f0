"""Models of the Consents app."""
