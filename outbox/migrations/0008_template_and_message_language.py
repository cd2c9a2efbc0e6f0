# Issue 18: message templates and messages have a language. Added empty here, filled by 0009, required by 0010.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0007_answer_on_the_status_page"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="messagetemplate",
            options={"ordering": ["key", "language"]},
        ),
        migrations.AddField(
            model_name="historicalmessagetemplate",
            name="language",
            field=models.CharField(max_length=8, null=True),
        ),
        migrations.AddField(
            model_name="messagetemplate",
            name="language",
            field=models.CharField(max_length=8, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="language",
            field=models.CharField(max_length=8, null=True),
        ),
    ]
