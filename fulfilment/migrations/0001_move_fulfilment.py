"""Move the fulfilment models (and their history) from requests_app: state here, tables renamed in place."""

import django.db.models.deletion
import django.utils.timezone
import fulfilment.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('requests_app', '0006_history_reasons_as_text'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('requests_app', '0007_move_models_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='AccessPackage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(blank=True, upload_to='fulfilment/packages/%Y/%m/')),
                ('sha256', models.CharField(blank=True, max_length=64)),
                ('size', models.PositiveBigIntegerField(default=0)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField(db_index=True)),
                ('delivered_at', models.DateTimeField(blank=True, null=True)),
                ('deleted_at', models.DateTimeField(blank=True, null=True)),
                ('download_count', models.PositiveIntegerField(default=0)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='access_packages', to='requests_app.case')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalSystem',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(db_index=True, max_length=120)),
                ('description', models.TextField(blank=True)),
                ('role', models.CharField(choices=[('internal', 'Our own application'), ('service_provider', 'Service provider / processor'), ('third_party', 'Third party the data is sold or shared to')], default='internal', max_length=20)),
                ('categories', models.JSONField(blank=True, default=list, help_text='Data category codes it holds (policy §2).', validators=[fulfilment.models._category_codes_valid])),
                ('purposes', models.TextField(blank=True, help_text='Why it holds the data (policy §3).')),
                ('retention', models.TextField(blank=True, help_text='How long it keeps the data (policy §5).')),
                ('access_method', models.CharField(choices=[('manual', 'Manual (a task for its owner)'), ('webhook', 'Webhook (signed HTTPS request)'), ('django_model', 'Django model in this deployment')], default='manual', max_length=20)),
                ('webhook_url', models.URLField(blank=True, max_length=500)),
                ('model_labels', models.JSONField(blank=True, default=list, help_text='Retention targets, e.g. ["subjects.DataSubject"].')),
                ('is_active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner_group', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='auth.group')),
                ('owner_user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical system',
                'verbose_name_plural': 'historical systems',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='PackageDownload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('package', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='downloads', to='fulfilment.accesspackage')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='System',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True)),
                ('description', models.TextField(blank=True)),
                ('role', models.CharField(choices=[('internal', 'Our own application'), ('service_provider', 'Service provider / processor'), ('third_party', 'Third party the data is sold or shared to')], default='internal', max_length=20)),
                ('categories', models.JSONField(blank=True, default=list, help_text='Data category codes it holds (policy §2).', validators=[fulfilment.models._category_codes_valid])),
                ('purposes', models.TextField(blank=True, help_text='Why it holds the data (policy §3).')),
                ('retention', models.TextField(blank=True, help_text='How long it keeps the data (policy §5).')),
                ('access_method', models.CharField(choices=[('manual', 'Manual (a task for its owner)'), ('webhook', 'Webhook (signed HTTPS request)'), ('django_model', 'Django model in this deployment')], default='manual', max_length=20)),
                ('webhook_url', models.URLField(blank=True, max_length=500)),
                ('webhook_secret', models.CharField(blank=True, help_text='Shared HMAC secret; shown masked.', max_length=128)),
                ('model_labels', models.JSONField(blank=True, default=list, help_text='Retention targets, e.g. ["subjects.DataSubject"].')),
                ('is_active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('owner_group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_systems', to='auth.group')),
                ('owner_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_systems', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalFulfilmentTask',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('action', models.CharField(choices=[('find', 'Find the data'), ('export', 'Find and export the data'), ('correct', 'Correct the data'), ('delete', 'Delete or de-identify the data'), ('notify', 'Notify the recipient to delete'), ('stop_selling_sharing', 'Stop selling or sharing the data'), ('limit_use', 'Limit the use of the data')], max_length=30)),
                ('state', models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('not_found', 'Not found'), ('failed', 'Failed'), ('not_applicable', 'Not applicable')], db_index=True, default='open', max_length=20)),
                ('state_reason', models.TextField(blank=True, help_text='Why it is not applicable or failed.')),
                ('exception', models.CharField(blank=True, choices=[('legal_obligation', 'Kept to comply with a legal obligation'), ('legal_hold', 'Kept under a legal hold (litigation or an investigation)'), ('legal_claims', 'Kept to establish, exercise or defend legal claims'), ('public_health', 'Kept for reasons of public interest in public health'), ('research', 'Kept for research in the public interest'), ('security', 'Kept to detect security incidents and prevent fraud'), ('transaction', 'Kept to complete a transaction you asked for'), ('controller_decides', 'Held for your clinic, which decides on erasure (we are its processor)')], help_text='For an erasure: the exception under which data is kept.', max_length=30)),
                ('due_on', models.DateField(help_text="Inside the case's deadline.")),
                ('notes', models.TextField(blank=True)),
                ('request_id', models.CharField(db_index=True, help_text='Sent to the system; its callback must carry it.', max_length=64)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, db_index=True, help_text='When the retry sweep sends the webhook next.', null=True)),
                ('last_error', models.CharField(blank=True, max_length=200)),
                ('awaiting_callback_since', models.DateTimeField(blank=True, null=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('overridden_at', models.DateTimeField(blank=True, null=True)),
                ('override_reason', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('case', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='requests_app.case')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('overridden_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('system', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='fulfilment.system')),
            ],
            options={
                'verbose_name': 'historical fulfilment task',
                'verbose_name_plural': 'historical fulfilment tasks',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='FulfilmentTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(choices=[('find', 'Find the data'), ('export', 'Find and export the data'), ('correct', 'Correct the data'), ('delete', 'Delete or de-identify the data'), ('notify', 'Notify the recipient to delete'), ('stop_selling_sharing', 'Stop selling or sharing the data'), ('limit_use', 'Limit the use of the data')], max_length=30)),
                ('state', models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('not_found', 'Not found'), ('failed', 'Failed'), ('not_applicable', 'Not applicable')], db_index=True, default='open', max_length=20)),
                ('state_reason', models.TextField(blank=True, help_text='Why it is not applicable or failed.')),
                ('exception', models.CharField(blank=True, choices=[('legal_obligation', 'Kept to comply with a legal obligation'), ('legal_hold', 'Kept under a legal hold (litigation or an investigation)'), ('legal_claims', 'Kept to establish, exercise or defend legal claims'), ('public_health', 'Kept for reasons of public interest in public health'), ('research', 'Kept for research in the public interest'), ('security', 'Kept to detect security incidents and prevent fraud'), ('transaction', 'Kept to complete a transaction you asked for'), ('controller_decides', 'Held for your clinic, which decides on erasure (we are its processor)')], help_text='For an erasure: the exception under which data is kept.', max_length=30)),
                ('due_on', models.DateField(help_text="Inside the case's deadline.")),
                ('notes', models.TextField(blank=True)),
                ('result', models.JSONField(blank=True, default=dict, help_text='What the system reported (data found etc.).')),
                ('request_id', models.CharField(help_text='Sent to the system; its callback must carry it.', max_length=64, unique=True)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(blank=True, db_index=True, help_text='When the retry sweep sends the webhook next.', null=True)),
                ('last_error', models.CharField(blank=True, max_length=200)),
                ('awaiting_callback_since', models.DateTimeField(blank=True, null=True)),
                ('completed_at', models.DateTimeField(blank=True, null=True)),
                ('overridden_at', models.DateTimeField(blank=True, null=True)),
                ('override_reason', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='fulfilment_tasks', to='requests_app.case')),
                ('overridden_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='fulfilment_tasks', to=settings.AUTH_USER_MODEL)),
                ('system', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='fulfilment.system')),
            ],
            options={
                'ordering': ['due_on', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='TaskEvidence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(upload_to='fulfilment/evidence/%Y/%m/')),
                ('name', models.CharField(max_length=200)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('source', models.CharField(default='officer', help_text='officer or webhook', max_length=20)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='fulfilment.fulfilmenttask')),
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='WebhookLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('direction', models.CharField(choices=[('outbound', 'Request to the system'), ('callback', 'Callback from the system')], max_length=10)),
                ('outcome', models.CharField(choices=[('completed', 'Result received'), ('accepted', 'Accepted; result will follow'), ('error', 'Error'), ('bad_signature', 'Refused: bad signature'), ('stale', 'Refused: timestamp outside tolerance'), ('replay', 'Refused: replayed'), ('unknown_request', 'Refused: unknown request id'), ('closed', 'Refused: task no longer open'), ('invalid', 'Refused: invalid body')], max_length=20)),
                ('http_status', models.PositiveIntegerField(blank=True, null=True)),
                ('attempt', models.PositiveIntegerField(default=0)),
                ('error', models.CharField(blank=True, max_length=200)),
                ('signature_sha256', models.CharField(blank=True, db_index=True, max_length=64)),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('task', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='webhook_log', to='fulfilment.fulfilmenttask')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='accesspackage',
            index=models.Index(condition=models.Q(('deleted_at__isnull', True)), fields=['expires_at'], name='package_live_expiry'),
        ),
        migrations.AddConstraint(
            model_name='fulfilmenttask',
            constraint=models.UniqueConstraint(fields=('case', 'system', 'action'), name='unique_task_per_case_system_action'),
        ),
        migrations.AddConstraint(
            model_name='webhooklog',
            constraint=models.UniqueConstraint(condition=models.Q(('direction', 'callback'), ('outcome', 'completed')), fields=('signature_sha256',), name='unique_used_callback_signature'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL('ALTER TABLE requests_app_system RENAME TO fulfilment_system',
                                  reverse_sql='ALTER TABLE fulfilment_system RENAME TO requests_app_system'),
                migrations.RunSQL('ALTER TABLE requests_app_historicalsystem RENAME TO fulfilment_historicalsystem',
                                  reverse_sql='ALTER TABLE fulfilment_historicalsystem RENAME TO requests_app_historicalsystem'),
                migrations.RunSQL('ALTER TABLE requests_app_fulfilmenttask RENAME TO fulfilment_fulfilmenttask',
                                  reverse_sql='ALTER TABLE fulfilment_fulfilmenttask RENAME TO requests_app_fulfilmenttask'),
                migrations.RunSQL('ALTER TABLE requests_app_historicalfulfilmenttask RENAME TO fulfilment_historicalfulfilmenttask',
                                  reverse_sql='ALTER TABLE fulfilment_historicalfulfilmenttask RENAME TO requests_app_historicalfulfilmenttask'),
                migrations.RunSQL('ALTER TABLE requests_app_taskevidence RENAME TO fulfilment_taskevidence',
                                  reverse_sql='ALTER TABLE fulfilment_taskevidence RENAME TO requests_app_taskevidence'),
                migrations.RunSQL('ALTER TABLE requests_app_webhooklog RENAME TO fulfilment_webhooklog',
                                  reverse_sql='ALTER TABLE fulfilment_webhooklog RENAME TO requests_app_webhooklog'),
                migrations.RunSQL('ALTER TABLE requests_app_accesspackage RENAME TO fulfilment_accesspackage',
                                  reverse_sql='ALTER TABLE fulfilment_accesspackage RENAME TO requests_app_accesspackage'),
                migrations.RunSQL('ALTER TABLE requests_app_packagedownload RENAME TO fulfilment_packagedownload',
                                  reverse_sql='ALTER TABLE fulfilment_packagedownload RENAME TO requests_app_packagedownload'),
            ],
        ),
    ]
