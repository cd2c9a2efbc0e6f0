"""Shared pieces of the ADMT tests: a register entry with a published notice, a clinic's system, people."""

from __future__ import annotations

import datetime as dt

from admt import services
from admt.models import AutomatedSystem, PreUseNotice
from fulfilment.models import System
from requests_app.models import ControllerOrganization

# Tue 1 Dec 2026, 17:00 UTC = 09:00 in California: the receipt date is 1 December 2026.
NOW = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)


def data_map_system(name: str, *, role: str = "internal", categories: list[str] | None = None) -> System:
    return System.objects.create(name=name, role=role, categories=categories or ["account", "usage"])


def automated_system(*, name: str = "Imaging triage", relationships: list[str] | None = None,
                     exception: str = "none", company_role: str = "business", clinic=None,
                     recipients: tuple[System, ...] = (), humans_qualify: bool = False,
                     **fields) -> AutomatedSystem:
    """A registered ADMT for a healthcare significant decision, through the service."""
    qualify = humans_qualify or exception == "human_appeal"
    entry = AutomatedSystem(
        system=data_map_system(f"{name} engine"), public_name=name,
        specific_purpose=f"{name}: ranks imaging studies for a radiologist's review order",
        significant_decision=True, decision_kind="healthcare", input_categories=["account", "usage"],
        relationships=relationships or ["registered_user", "website_visitor"],
        logic="A gradient-boosted model over study metadata; the key parameters are age of the study and modality.",
        output="A priority score from 0 to 100.", output_use="Studies above 80 are read first.",
        human_role="A radiologist sees the score.", human_can_interpret=qualify,
        human_reviews_other_information=qualify, human_can_change_decision=qualify,
        exception=exception, company_role=company_role, clinic=clinic,
        **{"alternative_process": "Your studies are read in arrival order instead.",
           "future_uses": "None planned.", **fields})
    services.automated_system_save(automated_system=entry, actor=None, reason="Test register entry")
    entry.recipients.set(recipients)
    return entry


def published_notice(entry: AutomatedSystem, *, actor=None) -> PreUseNotice:
    notice = services.notice_draft_create(automated_system=entry, actor=actor)
    return services.notice_publish(notice=notice, actor=actor)


def clinic(name: str = "Bayview Clinic") -> ControllerOrganization:
    return ControllerOrganization.objects.create(name=name, privacy_email="privacy@bayview.example")
