"""Spanish versions of the default message templates (outbox/defaults.py holds the English ones).

Same keys, same variables and the same legal meaning as the English texts; citations, names and every
value the services put in the context are printed unchanged. Dates use the Spanish long date format
(`{{ date|date }}` under the Spanish locale: "5 de marzo de 2026"). Reviewed against the English text
sentence by sentence (docs/messages.md says how).
"""

from __future__ import annotations

from outbox.defaults import DefaultTemplate

_SIGNATURE = """
Oficina de Privacidad de {{ company_name }}
{{ privacy_email }}
Puede seguir su solicitud en cualquier momento: {{ status_url }}
"""

_ANSWER_ON_STATUS_PAGE = (
    "Responda en su página de estado (el enlace está más abajo): se le pedirá que confirme su dirección de "
    "correo electrónico y después podrá escribirnos y adjuntar documentos de forma segura.\n"
)

_DEAR = "Estimado/a {{ subject_name|default:'solicitante' }}:\n\n"

_CASE_LIST = """{% for c in cases %}
- {{ c.reference }}: {{ c.get_right_display }}
  Le responderemos a más tardar el {{ c.respond_by|date }}.{% if c.extended_respond_by %} Si necesitamos más tiempo, le explicaremos el motivo antes de esa fecha; en ese caso, la fecha máxima de respuesta es el {{ c.extended_respond_by|date }}.{% endif %}{% endfor %}
"""  # noqa: E501

_AGENT_NOTE = """{% if submission.is_agent %}
Esta solicitud la presentó en su nombre un agente autorizado, {{ submission.agent_name }}. Si usted no ha \
pedido a nadie que actúe en su nombre, {% if verify_url %}no abra el enlace que figura a continuación e \
{% endif %}infórmenos en {{ privacy_email }}.
{% endif %}"""

_VERIFY_STEP = """{% if verify_url %}
Confirme su dirección de correo electrónico abriendo este enlace antes del {{ verify_expires }}:
{{ verify_url }}
El enlace solo funciona una vez. Si ha caducado, puede pedir uno nuevo en nuestro sitio web.
{% endif %}"""

TEMPLATES: dict[str, DefaultTemplate] = {
    "thread_message": DefaultTemplate(
        description="", subject="Un mensaje sobre su solicitud de privacidad {{ reference }}",
        body_text=_DEAR + "{{ body }}\n\n"
                          "Puede responder en su página de estado, donde también puede adjuntar documentos.\n"
                  + _SIGNATURE,
    ),
    "thread_documents_needed": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: envíenos un documento",
        body_text=_DEAR + "Para continuar con su solicitud {{ reference }} ({{ right_label }}) necesitamos lo "
                          "siguiente:\n\n{{ body }}\n\n"
                          "Adjúntelo a una respuesta en su página de estado (PDF, PNG o JPEG), no a un correo "
                          "electrónico.\n" + _SIGNATURE,
    ),
    "thread_progress": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: novedades",
        body_text=_DEAR + "Le informamos sobre su solicitud {{ reference }} ({{ right_label }}), que "
                          "responderemos a más tardar el {{ due_on }}:\n\n{{ body }}\n\n"
                          "Puede responder en su página de estado.\n" + _SIGNATURE,
    ),
    "generic": DefaultTemplate(
        description="", subject="Sobre su solicitud de privacidad",
        body_text=_DEAR + "{{ body }}\n" + _SIGNATURE,
    ),
    "consents-preference-link": DefaultTemplate(
        description="", subject="Sus opciones de privacidad en {{ company_name }}",
        body_text="Hola{% if subject_name %}, {{ subject_name }}{% endif %}:\n\n"
                  "Alguien (esperamos que usted) ha pedido un enlace a sus opciones de privacidad. Ábralo para ver "
                  "y cambiar lo que nos permite hacer con su información:\n\n{{ preferences_url }}\n\n"
                  "El enlace funciona durante {{ link_days }} días. Si usted no lo ha pedido, puede ignorar este "
                  "correo.\n\n"
                  "Para dejar de recibir correos de marketing de inmediato: {{ unsubscribe_url }}\n\n"
                  "Oficina de Privacidad de {{ company_name }}\n{{ privacy_email }}\n",
    ),
    "access_package_ready": DefaultTemplate(
        description="", subject="Sus datos están listos para descargar",
        body_text=_DEAR + "La copia de la información que tenemos sobre usted está lista. Descárguela aquí:\n\n"
                          "{{ package_url }}\n\n"
                          "Para su protección, se le pedirá que confirme su dirección de correo electrónico. El "
                          "enlace funciona hasta el {{ expires_at|date }}; después, el archivo se elimina.\n"
                  + _SIGNATURE,
    ),
    "clarification_request": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: necesitamos una aclaración",
        body_text=(
            _DEAR + "Para responder a su solicitud {{ reference }} ({{ right_label }}) necesitamos que nos aclare "
                    "lo siguiente:\n\n{{ question }}\n\n"
            "{% if paused %}Mientras esperamos su respuesta, el plazo que tenemos para responder queda en suspenso, "
            "como permite la ley ({{ citation }}). La suspensión comenzó el {{ paused_on }}; cada día hasta que "
            "usted responda se añade a nuestro plazo, que ahora es el {{ due_on }} más los días en suspenso."
            "{% else %}Nuestro plazo para responder, el {{ due_on }}, no cambia.{% endif %}\n\n"
            + _ANSWER_ON_STATUS_PAGE + _SIGNATURE
        ),
    ),
    "identity_request": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: ayúdenos a confirmar que es usted",
        body_text=(
            _DEAR + "Antes de poder actuar sobre su solicitud {{ reference }} ({{ right_label }}) debemos "
                    "asegurarnos de que es realmente usted, para que nadie más obtenga o modifique su "
                    "información:\n\n{{ question }}\n\n"
            "Solo usamos lo que nos envíe para confirmar su identidad. Si nos envía una copia de un documento de "
            "identidad, dejamos constancia de que se comprobó y no guardamos la copia.\n\n"
            "{% if paused %}Mientras esperamos, el plazo que tenemos para responder queda en suspenso, como "
            "permite la ley ({{ citation }}), desde el {{ paused_on }} hasta que usted responda.{% else %}Nuestro "
            "plazo para responder, el {{ due_on }}, no cambia.{% endif %}\n\n" + _ANSWER_ON_STATUS_PAGE + _SIGNATURE
        ),
    ),
    "extension_notice": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: necesitamos más tiempo",
        body_text=(
            _DEAR + "Estamos trabajando en su solicitud {{ reference }} ({{ right_label }}). Necesitamos más tiempo "
                    "para responderla debidamente, como permite la ley ({{ citation }}), y le responderemos a más "
                    "tardar el {{ new_due_on }} en lugar del {{ original_due_on }}.\n\n"
            "El motivo: {{ reason }}\n" + _SIGNATURE
        ),
    ),
    "completion": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }} se ha completado",
        body_text=(
            _DEAR + "Hemos completado su solicitud {{ reference }} ({{ right_label }}).\n\n"
            "{{ response }}\n"
            "{% if erasure_summary %}\n{{ erasure_summary }}\n{% endif %}"
            "{% if rights_notice %}\n{{ rights_notice }}\n{% endif %}" + _SIGNATURE
        ),
    ),
    "denial": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: nuestra decisión",
        body_text=(
            _DEAR + "No podemos atender su solicitud {{ reference }} ({{ right_label }}).\n\n"
            "El motivo: {{ reason }}.\n"
            "{% if explanation %}\n{{ explanation }}\n{% endif %}\n"
            "Sus derechos: {{ rights_notice }}\n" + _SIGNATURE
        ),
    ),
    "redirect_patient": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }} se ha remitido a {{ organization_name }}",
        body_text=(
            _DEAR + "Su solicitud {{ reference }} ({{ right_label }}) se refiere a información que "
                    "{{ organization_name }} nos facilitó para su atención. {{ organization_name }} decide sobre "
                    "ella; nosotros tratamos la información por cuenta suya. Hoy le hemos remitido su solicitud y "
                    "le ayudaremos a responderla.\n\n"
            "También puede dirigirse directamente a {{ organization_name }} en {{ organization_email }}.\n"
            + _SIGNATURE
        ),
    ),
    "intake_acknowledgement": DefaultTemplate(
        description="", subject="Hemos recibido su solicitud de privacidad ({{ references }})",
        body_text=_DEAR + """Hemos recibido su solicitud de privacidad el {{ received_on|date }}. Este correo \
confirma que la tenemos, explica cómo la verificaremos e indica cuándo le responderemos.
""" + _AGENT_NOTE + """
Sus solicitudes y cuándo le responderemos:
""" + _CASE_LIST + """
Cómo verificaremos su solicitud:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}""" + _VERIFY_STEP + """
Nunca cobramos por verificar ni por responder una solicitud. Usamos la información que nos facilita solo \
para verificar su identidad y responder a su solicitud.
""" + _SIGNATURE,
    ),
    "intake_verification": DefaultTemplate(
        description="", subject="Confirme su solicitud de privacidad ({{ references }})",
        body_text=_DEAR + """Hemos recibido su solicitud de privacidad el {{ received_on|date }}.
""" + _AGENT_NOTE + """
Sus solicitudes y cuándo le responderemos:
""" + _CASE_LIST + _VERIFY_STEP + """
Cómo verificamos su solicitud:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}""" + _SIGNATURE,
    ),
    "intake_received": DefaultTemplate(
        description="", subject="Hemos recibido su solicitud de privacidad ({{ references }})",
        body_text=_DEAR + """Hemos recibido su solicitud de privacidad el {{ received_on|date }}. No necesita \
verificación, así que ya hemos empezado a tramitarla. Volveremos a escribirle cuando se haya procesado.
""" + _AGENT_NOTE + """
Sus solicitudes y cuándo habremos actuado sobre ellas:
""" + _CASE_LIST + _SIGNATURE,
    ),
    "intake_patient_notice": DefaultTemplate(
        description="",
        subject="Su solicitud de privacidad se remite a {{ submission.clinic_name }} ({{ references }})",
        body_text=_DEAR + """Hemos recibido su solicitud de privacidad el {{ received_on|date }}.

Nos ha indicado que {{ submission.clinic_name }} nos facilitó su información. Tratamos esa información por \
cuenta de {{ submission.clinic_name }}, que es responsable de ella y decide sobre las solicitudes que le \
afectan. Hemos pasado su solicitud a nuestra oficina de privacidad, que la remitirá a \
{{ submission.clinic_name }}. La clínica verificará su identidad y le responderá; nosotros le ayudaremos a \
hacerlo.
""" + _AGENT_NOTE + """
Sus solicitudes y las fechas que estamos vigilando:
""" + _CASE_LIST + """
Cómo se verificará su solicitud:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}
No necesita hacer nada por ahora. Nunca cobramos por una solicitud.
""" + _SIGNATURE,
    ),
    "intake_agent_copy": DefaultTemplate(
        description="", subject="Solicitud de privacidad presentada en nombre de {{ subject_name }} ({{ references }})",
        body_text="""Estimado/a {{ submission.agent_name|default:"agente" }}:

Hemos recibido la solicitud de privacidad que presentó el {{ received_on|date }} en nombre de \
{{ subject_name }}, con la autorización firmada que adjuntó.

Solicitudes y cuándo responderemos:
""" + _CASE_LIST + """
{% if consumer_asked_to_confirm %}Hemos escrito directamente a {{ subject_name }} para pedirle que confirme \
la solicitud, como nos permite la ley.{% else %}Estas solicitudes no necesitan confirmación: ya hemos \
empezado a tramitarlas y se lo hemos comunicado directamente a {{ subject_name }}.{% endif %} También podemos \
contactar con esa persona para confirmar que le dio permiso para actuar en su nombre. Nuestra oficina de \
privacidad comprobará la autorización que adjuntó.

Oficina de Privacidad de {{ company_name }}
{{ privacy_email }}
""",
    ),
    "intake_withdrawn": DefaultTemplate(
        description="",
        subject="Ha retirado su solicitud de privacidad {% for c in cases %}{{ c.reference }}{% endfor %}",
        body_text=_DEAR + """Tal como nos pidió, hemos retirado esta solicitud y dejado de tramitarla:
{% for c in cases %}- {{ c.reference }}: {{ c.get_right_display }}
{% endfor %}
Si ha sido un error, puede presentar una nueva solicitud en cualquier momento: {{ form_url }}
""" + _SIGNATURE,
    ),
    "intake_new_link": DefaultTemplate(
        description="", subject="Su enlace a sus solicitudes de privacidad",
        body_text=_DEAR + """Ha pedido un nuevo enlace a sus solicitudes de privacidad. Abra este enlace para \
verlas, junto con los mensajes que le hemos enviado:
{{ status_url }}
{% if verify_links %}
Estas solicitudes todavía necesitan que confirme su dirección de correo electrónico. Abra el enlace de cada \
una antes del {{ verify_expires }}:
{% for item in verify_links %}- {{ item.references }}: {{ item.url }}
{% endfor %}{% endif %}
Si usted no ha pedido este enlace, puede ignorar este correo.
""" + _SIGNATURE,
    ),
    "verification_reminder": DefaultTemplate(
        description="", subject="Confirme su solicitud de privacidad",
        body_text=_DEAR + """El {{ link_sent_on|date }} le enviamos un correo con un enlace para confirmar \
{{ cases|length|pluralize:"su solicitud,sus solicitudes" }}:
{% for case in cases %}- {{ case.reference }}: {{ case.get_right_display }}
{% endfor %}
Abra el enlace de ese correo. Sigue siendo válido hasta el {{ link_expires_on|date }}. Si para entonces no \
podemos confirmar que la solicitud procede de usted, tendremos que cerrarla sin actuar sobre ella.
Si no encuentra el correo, pida un nuevo enlace en {{ new_link_url }} o escriba a {{ privacy_email }}.
""" + _SIGNATURE,
    ),
    "closed_unverified": DefaultTemplate(
        description="", subject="Hemos cerrado su solicitud de privacidad: no hemos podido verificarla",
        body_text=_DEAR + """Hemos cerrado {{ cases|length|pluralize:"su solicitud,sus solicitudes" }} sin \
actuar sobre {{ cases|length|pluralize:"ella,ellas" }}:
{% for case in cases %}- {{ case.reference }}: {{ case.get_right_display }}
{% endfor %}
Motivo: {{ reason }}.

Antes de actuar sobre una solicitud debemos poder confirmar que procede de la persona a la que se refiere. \
Puede presentar una nueva solicitud en cualquier momento; si cree que se trata de un error, escriba a \
{{ privacy_email }}.

{{ rights_notice }}
""" + _SIGNATURE,
    ),
    "declaration_request": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: firme una declaración",
        body_text=_DEAR + """Para facilitarle los datos concretos que tenemos sobre usted (solicitud \
{{ reference }}, {{ right_label }}), la ley nos exige verificar su identidad con un grado de certeza \
razonablemente alto. Abra este enlace, lea la declaración y fírmela escribiendo su nombre:

{{ confirm_url }}

La declaración dice: "{{ statement }}"

El enlace solo funciona una vez, hasta el {{ expires_on }}. Si no la firma, le indicaremos en su lugar las \
categorías de información que tenemos.
""" + _SIGNATURE,
    ),
    "agent_confirmation_request": DefaultTemplate(
        description="",
        subject="¿Pidió a {{ agent_name|default:'un agente' }} que presentara una solicitud de privacidad en su "
                "nombre?",
        body_text=_DEAR + """{{ agent_name|default:'Un agente autorizado' }} ha presentado una solicitud de \
privacidad en su nombre ({{ reference }}, {{ right_label }}). Antes de actuar sobre ella, confirme \
directamente con nosotros que le dio permiso:

{{ confirm_url }}

El enlace solo funciona una vez, hasta el {{ expires_on }}. Si usted no ha pedido a nadie que actúe en su \
nombre, abra el enlace y responda "No", o infórmenos en {{ privacy_email }}.
""" + _SIGNATURE,
    ),
    "opt_out_processed": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }} se ha procesado",
        body_text=_DEAR + """Hemos procesado su solicitud {{ reference }} ({{ right_label }}) el \
{{ processed_on }}. Ya no {% if dsr.right == "limit_sensitive" %}usamos su información personal sensible más \
allá de lo necesario para prestar nuestros servicios{% else %}vendemos ni compartimos su información \
personal{% endif %}, y hemos indicado a los terceros afectados que hagan lo mismo.

{{ response }}
""" + _SIGNATURE,
    ),
    "referral_answered": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }}: {{ organization_name }} ha respondido",
        body_text=(
            _DEAR + "{{ organization_name }}, que decide sobre su solicitud {{ reference }} ({{ right_label }}), "
                    "nos ha comunicado: {{ answer_label|lower }}. Si no ha recibido su respuesta o no está de "
                    "acuerdo con ella, diríjase a {{ organization_name }} en {{ organization_email }}.\n"
            "{% if rights_notice %}\nSus derechos: {{ rights_notice }}\n{% endif %}" + _SIGNATURE
        ),
    ),
}

# Automated decisions (admt app; RULES.md §9).
TEMPLATES.update({
    "admt_opt_out_processed": DefaultTemplate(
        description="", subject="Su solicitud de privacidad {{ reference }} se ha procesado",
        body_text=_DEAR + """Hemos procesado su solicitud {{ reference }} ({{ right_label }}) el \
{{ processed_on }}. Ya no utilizamos tecnología de toma de decisiones automatizada \
{% if dsr.right == "profiling_opt_out" %}para elaborar perfiles sobre usted con miras a decisiones que produzcan \
efectos jurídicos o de importancia similar{% else %}para tomar decisiones sobre usted{% endif %}, y hemos indicado \
a todos los que tratan su información con ella que dejen de hacerlo. No le pediremos que vuelva a aceptarla \
durante al menos 12 meses.

{{ response }}
{% if rights_notice %}
{{ rights_notice }}
{% endif %}""" + _SIGNATURE,
    ),
    "admt_access_response": DefaultTemplate(
        description="",
        subject="Su solicitud de privacidad {{ reference }}: cómo utilizamos la toma de decisiones automatizada "
                "sobre usted",
        body_text=_DEAR + "{{ body }}\n\nPuede responder en su página de estado.\n" + _SIGNATURE,
    ),
})
