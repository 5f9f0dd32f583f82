#!/usr/bin/env bash
# The main job: set up .venv, then run eap_nb's end-to-end offline demo.
# The demo's own folder (eap-nb-demo) is regenerated on every run; an --out of your choosing is refused if it holds
# something, unless you add --overwrite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
case " $* " in
  *" --out"*) exec .venv/bin/eap-nb demo "$@" ;;
  *) exec .venv/bin/eap-nb demo --out eap-nb-demo --overwrite "$@" ;;
esac
