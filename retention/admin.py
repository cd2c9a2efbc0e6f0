"""Admin of the Retention app: thin, querysets from selectors, writes through services."""
