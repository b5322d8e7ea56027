#!/usr/bin/env bash
# Run Hearth: installs into .venv, migrates the SQLite database under ./data, serves the
# API and the web UI on http://127.0.0.1:8000 (arguments go to `hearth serve`).
source "$(dirname "$0")/bootstrap.sh" ""
exec .venv/bin/hearth serve "$@"
