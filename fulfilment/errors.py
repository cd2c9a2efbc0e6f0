"""Errors of fulfilment steps, shared by its services and packages."""

from __future__ import annotations


class FulfilmentError(ValueError):
    """A fulfilment step that is not allowed; the message says why, in words for an officer."""


class FulfilmentBlocked(FulfilmentError):
    """The case still has open or failed tasks."""
