#!/usr/bin/env bash
# Command 2: run the whole test suite (extra arguments go to pytest).
# On the embedded defaults without services; on PostgreSQL / Redis when DATABASE_URL / REDIS_URL are set.
source "$(dirname "$0")/scripts/bootstrap.sh"
exec .venv/bin/python -m pytest "$@"
