"""German versions of the default message templates (outbox/defaults.py holds the English ones).

Same keys, same variables and the same legal meaning as the English texts; citations, names and every
value the services put in the context are printed unchanged. Formal address ("Sie"); dates use the German
long date format (`{{ date|date }}` under the German locale: "5. März 2026"). Reviewed against the English
text sentence by sentence (docs/messages.md says how).
"""

from __future__ import annotations

from outbox.defaults import DefaultTemplate

_SIGNATURE = """
Datenschutzbüro von {{ company_name }}
{{ privacy_email }}
Sie können Ihre Anfrage jederzeit verfolgen: {{ status_url }}
"""

_ANSWER_ON_STATUS_PAGE = (
    "Bitte antworten Sie auf Ihrer Statusseite (der Link steht unten): Sie werden gebeten, Ihre E-Mail-Adresse "
    "zu bestätigen, danach können Sie uns schreiben und Dokumente sicher anhängen.\n"
)

_DEAR = "Guten Tag{% if subject_name %} {{ subject_name }}{% endif %},\n\n"

_CASE_LIST = """{% for c in cases %}
- {{ c.reference }}: {{ c.get_right_display }}
  Wir antworten Ihnen bis zum {{ c.respond_by|date }}.{% if c.extended_respond_by %} Wenn wir mehr Zeit brauchen, teilen wir Ihnen den Grund vor diesem Datum mit; spätestens antworten wir dann bis zum {{ c.extended_respond_by|date }}.{% endif %}{% endfor %}
"""  # noqa: E501

_AGENT_NOTE = """{% if submission.is_agent %}
Diese Anfrage hat ein bevollmächtigter Vertreter, {{ submission.agent_name }}, für Sie gestellt. Wenn Sie \
niemanden beauftragt haben, für Sie zu handeln, {% if verify_url %}öffnen Sie den Link unten nicht und \
{% endif %}teilen Sie uns dies unter {{ privacy_email }} mit.
{% endif %}"""

_VERIFY_STEP = """{% if verify_url %}
Bitte bestätigen Sie Ihre E-Mail-Adresse, indem Sie diesen Link vor dem {{ verify_expires }} öffnen:
{{ verify_url }}
Der Link funktioniert nur einmal. Ist er abgelaufen, können Sie auf unserer Website einen neuen anfordern.
{% endif %}"""

TEMPLATES: dict[str, DefaultTemplate] = {
    "thread_message": DefaultTemplate(
        description="", subject="Eine Nachricht zu Ihrer Datenschutzanfrage {{ reference }}",
        body_text=_DEAR + "{{ body }}\n\n"
                          "Sie können auf Ihrer Statusseite antworten und dort auch Dokumente anhängen.\n"
                  + _SIGNATURE,
    ),
    "thread_documents_needed": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: Bitte senden Sie uns ein Dokument",
        body_text=_DEAR + "Um Ihre Anfrage {{ reference }} ({{ right_label }}) weiter bearbeiten zu können, "
                          "benötigen wir Folgendes:\n\n{{ body }}\n\n"
                          "Bitte hängen Sie es an eine Antwort auf Ihrer Statusseite an (PDF, PNG oder JPEG), "
                          "nicht an eine E-Mail.\n" + _SIGNATURE,
    ),
    "thread_progress": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: ein Zwischenstand",
        body_text=_DEAR + "Ein Zwischenstand zu Ihrer Anfrage {{ reference }} ({{ right_label }}), die wir bis "
                          "zum {{ due_on }} beantworten werden:\n\n{{ body }}\n\n"
                          "Sie können auf Ihrer Statusseite antworten.\n" + _SIGNATURE,
    ),
    "generic": DefaultTemplate(
        description="", subject="Zu Ihrer Datenschutzanfrage",
        body_text=_DEAR + "{{ body }}\n" + _SIGNATURE,
    ),
    "consents-preference-link": DefaultTemplate(
        description="", subject="Ihre Datenschutzeinstellungen bei {{ company_name }}",
        body_text="Guten Tag{% if subject_name %} {{ subject_name }}{% endif %},\n\n"
                  "Jemand (hoffentlich Sie) hat einen Link zu Ihren Datenschutzeinstellungen angefordert. Öffnen "
                  "Sie ihn, um zu sehen und zu ändern, was wir mit Ihren Daten tun dürfen:\n\n"
                  "{{ preferences_url }}\n\n"
                  "Der Link funktioniert {{ link_days }} Tage lang. Wenn Sie ihn nicht angefordert haben, können "
                  "Sie diese E-Mail ignorieren.\n\n"
                  "Um Marketing-E-Mails sofort abzubestellen: {{ unsubscribe_url }}\n\n"
                  "Datenschutzbüro von {{ company_name }}\n{{ privacy_email }}\n",
    ),
    "access_package_ready": DefaultTemplate(
        description="", subject="Ihre Daten stehen zum Herunterladen bereit",
        body_text=_DEAR + "Die Kopie der Daten, die wir über Sie gespeichert haben, ist fertig. Sie können sie "
                          "hier herunterladen:\n\n{{ package_url }}\n\n"
                          "Zu Ihrem Schutz werden Sie gebeten, Ihre E-Mail-Adresse zu bestätigen. Der Link "
                          "funktioniert bis zum {{ expires_at|date }}; danach wird die Datei gelöscht.\n"
                  + _SIGNATURE,
    ),
    "clarification_request": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: Wir benötigen eine Klarstellung",
        body_text=(
            _DEAR + "Um Ihre Anfrage {{ reference }} ({{ right_label }}) beantworten zu können, bitten wir Sie, "
                    "Folgendes klarzustellen:\n\n{{ question }}\n\n"
            "{% if paused %}Solange wir auf Ihre Antwort warten, ist die Frist, innerhalb der wir antworten "
            "müssen, gehemmt, wie es das Gesetz erlaubt ({{ citation }}). Die Hemmung begann am {{ paused_on }}; "
            "jeder Tag bis zu Ihrer Antwort wird unserer Frist hinzugerechnet, die jetzt der {{ due_on }} zuzüglich "
            "der gehemmten Tage ist.{% else %}Unsere Antwortfrist, der {{ due_on }}, bleibt davon unberührt."
            "{% endif %}\n\n" + _ANSWER_ON_STATUS_PAGE + _SIGNATURE
        ),
    ),
    "identity_request": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: Bitte helfen Sie uns, Ihre Identität "
                                "zu bestätigen",
        body_text=(
            _DEAR + "Bevor wir Ihre Anfrage {{ reference }} ({{ right_label }}) bearbeiten können, müssen wir "
                    "sicherstellen, dass sie wirklich von Ihnen stammt, damit niemand sonst Ihre Daten erhält oder "
                    "ändert:\n\n{{ question }}\n\n"
            "Wir verwenden Ihre Angaben nur, um Ihre Identität zu bestätigen. Wenn Sie eine Kopie eines "
            "Ausweisdokuments senden, vermerken wir, dass es geprüft wurde, und bewahren die Kopie nicht auf.\n\n"
            "{% if paused %}Solange wir warten, ist die Frist, innerhalb der wir antworten müssen, gehemmt, wie es "
            "das Gesetz erlaubt ({{ citation }}), vom {{ paused_on }} bis zu Ihrer Antwort.{% else %}Unsere "
            "Antwortfrist, der {{ due_on }}, bleibt davon unberührt.{% endif %}\n\n"
            + _ANSWER_ON_STATUS_PAGE + _SIGNATURE
        ),
    ),
    "extension_notice": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: Wir benötigen mehr Zeit",
        body_text=(
            _DEAR + "Wir bearbeiten Ihre Anfrage {{ reference }} ({{ right_label }}). Um sie sorgfältig zu "
                    "beantworten, benötigen wir mehr Zeit, wie es das Gesetz erlaubt ({{ citation }}), und werden "
                    "Ihnen bis zum {{ new_due_on }} statt bis zum {{ original_due_on }} antworten.\n\n"
            "Der Grund: {{ reason }}\n" + _SIGNATURE
        ),
    ),
    "completion": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }} ist abgeschlossen",
        body_text=(
            _DEAR + "Wir haben Ihre Anfrage {{ reference }} ({{ right_label }}) abgeschlossen.\n\n"
            "{{ response }}\n"
            "{% if erasure_summary %}\n{{ erasure_summary }}\n{% endif %}"
            "{% if rights_notice %}\n{{ rights_notice }}\n{% endif %}" + _SIGNATURE
        ),
    ),
    "denial": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: unsere Entscheidung",
        body_text=(
            _DEAR + "Wir können Ihrer Anfrage {{ reference }} ({{ right_label }}) nicht nachkommen.\n\n"
            "Der Grund: {{ reason }}.\n"
            "{% if explanation %}\n{{ explanation }}\n{% endif %}\n"
            "Ihre Rechte: {{ rights_notice }}\n" + _SIGNATURE
        ),
    ),
    "redirect_patient": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }} wurde an {{ organization_name }} "
                                "weitergeleitet",
        body_text=(
            _DEAR + "Ihre Anfrage {{ reference }} ({{ right_label }}) betrifft Daten, die {{ organization_name }} "
                    "uns für Ihre Behandlung übermittelt hat. {{ organization_name }} entscheidet darüber; wir "
                    "verarbeiten die Daten in ihrem Auftrag. Wir haben Ihre Anfrage heute dorthin weitergeleitet "
                    "und helfen bei der Beantwortung.\n\n"
            "Sie können sich auch direkt an {{ organization_name }} wenden: {{ organization_email }}.\n" + _SIGNATURE
        ),
    ),
    "intake_acknowledgement": DefaultTemplate(
        description="", subject="Wir haben Ihre Datenschutzanfrage erhalten ({{ references }})",
        body_text=_DEAR + """wir haben Ihre Datenschutzanfrage am {{ received_on|date }} erhalten. Diese E-Mail \
bestätigt den Eingang, erklärt, wie wir die Anfrage überprüfen, und nennt das Datum, bis zu dem wir antworten.
""" + _AGENT_NOTE + """
Ihre Anfragen und bis wann wir antworten:
""" + _CASE_LIST + """
Wie wir Ihre Anfrage überprüfen:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}""" + _VERIFY_STEP + """
Für die Überprüfung oder Beantwortung einer Anfrage verlangen wir niemals eine Gebühr. Wir verwenden Ihre \
Angaben nur, um Ihre Identität zu überprüfen und Ihre Anfrage zu beantworten.
""" + _SIGNATURE,
    ),
    "intake_verification": DefaultTemplate(
        description="", subject="Bitte bestätigen Sie Ihre Datenschutzanfrage ({{ references }})",
        body_text=_DEAR + """wir haben Ihre Datenschutzanfrage am {{ received_on|date }} erhalten.
""" + _AGENT_NOTE + """
Ihre Anfragen und bis wann wir antworten:
""" + _CASE_LIST + _VERIFY_STEP + """
Wie wir Ihre Anfrage überprüfen:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}""" + _SIGNATURE,
    ),
    "intake_received": DefaultTemplate(
        description="", subject="Wir haben Ihre Datenschutzanfrage erhalten ({{ references }})",
        body_text=_DEAR + """wir haben Ihre Datenschutzanfrage am {{ received_on|date }} erhalten. Sie muss \
nicht überprüft werden, daher haben wir mit der Bearbeitung begonnen. Wir schreiben Ihnen wieder, sobald sie \
erledigt ist.
""" + _AGENT_NOTE + """
Ihre Anfragen und bis wann wir sie umgesetzt haben werden:
""" + _CASE_LIST + _SIGNATURE,
    ),
    "intake_patient_notice": DefaultTemplate(
        description="",
        subject="Ihre Datenschutzanfrage wird an {{ submission.clinic_name }} weitergeleitet ({{ references }})",
        body_text=_DEAR + """wir haben Ihre Datenschutzanfrage am {{ received_on|date }} erhalten.

Sie haben uns mitgeteilt, dass {{ submission.clinic_name }} uns Ihre Daten übermittelt hat. Wir verarbeiten \
diese Daten im Auftrag von {{ submission.clinic_name }}; die Klinik ist dafür verantwortlich und entscheidet \
über Anfragen dazu. Wir haben Ihre Anfrage an unser Datenschutzbüro gegeben, das sie an \
{{ submission.clinic_name }} weiterleitet. Die Klinik überprüft Ihre Identität und antwortet Ihnen; wir \
unterstützen sie dabei.
""" + _AGENT_NOTE + """
Ihre Anfragen und die Fristen, die wir überwachen:
""" + _CASE_LIST + """
Wie Ihre Anfrage überprüft wird:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}
Sie müssen jetzt nichts tun. Für eine Anfrage verlangen wir niemals eine Gebühr.
""" + _SIGNATURE,
    ),
    "intake_agent_copy": DefaultTemplate(
        description="", subject="Datenschutzanfrage für {{ subject_name }} gestellt ({{ references }})",
        body_text="""Guten Tag {{ submission.agent_name|default:"" }},

wir haben die Datenschutzanfrage erhalten, die Sie am {{ received_on|date }} für {{ subject_name }} gestellt \
haben, zusammen mit der unterschriebenen Vollmacht, die Sie hochgeladen haben.

Anfragen und bis wann wir antworten:
""" + _CASE_LIST + """
{% if consumer_asked_to_confirm %}Wir haben {{ subject_name }} direkt per E-Mail gebeten, die Anfrage zu \
bestätigen, wie es das Gesetz erlaubt.{% else %}Diese Anfragen müssen nicht bestätigt werden: Wir haben mit \
der Bearbeitung begonnen und {{ subject_name }} direkt informiert.{% endif %} Wir können die Person auch \
kontaktieren, um zu bestätigen, dass sie Sie zum Handeln ermächtigt hat. Unser Datenschutzbüro prüft die \
hochgeladene Vollmacht.

Datenschutzbüro von {{ company_name }}
{{ privacy_email }}
""",
    ),
    "intake_withdrawn": DefaultTemplate(
        description="",
        subject="Sie haben Ihre Datenschutzanfrage {% for c in cases %}{{ c.reference }}{% endfor %} zurückgezogen",
        body_text=_DEAR + """wie gewünscht haben wir diese Anfrage zurückgezogen und die Bearbeitung eingestellt:
{% for c in cases %}- {{ c.reference }}: {{ c.get_right_display }}
{% endfor %}
Falls das ein Versehen war, können Sie jederzeit eine neue Anfrage stellen: {{ form_url }}
""" + _SIGNATURE,
    ),
    "intake_new_link": DefaultTemplate(
        description="", subject="Ihr Link zu Ihren Datenschutzanfragen",
        body_text=_DEAR + """Sie haben einen neuen Link zu Ihren Datenschutzanfragen angefordert. Öffnen Sie \
diesen Link, um sie und die Nachrichten, die wir Ihnen geschickt haben, zu sehen:
{{ status_url }}
{% if verify_links %}
Für diese Anfragen müssen Sie Ihre E-Mail-Adresse noch bestätigen. Öffnen Sie den jeweiligen Link vor dem \
{{ verify_expires }}:
{% for item in verify_links %}- {{ item.references }}: {{ item.url }}
{% endfor %}{% endif %}
Wenn Sie diesen Link nicht angefordert haben, können Sie diese E-Mail ignorieren.
""" + _SIGNATURE,
    ),
    "verification_reminder": DefaultTemplate(
        description="", subject="Bitte bestätigen Sie Ihre Datenschutzanfrage",
        body_text=_DEAR + """am {{ link_sent_on|date }} haben wir Ihnen eine E-Mail mit einem Link geschickt, \
um {{ cases|length|pluralize:"Ihre Anfrage,Ihre Anfragen" }} zu bestätigen:
{% for case in cases %}- {{ case.reference }}: {{ case.get_right_display }}
{% endfor %}
Bitte öffnen Sie den Link in dieser E-Mail. Er bleibt bis zum {{ link_expires_on|date }} gültig. Können wir \
bis dahin nicht bestätigen, dass die Anfrage von Ihnen stammt, müssen wir sie schließen, ohne tätig zu werden.
Wenn Sie die E-Mail nicht finden, fordern Sie unter {{ new_link_url }} einen neuen Link an oder schreiben Sie \
an {{ privacy_email }}.
""" + _SIGNATURE,
    ),
    "closed_unverified": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage wurde geschlossen: Wir konnten sie nicht überprüfen",
        body_text=_DEAR + """wir haben {{ cases|length|pluralize:"Ihre Anfrage,Ihre Anfragen" }} geschlossen, \
ohne tätig zu werden:
{% for case in cases %}- {{ case.reference }}: {{ case.get_right_display }}
{% endfor %}
Grund: {{ reason }}.

Bevor wir auf eine Anfrage hin tätig werden, müssen wir bestätigen können, dass sie von der Person stammt, \
die sie betrifft. Sie können jederzeit eine neue Anfrage stellen; wenn Sie glauben, dass es sich um einen \
Irrtum handelt, schreiben Sie an {{ privacy_email }}.

{{ rights_notice }}
""" + _SIGNATURE,
    ),
    "declaration_request": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: Bitte unterschreiben Sie eine Erklärung",
        body_text=_DEAR + """um Ihnen die konkreten Daten herauszugeben, die wir über Sie gespeichert haben \
(Anfrage {{ reference }}, {{ right_label }}), verlangt das Gesetz, dass wir Ihre Identität mit einem \
angemessen hohen Grad an Gewissheit überprüfen. Bitte öffnen Sie diesen Link, lesen Sie die Erklärung und \
unterschreiben Sie sie, indem Sie Ihren Namen eintippen:

{{ confirm_url }}

Die Erklärung lautet: "{{ statement }}"

Der Link funktioniert nur einmal, bis zum {{ expires_on }}. Wenn Sie sie nicht unterschreiben, teilen wir \
Ihnen stattdessen die Kategorien der Daten mit, die wir gespeichert haben.
""" + _SIGNATURE,
    ),
    "agent_confirmation_request": DefaultTemplate(
        description="",
        subject="Haben Sie {{ agent_name|default:'einen Vertreter' }} beauftragt, eine Datenschutzanfrage für Sie "
                "zu stellen?",
        body_text=_DEAR + """{{ agent_name|default:'Ein bevollmächtigter Vertreter' }} hat eine Datenschutzanfrage \
für Sie gestellt ({{ reference }}, {{ right_label }}). Bevor wir tätig werden, bestätigen Sie uns bitte \
direkt, dass Sie die Erlaubnis dazu gegeben haben:

{{ confirm_url }}

Der Link funktioniert nur einmal, bis zum {{ expires_on }}. Wenn Sie niemanden beauftragt haben, für Sie zu \
handeln, öffnen Sie den Link und antworten Sie "Nein", oder teilen Sie uns dies unter {{ privacy_email }} mit.
""" + _SIGNATURE,
    ),
    "opt_out_processed": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }} wurde umgesetzt",
        body_text=_DEAR + """wir haben Ihre Anfrage {{ reference }} ({{ right_label }}) am {{ processed_on }} \
umgesetzt. Wir {% if dsr.right == "limit_sensitive" %}verwenden Ihre sensiblen personenbezogenen Daten nicht \
mehr über das hinaus, was für die Erbringung unserer Dienste erforderlich ist{% else %}verkaufen und teilen \
Ihre personenbezogenen Daten nicht mehr{% endif %}, und wir haben die betroffenen Dritten angewiesen, \
dasselbe zu tun.

{{ response }}
""" + _SIGNATURE,
    ),
    "referral_answered": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }}: {{ organization_name }} hat geantwortet",
        body_text=(
            _DEAR + "{{ organization_name }}, die über Ihre Anfrage {{ reference }} ({{ right_label }}) "
                    "entscheidet, hat uns mitgeteilt: {{ answer_label|lower }}. Wenn Sie die Antwort nicht erhalten "
                    "haben oder damit nicht einverstanden sind, wenden Sie sich an {{ organization_name }} unter "
                    "{{ organization_email }}.\n"
            "{% if rights_notice %}\nIhre Rechte: {{ rights_notice }}\n{% endif %}" + _SIGNATURE
        ),
    ),
}

# Automated decisions (admt app; RULES.md §9).
TEMPLATES.update({
    "admt_opt_out_processed": DefaultTemplate(
        description="", subject="Ihre Datenschutzanfrage {{ reference }} wurde umgesetzt",
        body_text=_DEAR + """wir haben Ihre Anfrage {{ reference }} ({{ right_label }}) am {{ processed_on }} \
umgesetzt. Wir setzen keine Technologie für automatisierte Entscheidungen mehr ein, \
{% if dsr.right == "profiling_opt_out" %}um Profile über Sie für Entscheidungen mit rechtlicher oder ähnlich \
erheblicher Wirkung zu erstellen{% else %}um Entscheidungen über Sie zu treffen{% endif %}, und wir haben alle, \
die Ihre Daten damit verarbeiten, angewiesen, dies ebenfalls einzustellen. Wir werden Sie frühestens nach \
12 Monaten erneut um Ihre Zustimmung bitten.

{{ response }}
{% if rights_notice %}
{{ rights_notice }}
{% endif %}""" + _SIGNATURE,
    ),
    "admt_access_response": DefaultTemplate(
        description="",
        subject="Ihre Datenschutzanfrage {{ reference }}: wie wir automatisierte Entscheidungen über Sie einsetzen",
        body_text=_DEAR + "{{ body }}\n\nSie können auf Ihrer Statusseite antworten.\n" + _SIGNATURE,
    ),
})
