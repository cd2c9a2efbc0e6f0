"""Admin of the Privacy requests app: thin, querysets from selectors, writes through services."""
from requests_app import fulfilment_admin  # noqa: F401,E402
