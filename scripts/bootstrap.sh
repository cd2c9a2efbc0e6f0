# Sourced by run.sh and test.sh: make the virtualenv, install the pinned requirements when they
# change, and write a local .env with a random secret key on first run. Needs only Python 3.11.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
py=${PYTHON:-}
if [ -z "$py" ]; then
  for cand in python3.11 python3; do command -v "$cand" >/dev/null 2>&1 && py=$cand && break; done
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtualenv in .venv with $py ..."
  "$py" -m venv .venv
fi
# A developer's machine: the runtime pins (requirements.txt) plus the tools (requirements-dev.txt).
want=$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("requirements.txt","rb").read() + open("requirements-dev.txt","rb").read()).hexdigest())')
if [ "$(cat .venv/.requirements.sha256 2>/dev/null || true)" != "$want" ]; then
  echo "Installing pinned requirements into .venv ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > .venv/.requirements.sha256
fi
if [ ! -f .env ]; then
  key=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')
  cat > .env <<ENV
# Written on first run for local use only; production sets real values (see .env.example).
DJANGO_SECRET_KEY=$key
DJANGO_DEBUG=true
DJANGO_HTTPS=false
ENV
  chmod 600 .env
  echo "Wrote a local .env with a random DJANGO_SECRET_KEY."
fi
