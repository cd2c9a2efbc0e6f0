"""Admin of the Privacy requests app: thin, querysets from selectors, writes through services."""
