"""Access and portability packages: a zip of the data found (JSON and CSV) plus a readable summary of what
the rules require (categories, sources, purposes, recipients, retention), never disclosing forbidden types;
the requester's signed download link; and deletion at expiry.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fulfilment import selectors as fulfilment_selectors
from fulfilment.errors import FulfilmentError
from fulfilment.models import AccessPackage, FulfilmentTask, PackageDownload, System
from fulfilment.rules import (
    FORBIDDEN_TYPES,
    PACKAGE_RIGHTS,
    RELATIONSHIP_CATEGORIES,
    ROLES,
    WITHHELD,
    forbidden_type_of_key,
    forbidden_type_of_value,
)
from medprivacy import access
from medprivacy.languages import language_normalize
from medprivacy.links import absolute
from outbox.services import message_send
from retention.categories import CATEGORIES
from timeline.models import TimelineEvent
from timeline.services import timeline_record

logger = logging.getLogger(__name__)

PACKAGE_SALT = "medprivacy.access-package"


class PackageUnavailable(Exception):
    """The link is invalid, or the package expired or was deleted (the message says which)."""

    def __init__(self, message: str, *, status: int, subject_erased: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.subject_erased = subject_erased


class EmailMismatch(Exception):
    """The e-mail typed on the download page is not the requester's."""


# ---------------------------------------------------------------------------------------------------------
# Redaction: the forbidden types (fulfilment_rules.FORBIDDEN_TYPES) never leave the building
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Redaction:
    withheld: set[str] = field(default_factory=set)

    def clean(self, value: Any, key: str = "") -> Any:
        """Return `value` with every forbidden field and value replaced by WITHHELD (recursively)."""
        if key:
            code = forbidden_type_of_key(key)
            if code is not None:
                self.withheld.add(code)
                return WITHHELD
        if isinstance(value, dict):
            return {str(k): self.clean(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.clean(v) for v in value]
        if isinstance(value, str):
            code = forbidden_type_of_value(value)
            if code is not None:
                self.withheld.add(code)
                return WITHHELD
        return value


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Return (path, text) pairs for every leaf: {"a": [{"b": 1}]} → [("a[0].b", "1")]."""
    if isinstance(value, dict):
        pairs = []
        for k, v in value.items():
            pairs.extend(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return pairs
    if isinstance(value, list):
        pairs = []
        for i, v in enumerate(value):
            pairs.extend(_flatten(v, f"{prefix}[{i}]"))
        return pairs
    return [(prefix, "" if value is None else str(value))]


# ---------------------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------------------


def _collect(dsr, redaction: Redaction) -> tuple[list[dict[str, Any]], list[tuple[str, bytes]]]:
    """Return one entry per system task that found data, and the result files of export tasks."""
    entries, files = [], []
    tasks = fulfilment_selectors.fulfilment_tasks_for_case(dsr).filter(
        action__in=["find", "export"], state=FulfilmentTask.State.DONE)
    for task in tasks.prefetch_related("evidence"):
        data = task.result.get("data") if isinstance(task.result, dict) else None
        entries.append({
            "system": task.system.name,
            "categories": [CATEGORIES[c].label for c in task.system.categories if c in CATEGORIES],
            "data": redaction.clean(data if data is not None else {}),
        })
        for evidence in task.evidence.filter(source="webhook"):
            with evidence.file.open("rb") as fh:
                files.append((f"files/{task.system.name}/{evidence.name}", fh.read()))
    return entries, files


def _summary_context(dsr, entries: list[dict[str, Any]], withheld: set[str]) -> dict[str, Any]:
    """What Art. 15 / §1798.110 ask for: the generic parts from the data map, the specific pieces found."""
    relationship = RELATIONSHIP_CATEGORIES.get(dsr.subject.relationship, frozenset())
    systems = [system for system, _ in fulfilment_selectors.systems_for_case(dsr)] or list(
        System.objects.filter(pk__in=dsr.fulfilment_tasks.values("system")))
    held = sorted({c for s in systems for c in s.categories if c in relationship}, key=list(CATEGORIES).index)
    return {
        "company_name": settings.COMPANY_NAME,
        "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "dsr": dsr,
        "generated_at": timezone.now(),
        # Labels and sources are marked in retention.categories and translated here (the requester's language).
        "categories": [{"label": translation.gettext(CATEGORIES[c].label),
                        "source": translation.gettext(CATEGORIES[c].source)} for c in held],
        "sources": sorted({translation.gettext(CATEGORIES[c].source) for c in held}),
        "systems": [{"name": s.name, "role": ROLES[s.role], "purposes": s.purposes, "retention": s.retention,
                     "categories": [translation.gettext(CATEGORIES[c].label) for c in s.categories
                                    if c in relationship]}
                    for s in systems],
        "recipients": [s for s in systems if s.role != "internal"],
        "sold_or_shared": [s for s in systems if s.role == "third_party"],
        "entries": [{**e, "rows": _flatten(e["data"])} for e in entries],
        "withheld": [FORBIDDEN_TYPES[code].label for code in FORBIDDEN_TYPES if code in withheld],
    }


def build_zip(dsr) -> bytes:
    """Return the package bytes: data.json, data.csv, summary.html and any files the systems returned."""
    redaction = Redaction()
    entries, files = _collect(dsr, redaction)
    document = {
        "case_reference": dsr.reference,
        "right": dsr.right,
        "generated_at": timezone.now().isoformat(),
        "systems": entries,
        "withheld_types": [FORBIDDEN_TYPES[c].label for c in FORBIDDEN_TYPES if c in redaction.withheld],
    }
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["system", "field", "value"])
    for entry in entries:
        for path, text in _flatten(entry["data"]):
            writer.writerow([entry["system"], path, text])
    with translation.override(language_normalize(dsr.submission.language)):  # the requester's language
        summary = render_to_string("fulfilment/package_summary.html",
                                   _summary_context(dsr, entries, redaction.withheld))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(document, indent=2, ensure_ascii=False))
        archive.writestr("data.csv", table.getvalue())
        archive.writestr("summary.html", summary)
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


def package_token(package: AccessPackage) -> str:
    return signing.dumps({"p": package.pk}, salt=PACKAGE_SALT)


def package_url(package: AccessPackage) -> str:
    return absolute(reverse("fulfilment:package", args=[package_token(package)]))


def access_package_build(*, dsr, actor: AbstractBaseUser) -> AccessPackage:
    """Build the package of an access or portability case whose tasks are finished, and send the link.

    Checks the officer's object permission on the case; refuses while the workflow does not allow disclosure
    (awaiting verification or the requester, an officer must still verify, closed) and while a task is open
    or failed.
    """
    if not access.case_can_change(user=actor, dsr=dsr):
        raise PermissionDenied("You may not work on this case.")
    if dsr.right not in PACKAGE_RIGHTS:
        raise FulfilmentError(f"{dsr.reference} is not an access or portability request.")
    # The workflow's word (requests_app.workflow.DISCLOSURE_STATUSES), read through the case like `is_open`:
    # no data leaves while the case waits for the requester or for verification. Read fresh, not as the caller
    # loaded it.
    dsr.refresh_from_db(fields=["status", "needs_officer_verification"])
    refusal = dsr.disclosure_refusal
    if refusal:
        raise FulfilmentError(f"{dsr.reference}: {refusal}")
    blocking = fulfilment_selectors.fulfilment_blocking_tasks(dsr).count()
    if blocking:
        raise FulfilmentError(f"{dsr.reference} still has {blocking} unfinished fulfilment task(s); "
                              f"finish them before building the package.")
    if not dsr.subject.email:
        raise FulfilmentError(f"{dsr.reference}: the requester has no e-mail address to send the link to.")
    content = build_zip(dsr)
    now = timezone.now()
    with transaction.atomic():
        package = AccessPackage(case=dsr, created_by=actor, created_at=now, size=len(content),
                                sha256=hashlib.sha256(content).hexdigest(),
                                expires_at=now + dt.timedelta(days=settings.MEDPRIVACY_PACKAGE_LINK_DAYS))
        package.file.save(f"{dsr.reference}.zip", ContentFile(content), save=False)
        package.save()
        message_send(submission=dsr.submission, template_key="access_package_ready", cases=[dsr], actor=actor,
                     context={"package_url": package_url(package), "expires_at": package.expires_at})
        timeline_record(dsr=dsr, kind=TimelineEvent.Kind.ATTACHMENT, actor=actor,
                        summary=f"Access package #{package.pk} built ({len(content)} bytes); link valid until "
                                f"{package.expires_at:%Y-%m-%d}")
    logger.info("case %s: access package %s built", dsr.pk, package.pk)
    return package


# ---------------------------------------------------------------------------------------------------------
# Download and expiry
# ---------------------------------------------------------------------------------------------------------


def package_from_token(token: str, *, now: dt.datetime | None = None) -> AccessPackage:
    """Return the live package a link names, or raise PackageUnavailable with a 404 or 410 status."""
    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=PACKAGE_SALT,
                             max_age=dt.timedelta(days=settings.MEDPRIVACY_PACKAGE_LINK_DAYS))
    except signing.SignatureExpired:
        raise PackageUnavailable(_("This download link has expired. Contact us to receive a new one."),
                                 status=410) from None
    except signing.BadSignature:
        raise PackageUnavailable(_("This download link is not valid. Check that you copied the whole link."),
                                 status=404) from None
    package = AccessPackage.objects.select_related("case__subject").filter(pk=data.get("p")).first()
    if package is None:
        raise PackageUnavailable(_("This download link is not valid."), status=404)
    if package.case.subject.erased_at is not None:
        raise PackageUnavailable(_("The data of this package was erased."), status=410, subject_erased=True)
    if package.deleted_at is not None or package.expires_at <= now or not package.file:
        raise PackageUnavailable(_("This package has expired and was deleted. Contact us to receive a new one."),
                                 status=410)
    return package


def _normalize_email(email: str) -> str:
    return email.strip().lower()


def access_package_download(*, package: AccessPackage, email: str) -> PackageDownload:
    """Record a download after the requester re-confirmed their e-mail; raise EmailMismatch otherwise.

    Guessing is limited per client by the caller (security.ratelimit scope "packages.email_attempts"), not
    per link, so a stranger's wrong guesses never lock the requester out of their package.
    """
    expected = package.case.subject.email
    if not expected or _normalize_email(email) != _normalize_email(expected):
        logger.info("access package %s: e-mail confirmation failed", package.pk)
        raise EmailMismatch(_("This is not the e-mail address the request was made with."))
    now = timezone.now()
    with transaction.atomic():
        download = PackageDownload.objects.create(package=package, at=now)
        AccessPackage.objects.filter(pk=package.pk).update(download_count=F("download_count") + 1)
        AccessPackage.objects.filter(pk=package.pk, delivered_at__isnull=True).update(delivered_at=now)
        timeline_record(dsr=package.case, kind=TimelineEvent.Kind.OTHER, label="requester",
                        summary=f"Access package #{package.pk} downloaded")
    return download


def access_package_expire_sweep(*, now: dt.datetime | None = None) -> int:
    """Delete the files of packages past their expiry; return how many were deleted."""
    now = now or timezone.now()
    deleted = 0
    for package_id in fulfilment_selectors.packages_due_for_deletion(now=now):
        # Claim first (compare-and-set), so two sweeps never both act on one package.
        if AccessPackage.objects.filter(pk=package_id, deleted_at__isnull=True).update(deleted_at=now) != 1:
            continue
        package = AccessPackage.objects.select_related("case").get(pk=package_id)
        if package.file:
            package.file.storage.delete(package.file.name)
        AccessPackage.objects.filter(pk=package_id).update(file="")
        timeline_record(dsr=package.case, kind=TimelineEvent.Kind.OTHER,
                        summary=f"Access package #{package_id} deleted at expiry")
        deleted += 1
    if deleted:
        logger.info("access packages deleted at expiry: %s", deleted)
    return deleted
