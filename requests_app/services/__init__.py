"""Every write of the requests app goes through these services (see shared/STYLE.md)."""
