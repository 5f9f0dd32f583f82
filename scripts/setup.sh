#!/usr/bin/env bash
# Create .venv in the checkout (if needed) and install eap_nb into it, editable, with the dev tools.
# torch is installed first from the pinned CPU build: an unpinned torch would pull a multi-GB CUDA build.
# One line per step; pip runs quietly (its errors still show).
# Extras: `bash scripts/setup.sh dev,tracr` (the test command's) adds the tracr extra (tracr, jax: compiles the RASP
# models of nbs/15_tracr.ipynb); the default is `dev`.
# TransformerLens: the current generation (4.x) by default, what a new user gets. VENV and TL choose another folder and
# pin, e.g. `VENV=.venv-tl3 TL='transformer_lens>=3.9,<4' bash scripts/setup.sh dev,tracr` (the test command's second pass).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
EXTRAS=${1:-dev}
VENV=${VENV:-.venv}
TL=${TL:-}
case ",$EXTRAS," in *[!a-z,]*) echo "setup: extras must be a comma-separated list such as dev,tracr, got '$EXTRAS'" >&2; exit 2;; esac
say() { echo "setup: $*"; }
# This machine's pip configuration names package folders that may be absent; pip then warns once per package
# ("WARNING: Location 'file:///...' is ignored"): those lines, and only those, are dropped from pip's stderr.
pipq() { "$@" 2> >(grep -v "^WARNING: Location 'file:.*' is ignored: it is neither a file nor a directory" >&2); }
case "$VENV" in .venv|.venv-*) ;; *) echo "setup: VENV must be .venv or .venv-NAME, got '$VENV'" >&2; exit 2;; esac
if [ -x "$VENV/bin/python" ]; then say "using the virtual environment $VENV"
else say "creating a virtual environment in $VENV ($("$PY" --version))"; "$PY" -m venv "$VENV"; fi
say "updating pip"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if "$VENV/bin/python" -c "import torch" 2>/dev/null; then say "torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)') is installed"
else say "installing torch 2.13.0 (CPU build; the largest download, a few minutes)"; pipq "$VENV/bin/pip" install -q "torch==2.13.0"; fi
say "installing eap_nb (editable) and its dependencies: transformer_lens, transformers, tokenizers, numpy, plotly,"
say "  scikit-learn, tqdm, safetensors; and the dev tools: nbdev, jupyter, pytest (a few minutes the first time)"
# setuptools' notice that an editable install is editable ("Editable installation.") is not about this package: filtered
case ",$EXTRAS," in *,tracr,*) say "  and the tracr extra: tracr-pypi, jax, jaxlib, dm-haiku, chex (compiles the RASP models; about 0.5 GB)";; esac
[ -n "$TL" ] && say "  with $TL"
PYTHONWARNINGS="ignore:Editable installation" pipq "$VENV/bin/pip" install -q -e ".[$EXTRAS]" ${TL:+"$TL"}
say "done: TransformerLens $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("transformer_lens"))'); $VENV/bin/eap-nb, $VENV/bin/nbdev-test and $VENV/bin/pytest are ready"
