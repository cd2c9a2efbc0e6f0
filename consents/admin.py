"""Admin of the Consents app: thin, querysets from selectors, writes through services."""
