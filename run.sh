#!/usr/bin/env bash
# Command 1: run the whole portal (web, Celery worker, Celery beat) in the foreground; Ctrl-C stops all.
# Uses DATABASE_URL / CELERY_BROKER_URL / REDIS_URL when set, the embedded defaults otherwise.
source "$(dirname "$0")/scripts/bootstrap.sh"
export MEDPRIVACY_PORT=${MEDPRIVACY_PORT:-8000}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py install_schedule
.venv/bin/python manage.py seed_demo
cat <<MSG

  MedPrivacy is starting (web, worker, beat). Ctrl-C stops all three.
    Officers' admin: http://127.0.0.1:${MEDPRIVACY_PORT}/admin/
    Public site:     http://127.0.0.1:${MEDPRIVACY_PORT}/
    Health:          http://127.0.0.1:${MEDPRIVACY_PORT}/healthz
    E-mails sent:    var/mail/ (and on each case's timeline)
    Links in e-mails point at port ${MEDPRIVACY_PORT} (MEDPRIVACY_PORT=8123 ./run.sh to use another).
    Two-factor login: the demo accounts above skip it in this local DEBUG run; every other supervisor
    sets up an authenticator app (TOTP) at first login. Production requires it for supervisors.

MSG
exec .venv/bin/honcho --no-prefix -f Procfile.dev start
