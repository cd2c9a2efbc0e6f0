"""The two office roles and the model permissions each group carries.

Object-level access (which cases an officer may see) is granted per case through django-guardian;
these model permissions only let a group reach the admin pages at all.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

SUPERVISORS = "Privacy supervisors"
OFFICERS = "Privacy officers"

# "app_label.codename" strings; apps add theirs here so the roles are defined in one place.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    SUPERVISORS: (
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "medprivacy.view_jobrun",
        "requests_app.view_reminder",
        # The workbench (requests_app admin): every case, assignment, templates, controllers.
        "requests_app.view_case",
        "requests_app.change_case",
        "requests_app.add_case",
        "requests_app.assign_case",
        "requests_app.view_all_cases",
        "outbox.view_messagetemplate",
        "outbox.change_messagetemplate",
        "outbox.add_messagetemplate",  # a missing translation of a template (docs/messages.md)
        "requests_app.view_controllerorganization",
        "requests_app.add_controllerorganization",
        "requests_app.change_controllerorganization",
        # consents: supervisors manage purposes, notices and API tokens; the ledger is read-only for all
        "consents.view_purpose", "consents.add_purpose", "consents.change_purpose",
        "consents.view_noticeversion", "consents.add_noticeversion",
        "consents.view_consentevent", "consents.view_consentstate", "consents.view_all_consents",
        "consents.view_apitoken", "consents.add_apitoken", "consents.change_apitoken",
        # Fulfilment: supervisors keep the data map.
        "fulfilment.view_system", "fulfilment.add_system", "fulfilment.change_system",
        "fulfilment.view_fulfilmenttask", "fulfilment.change_fulfilmenttask",
        "fulfilment.view_accesspackage",
        # Retention: the schedule, legal holds, purge runs and their approval.
        "retention.view_datacategory", "retention.add_datacategory", "retention.change_datacategory",
        "retention.view_retentionrule", "retention.add_retentionrule", "retention.change_retentionrule",
        "retention.view_legalhold", "retention.add_legalhold", "retention.change_legalhold",
        "retention.view_purgerun", "retention.run_purge", "retention.approve_purge",
        "retention.view_reviewflag", "retention.change_reviewflag",
        # The audit chain and its checkpoints: read-only.
        "audit.view_auditentry", "audit.view_auditcheckpoint",
        # Risk assessments: the register, and approval (11 CCR §7152(a)(9)).
        "assessments.view_processingactivity", "assessments.add_processingactivity",
        "assessments.change_processingactivity",
        "assessments.view_riskassessment", "assessments.add_riskassessment", "assessments.change_riskassessment",
        "assessments.approve_riskassessment", "assessments.view_materialchange", "assessments.view_reviewreminder",
        # The AI register: supervisors keep it and publish its pre-use notices.
        "admt.view_automatedsystem", "admt.add_automatedsystem", "admt.change_automatedsystem",
        "admt.view_preusenotice", "admt.add_preusenotice", "admt.change_preusenotice",
        "admt.publish_preusenotice",
        "admt.view_clinicinstruction", "admt.change_clinicinstruction", "admt.view_admtaccessresponse",
    ),
    OFFICERS: (
        # The workbench: which cases is decided per case by guardian object permissions.
        "requests_app.view_case",
        "requests_app.change_case",
        "requests_app.add_case",
        "outbox.view_messagetemplate",
        "requests_app.view_controllerorganization",
        # consents
        "consents.view_purpose", "consents.view_noticeversion",
        "consents.view_consentevent", "consents.view_consentstate",
        # Fulfilment: officers work the tasks of their cases and read the data map.
        "fulfilment.view_system",
        "fulfilment.view_fulfilmenttask", "fulfilment.change_fulfilmenttask",
        "fulfilment.view_accesspackage",
        # Retention: officers see the schedule and holds (what they must not destroy), not purges.
        "retention.view_datacategory", "retention.view_retentionrule", "retention.view_legalhold",
        # Risk assessments: officers draft and keep them up to date; supervisors approve.
        "assessments.view_processingactivity", "assessments.add_processingactivity",
        "assessments.change_processingactivity",
        "assessments.view_riskassessment", "assessments.add_riskassessment", "assessments.change_riskassessment",
        "assessments.view_materialchange",
        # The AI register: read; clinics' instructions and ADMT responses of their own cases.
        "admt.view_automatedsystem", "admt.view_preusenotice",
        "admt.view_clinicinstruction", "admt.change_clinicinstruction", "admt.view_admtaccessresponse",
    ),
}


def ensure_roles(*, strict: bool = True) -> dict[str, Group]:
    """Create both groups and give each exactly its listed permissions (idempotent).

    With strict=False (during `migrate`, while later apps' permissions do not exist yet) a missing
    permission is skipped; the last app's post_migrate then completes the groups.

    One read of every listed permission for both roles, whatever their number: this runs after each app's
    migrations (and each test database flush), where a read per permission cost a quarter of a second.
    """
    listed = {tuple(dotted.split(".", 1)) for perms in ROLE_PERMISSIONS.values() for dotted in perms}
    existing = {(p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")
                .filter(codename__in={codename for _, codename in listed},
                        content_type__app_label__in={app_label for app_label, _ in listed})}
    groups: dict[str, Group] = {}
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in perms:
            found = existing.get(tuple(dotted.split(".", 1)))
            if found is None and strict:
                raise Permission.DoesNotExist(f"Permission {dotted} does not exist (is the app migrated?)")
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
        groups[name] = group
    return groups


def roles_after_migrate(sender, *, using: str = "default", plan=None, **kwargs) -> None:
    """post_migrate: a deploy that runs only `migrate` has both roles with their permissions (idempotent,
    so every `migrate` also repairs a role whose permissions were edited by hand)."""
    if using != "default":
        return
    ensure_roles(strict=False)
