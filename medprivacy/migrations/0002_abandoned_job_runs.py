"""A job run can end as abandoned (its worker was killed); the sweep finds running rows through an index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('medprivacy', '0001_job_runs'),
    ]

    operations = [
        migrations.AlterField(
            model_name='jobrun',
            name='status',
            field=models.CharField(choices=[('running', 'Running'), ('succeeded', 'Succeeded'), ('partial', 'Finished with errors'), ('failed', 'Failed'), ('abandoned', 'Abandoned (its worker stopped)')], default='running', max_length=10),
        ),
        migrations.AddIndex(
            model_name='jobrun',
            index=models.Index(condition=models.Q(('status', 'running')), fields=['started_at'], name='jobrun_running'),
        ),
    ]
