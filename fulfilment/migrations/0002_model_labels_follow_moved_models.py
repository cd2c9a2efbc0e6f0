"""Systems reached through Django models name them by label: follow the models that moved app.

Request messages are named by their retention target (`requests.message`): the outbox model now also holds
consent e-mails, which a system that listed request messages did not reach."""

from django.db import migrations

RENAMED = {
    "requests_app.DataSubject": "subjects.DataSubject",
    # The outbox holds consent e-mails too: name the request messages' retention target, as before.
    "requests_app.Message": "requests.message",
    "requests_app.TimelineEvent": "timeline.TimelineEvent",
    "requests_app.AccessPackage": "fulfilment.AccessPackage",
    "requests_app.PackageDownload": "fulfilment.PackageDownload",
    "requests_app.FulfilmentTask": "fulfilment.FulfilmentTask",
    "requests_app.TaskEvidence": "fulfilment.TaskEvidence",
    "requests_app.WebhookLog": "fulfilment.WebhookLog",
    "requests_app.System": "fulfilment.System",
}


def _relabel(apps, mapping: dict[str, str]) -> None:
    system = apps.get_model("fulfilment", "System")
    for row in system.objects.exclude(model_labels=[]):
        labels = [mapping.get(label, label) for label in row.model_labels]
        if labels != row.model_labels:
            system.objects.filter(pk=row.pk).update(model_labels=labels)


def forward(apps, schema_editor) -> None:
    _relabel(apps, RENAMED)


def backward(apps, schema_editor) -> None:
    _relabel(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [("fulfilment", "0001_move_fulfilment")]

    operations = [migrations.RunPython(forward, backward)]
