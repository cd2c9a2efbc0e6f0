"""Move DataSubject (and its history) from requests_app: state here, the tables renamed in place."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('requests_app', '0006_history_reasons_as_text'),
        # Every migration that still creates a foreign key to the old table runs before it is renamed.
        ('consents', '0003_history_reasons_as_text'),
        ('retention', '0004_history_reasons_as_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='DataSubject',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(blank=True, db_index=True, help_text='Normalized (trimmed, lower-case).', max_length=254)),
                ('full_name', models.CharField(blank=True, max_length=200)),
                ('phone', models.CharField(blank=True, max_length=40)),
                ('relationship', models.CharField(choices=[('website_visitor', 'Website visitor'), ('registered_user', 'Registered user'), ('clinician', 'Clinician'), ('organization_representative', 'Organization representative'), ('patient', 'Patient (my data was submitted by a clinic)')], default='website_visitor', max_length=40)),
                ('country', models.CharField(blank=True, help_text='ISO 3166-1 alpha-2 of residence.', max_length=2)),
                ('subdivision', models.CharField(blank=True, help_text='US state or region code.', max_length=10)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('erased_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'constraints': [models.UniqueConstraint(condition=models.Q(('email', ''), _negated=True), fields=('email',), name='unique_subject_email')],
            },
        ),
        migrations.CreateModel(
            name='HistoricalDataSubject',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('email', models.EmailField(blank=True, db_index=True, help_text='Normalized (trimmed, lower-case).', max_length=254)),
                ('full_name', models.CharField(blank=True, max_length=200)),
                ('phone', models.CharField(blank=True, max_length=40)),
                ('relationship', models.CharField(choices=[('website_visitor', 'Website visitor'), ('registered_user', 'Registered user'), ('clinician', 'Clinician'), ('organization_representative', 'Organization representative'), ('patient', 'Patient (my data was submitted by a clinic)')], default='website_visitor', max_length=40)),
                ('country', models.CharField(blank=True, help_text='ISO 3166-1 alpha-2 of residence.', max_length=2)),
                ('subdivision', models.CharField(blank=True, help_text='US state or region code.', max_length=10)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('erased_at', models.DateTimeField(blank=True, null=True)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical data subject',
                'verbose_name_plural': 'historical data subjects',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL('ALTER TABLE requests_app_datasubject RENAME TO subjects_datasubject',
                                  reverse_sql='ALTER TABLE subjects_datasubject RENAME TO requests_app_datasubject'),
                migrations.RunSQL('ALTER TABLE requests_app_historicaldatasubject RENAME TO subjects_historicaldatasubject',
                                  reverse_sql='ALTER TABLE subjects_historicaldatasubject RENAME TO requests_app_historicaldatasubject'),
            ],
        ),
    ]
