#!/usr/bin/env bash
# The main job: set up .venv, then run eap_nb's end-to-end offline demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/eap-nb demo "$@"
