"""The one list of data categories: the privacy policy §2 categories and the portal's own records.

Pure data, no Django. The retention schedule's `DataCategory` rows are seeded from it and carry its labels
(`retention/migrations/0006` reconciled the older names); the data map (`fulfilment`) reads which
categories exist, their labels, sources and sensitivity from it. Add a category here, then a data
migration that creates its `DataCategory` row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


def gettext_noop(message: str) -> str:
    """Mark `message` for translation (makemessages collects it) and return it unchanged: this module stays
    free of Django. Where a label or source is shown, translate it then: `gettext(label)` in Python,
    `{% translate label %}` in templates (as `regimes.rules` and `regimes.statements` do)."""
    return message


# Who the policy section is about (DataCategory.source).
VISITORS, PATIENTS, CLINICIANS, PORTAL = "visitors_users", "patients", "clinicians", "portal"

# Where the data comes from (CCPA §1798.110 "categories of sources"), shown in access packages.
PROVIDED = gettext_noop("Provided by you")
AUTOMATIC = gettext_noop("Collected automatically when you use our website and services")
FROM_REGISTERED_USER = gettext_noop("Submitted by your clinician or organization (a registered user of our services)")
FROM_THIRD_PARTIES = gettext_noop("Received from third parties (data brokers, marketing partners, public databases)")
FROM_SOCIAL = gettext_noop("Received through social media platforms when you interact with our pages")
FROM_PORTAL = gettext_noop("Created by this portal while handling your privacy requests")


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str  # the policy section (VISITORS, PATIENTS, CLINICIANS) or PORTAL
    source: str  # where it comes from
    description: str
    sensitive: bool = False


_ALL = (
    # Policy §2(a): website visitors and registered users.
    Category("contact_identification", gettext_noop("Contact and identification information"), VISITORS, PROVIDED,
             "Name, e-mail address, phone number, occupation, organization name, address."),
    Category("account", gettext_noop("Account information"), VISITORS, PROVIDED,
             "Username, password, e-mail address, user preferences.", sensitive=True),
    Category("payment", gettext_noop("Payment information"), VISITORS, PROVIDED,
             "Card number, billing and shipping address, transaction details (cards mostly held by processors).",
             sensitive=True),
    Category("usage", gettext_noop("Usage data"), VISITORS, AUTOMATIC,
             "Pages visited, features used, searches performed, time spent."),
    Category("device", gettext_noop("Device data"), VISITORS, AUTOMATIC,
             "IP address, browser, operating system, device type and identifiers."),
    Category("location", gettext_noop("Location data"), VISITORS, AUTOMATIC,
             "Approximate location derived from the IP address."),
    Category("search_browse_history", gettext_noop("Search and browse history"), VISITORS, AUTOMATIC,
             "Searches and pages visited in the Services."),
    Category("clickstream", gettext_noop("Clickstream data"), VISITORS, AUTOMATIC,
             "Links clicked on the website and in the Services."),
    Category("social_media", gettext_noop("Social media data"), VISITORS, FROM_SOCIAL,
             "Profile information and posts shared through social media."),
    Category("advertising", gettext_noop("Advertising data"), VISITORS, AUTOMATIC, "Ad impressions and clicks."),
    Category("third_party", gettext_noop("Third-party data"), VISITORS, FROM_THIRD_PARTIES,
             "Information from data brokers, partners, public databases."),
    # Policy §2(b): patients, submitted by registered users (we are the clinic's processor).
    Category("patient_medical_images", gettext_noop("Medical images"), PATIENTS, FROM_REGISTERED_USER,
             "CT, MRI, X-ray, DICOM files.", sensitive=True),
    Category("patient_identifiers", gettext_noop("Patient identifiers"), PATIENTS, FROM_REGISTERED_USER,
             "Full name, date of birth, identification numbers assigned by the provider.", sensitive=True),
    Category("patient_demographics", gettext_noop("Patient demographic information"), PATIENTS,
             FROM_REGISTERED_USER, "E.g. gender.", sensitive=True),
    Category("patient_clinical", gettext_noop("Clinical information"), PATIENTS, FROM_REGISTERED_USER,
             "Surgical and medical history, diagnoses, other health information.", sensitive=True),
    Category("patient_genetic", gettext_noop("Genetic data"), PATIENTS, FROM_REGISTERED_USER, "Genetic data.",
             sensitive=True),
    Category("patient_other_health", gettext_noop("Other health information"), PATIENTS, FROM_REGISTERED_USER,
             "Other sensitive health information relevant to the service provided (policy §2(b)).", sensitive=True),
    # Policy §2(c): clinicians and organizations.
    Category("clinician_professional", gettext_noop("Professional information about clinicians"), CLINICIANS, PROVIDED,
             "Name, specialty, license number, NPI number."),
    Category("organization_information", gettext_noop("Organization information"), CLINICIANS, PROVIDED,
             "Organization name, address, phone number, website, tax information."),
    # The portal's own records.
    Category("privacy_request_records", gettext_noop("Records of your privacy requests"), PORTAL, FROM_PORTAL,
             "Data subjects, submissions, cases, their timeline and messages (CCPA regulations §7101)."),
    Category("unverified_requests", gettext_noop("Unverified privacy requests"), PORTAL, FROM_PORTAL,
             "Requests closed because the requester never confirmed their identity."),
    Category("consent_ledger", gettext_noop("Records of your consents and opt-outs"), PORTAL, FROM_PORTAL,
             "Who consented to what, when, how, under which notice version."),
    Category("verification_tokens", gettext_noop("Verification links"), PORTAL, FROM_PORTAL,
             "Hashes of single-use e-mail verification links."),
    Category("authorization_documents", gettext_noop("Authorized-agent documents"), PORTAL, PROVIDED,
             "Signed permissions and powers of attorney uploaded by authorized agents."),
    Category("access_packages", gettext_noop("Copies of your data we prepared for you"), PORTAL, FROM_PORTAL,
             "Files prepared for access and portability requests."),
    Category("audit_history", gettext_noop("Audit history of your requests"), PORTAL, FROM_PORTAL,
             "History rows of records (simple-history) and the admin log."),
    Category("risk_assessments", gettext_noop("Risk assessments of our processing"), PORTAL, FROM_PORTAL,
             "Risk assessments under 11 CCR §7150–7157 with the names and positions of their contributors, "
             "reviewers and approvers."),
)

CATEGORIES: Mapping[str, Category] = MappingProxyType({c.code: c for c in _ALL})
