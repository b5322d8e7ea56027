#!/usr/bin/env bash
# Run the whole test suite: installs the dev extras into .venv, then pytest.
# With HEARTH_TEST_DATABASE_URL set (postgresql://...), database tests also run on PostgreSQL.
source "$(dirname "$0")/bootstrap.sh" "dev"
exec .venv/bin/python -m pytest "$@"
