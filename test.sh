#!/usr/bin/env bash
# Command 2: run the whole test suite (extra arguments go to pytest).
# On the embedded defaults without services; on PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set.
source "$(dirname "$0")/scripts/bootstrap.sh"
# The tests run in parallel processes (pytest-xdist), one per core up to four; each has its own test database,
# Redis database and var/ folder (medprivacy/settings.py). MEDPRIVACY_TEST_PROCESSES=0 runs them in one process.
exec .venv/bin/python -m pytest -n "${MEDPRIVACY_TEST_PROCESSES:-auto}" --maxprocesses 4 "$@"
