"""Stored clarification and identity templates still holding the old default text now ask the requester
to answer on the status page (in the conversation) instead of by e-mail. Edited templates are left alone.
"""

from django.db import migrations

# The default texts before and after, frozen here (the defaults module may change later).
TEXTS = {
    'clarification_request': (
        "Dear {{ subject_name|default:'requester' }},\n\nTo answer your request {{ reference }} ({{ right_label }}) we need you to clarify the following:\n\n{{ question }}\n\n{% if paused %}While we wait for your answer the time we have to respond is paused, as the law allows ({{ citation }}). The pause started on {{ paused_on }}; every day until you answer is added to our deadline, which is now {{ due_on }} plus the days paused.{% else %}Our deadline to respond, {{ due_on }}, is not affected.{% endif %}\n\nPlease reply to this e-mail.\n\n{{ company_name }} Privacy Office\n{{ privacy_email }}\nYou can follow your request at any time: {{ status_url }}\n",
        "Dear {{ subject_name|default:'requester' }},\n\nTo answer your request {{ reference }} ({{ right_label }}) we need you to clarify the following:\n\n{{ question }}\n\n{% if paused %}While we wait for your answer the time we have to respond is paused, as the law allows ({{ citation }}). The pause started on {{ paused_on }}; every day until you answer is added to our deadline, which is now {{ due_on }} plus the days paused.{% else %}Our deadline to respond, {{ due_on }}, is not affected.{% endif %}\n\nPlease answer on your status page (the link is below): you will be asked to confirm your e-mail address, then you can write to us and attach documents securely.\n\n{{ company_name }} Privacy Office\n{{ privacy_email }}\nYou can follow your request at any time: {{ status_url }}\n",
    ),
    'identity_request': (
        "Dear {{ subject_name|default:'requester' }},\n\nBefore we can act on your request {{ reference }} ({{ right_label }}) we need to make sure it is really you, so that nobody else gets or changes your information:\n\n{{ question }}\n\nWe only use what you send to confirm your identity. If you send a copy of an identity document, we record that it was checked and do not keep the copy.\n\n{% if paused %}While we wait, the time we have to respond is paused, as the law allows ({{ citation }}), from {{ paused_on }} until you answer.{% else %}Our deadline to respond, {{ due_on }}, is not affected.{% endif %}\n\n{{ company_name }} Privacy Office\n{{ privacy_email }}\nYou can follow your request at any time: {{ status_url }}\n",
        "Dear {{ subject_name|default:'requester' }},\n\nBefore we can act on your request {{ reference }} ({{ right_label }}) we need to make sure it is really you, so that nobody else gets or changes your information:\n\n{{ question }}\n\nWe only use what you send to confirm your identity. If you send a copy of an identity document, we record that it was checked and do not keep the copy.\n\n{% if paused %}While we wait, the time we have to respond is paused, as the law allows ({{ citation }}), from {{ paused_on }} until you answer.{% else %}Our deadline to respond, {{ due_on }}, is not affected.{% endif %}\n\nPlease answer on your status page (the link is below): you will be asked to confirm your e-mail address, then you can write to us and attach documents securely.\n\n{{ company_name }} Privacy Office\n{{ privacy_email }}\nYou can follow your request at any time: {{ status_url }}\n",
    ),
}


def _swap(apps, *, forward: bool) -> None:
    template_model = apps.get_model("outbox", "MessageTemplate")
    for key, (before, after) in TEXTS.items():
        old, new = (before, after) if forward else (after, before)
        template_model.objects.filter(key=key, body_text=old).update(body_text=new)


def forwards(apps, schema_editor):
    _swap(apps, forward=True)


def backwards(apps, schema_editor):
    _swap(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [("outbox", "0006_conversation_thread")]
    operations = [migrations.RunPython(forwards, backwards)]
