"""DataSubject moved to the subjects app: point the foreign keys at it (state only; same table, same rows)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('consents', '0003_history_reasons_as_text'),
        ('subjects', '0001_move_data_subject'),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='consentevent',
            name='subject',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='consent_events', to='subjects.datasubject'),
        ),
        migrations.AlterField(
            model_name='consentmessage',
            name='subject',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consent_messages', to='subjects.datasubject'),
        ),
        migrations.AlterField(
            model_name='consentstate',
            name='subject',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='consent_states', to='subjects.datasubject'),
        ),
        migrations.AlterField(
            model_name='historicalconsentstate',
            name='subject',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='subjects.datasubject'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
