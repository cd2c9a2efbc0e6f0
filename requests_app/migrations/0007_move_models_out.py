"""Hand the moved models over to subjects, timeline, outbox and fulfilment (state only; see their 0001).

Foreign keys of the models that stay point at the same rows: the tables were renamed, not copied. The
content types follow the models, so auth permissions and guardian object-permission rows keep working."""

import django.db.models.deletion
from django.db import migrations, models


MOVED = {
    "subjects": ("datasubject", "historicaldatasubject"),
    "timeline": ("timelineevent",),
    "outbox": ("message", "messagetemplate", "historicalmessagetemplate"),
    "fulfilment": ("system", "historicalsystem", "fulfilmenttask", "historicalfulfilmenttask", "taskevidence",
                   "webhooklog", "accesspackage", "packagedownload"),
}


def _relabel(apps, *, source: str | None, target: str | None) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for app_label, model_names in MOVED.items():
        old, new = source or app_label, target or app_label
        for model in model_names:
            if content_type.objects.filter(app_label=new, model=model).exists():
                continue  # already there (created by a post_migrate of a partial run): keep it
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_forward(apps, schema_editor) -> None:
    """Give the moved models' content types their new app label (permissions and guardian rows follow)."""
    _relabel(apps, source="requests_app", target=None)


def content_types_backward(apps, schema_editor) -> None:
    _relabel(apps, source=None, target="requests_app")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('consents', '0004_subject_moved'),
        ('requests_app', '0006_history_reasons_as_text'),
        ('retention', '0005_subject_moved'),
        ('subjects', '0001_move_data_subject'),
    ]

    state_operations = [
        migrations.RemoveField(
            model_name='accesspackage',
            name='case',
        ),
        migrations.RemoveField(
            model_name='accesspackage',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='packagedownload',
            name='package',
        ),
        migrations.AlterField(
            model_name='submission',
            name='subject',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='subjects.datasubject'),
        ),
        migrations.AlterField(
            model_name='historicalsubmission',
            name='subject',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='subjects.datasubject'),
        ),
        migrations.AlterField(
            model_name='historicalcase',
            name='subject',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='subjects.datasubject'),
        ),
        migrations.AlterField(
            model_name='case',
            name='subject',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cases', to='subjects.datasubject'),
        ),
        migrations.RemoveField(
            model_name='fulfilmenttask',
            name='case',
        ),
        migrations.RemoveField(
            model_name='fulfilmenttask',
            name='overridden_by',
        ),
        migrations.RemoveField(
            model_name='fulfilmenttask',
            name='owner',
        ),
        migrations.RemoveField(
            model_name='fulfilmenttask',
            name='system',
        ),
        migrations.RemoveField(
            model_name='taskevidence',
            name='task',
        ),
        migrations.RemoveField(
            model_name='webhooklog',
            name='task',
        ),
        migrations.RemoveField(
            model_name='historicaldatasubject',
            name='history_user',
        ),
        migrations.RemoveField(
            model_name='historicalfulfilmenttask',
            name='case',
        ),
        migrations.RemoveField(
            model_name='historicalfulfilmenttask',
            name='history_user',
        ),
        migrations.RemoveField(
            model_name='historicalfulfilmenttask',
            name='overridden_by',
        ),
        migrations.RemoveField(
            model_name='historicalfulfilmenttask',
            name='owner',
        ),
        migrations.RemoveField(
            model_name='historicalfulfilmenttask',
            name='system',
        ),
        migrations.RemoveField(
            model_name='historicalmessagetemplate',
            name='history_user',
        ),
        migrations.RemoveField(
            model_name='historicalsystem',
            name='history_user',
        ),
        migrations.RemoveField(
            model_name='historicalsystem',
            name='owner_group',
        ),
        migrations.RemoveField(
            model_name='historicalsystem',
            name='owner_user',
        ),
        migrations.RemoveField(
            model_name='message',
            name='submission',
        ),
        migrations.RemoveField(
            model_name='timelineevent',
            name='message',
        ),
        migrations.DeleteModel(
            name='MessageTemplate',
        ),
        migrations.RemoveField(
            model_name='system',
            name='owner_group',
        ),
        migrations.RemoveField(
            model_name='system',
            name='owner_user',
        ),
        migrations.RemoveField(
            model_name='taskevidence',
            name='uploaded_by',
        ),
        migrations.RemoveField(
            model_name='timelineevent',
            name='actor',
        ),
        migrations.RemoveField(
            model_name='timelineevent',
            name='case',
        ),
        migrations.DeleteModel(
            name='AccessPackage',
        ),
        migrations.DeleteModel(
            name='PackageDownload',
        ),
        migrations.DeleteModel(
            name='DataSubject',
        ),
        migrations.DeleteModel(
            name='FulfilmentTask',
        ),
        migrations.DeleteModel(
            name='WebhookLog',
        ),
        migrations.DeleteModel(
            name='HistoricalDataSubject',
        ),
        migrations.DeleteModel(
            name='HistoricalFulfilmentTask',
        ),
        migrations.DeleteModel(
            name='HistoricalMessageTemplate',
        ),
        migrations.DeleteModel(
            name='HistoricalSystem',
        ),
        migrations.DeleteModel(
            name='Message',
        ),
        migrations.DeleteModel(
            name='System',
        ),
        migrations.DeleteModel(
            name='TaskEvidence',
        ),
        migrations.DeleteModel(
            name='TimelineEvent',
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
