#!/usr/bin/env bash
# The docs command: render every notebook in nbs/ (with its stored outputs) to offline HTML pages in _docs_html/
# (landing page _docs_html/index.html; plotly.min.js shipped beside the pages; nothing fetched from the network).
# It uses nbdev's own notebook processors, then nbconvert; see scripts/render_docs.py. Extra arguments go to it
# (--force: reprocess every notebook; --out DIR; --workers N).
# Where Quarto is installed, `.venv/bin/nbdev-docs` builds the full nbdev site into _docs/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
exec .venv/bin/python scripts/render_docs.py "$@"
