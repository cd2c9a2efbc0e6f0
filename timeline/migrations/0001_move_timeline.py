"""Move TimelineEvent from requests_app: state here, the table renamed in place."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('requests_app', '0006_history_reasons_as_text'),
        ('outbox', '0001_move_messages'),
        ('requests_app', '0007_move_models_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='TimelineEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('received', 'Received'), ('verification_sent', 'Verification sent'), ('verified', 'Verified'), ('acknowledged', 'Acknowledged'), ('message_sent', 'Message to requester'), ('status_changed', 'Status changed'), ('assigned', 'Assigned'), ('shared', 'Shared'), ('paused', 'Clock paused'), ('resumed', 'Clock resumed'), ('extended', 'Extended'), ('note', 'Internal note'), ('attachment', 'File attached'), ('duplicate', 'Linked duplicate'), ('backdated', 'Receipt date entered'), ('consent', 'Consent recorded'), ('reminder', 'Reminder'), ('task', 'Fulfilment task'), ('other', 'Other')], max_length=30)),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('actor_label', models.CharField(default='system', help_text='system, requester or officer', max_length=40)),
                ('summary', models.TextField(blank=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='timeline', to='requests_app.case')),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='events', to='outbox.message')),
            ],
            options={
                'ordering': ['at', 'pk'],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[
                migrations.RunSQL('ALTER TABLE requests_app_timelineevent RENAME TO timeline_timelineevent',
                                  reverse_sql='ALTER TABLE timeline_timelineevent RENAME TO requests_app_timelineevent'),
            ],
        ),
    ]
