#!/usr/bin/env bash
# Every test: set up .venv (with the tracr extra: 15_tracr compiles its models) with the current TransformerLens (4.x)
# and .venv-tl3 with TransformerLens 3.9; the library must be what nbdev-export makes of the notebooks; the notebooks must
# be clean (nbdev-clean changes nothing); every notebook runs (nbdev-test) and pytest passes, on both generations.
# Cells that need what only one generation has print one line and are counted (EAP_NB_SKIPS), not silently skipped.
# The rendered pages are checked in Chromium (tests/test_docs.py), which is installed from Debian's archive when missing.
# TL3=0 skips the TransformerLens 3.9 pass. Ends with one line: "eap_nb: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
TL3=${TL3:-1}
passed=0; failed=0
ok()   { passed=$((passed + $1)); }
bad()  { failed=$((failed + $1)); }
if ! bash scripts/setup.sh dev,tracr; then echo "setup failed"; echo "eap_nb: 0 passed, 1 failed"; exit 1; fi
if [ "$TL3" = 1 ] && ! VENV=.venv-tl3 TL='transformer_lens>=3.9,<4' bash scripts/setup.sh dev,tracr; then
  echo "setup of .venv-tl3 failed"; echo "eap_nb: 0 passed, 1 failed"; exit 1; fi

# The docs test opens every page in Chromium: where it is missing, Debian's `chromium` is installed (as root; these
# machines reach Debian's archive). Where that cannot be done, the reason is handed to the docs test, which fails with it.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && ! command -v google-chrome >/dev/null 2>&1; then
  echo "== Chromium: missing; installing Debian's chromium (the docs test opens the rendered pages in it)"
  if [ "$(id -u)" != 0 ]; then export EAP_NB_CHROMIUM="not root, so apt-get cannot install it (run the tests as root, or install chromium)"
  elif ! apt_log=$( (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) 2>&1 ); then
    export EAP_NB_CHROMIUM="apt-get install chromium failed: $(echo "$apt_log" | grep -v '^[[:space:]]*$' | tail -n 1)"
  elif ! command -v chromium >/dev/null 2>&1; then export EAP_NB_CHROMIUM="apt-get installed chromium, but it is not on PATH"
  fi
  echo "Chromium: ${EAP_NB_CHROMIUM:-$(command -v chromium)}"
fi

snap=$(mktemp -d)
cp -r eap_nb nbs "$snap/"
echo "== nbdev-export: is eap_nb/ in sync with the notebooks?"
if $V/nbdev-export && diff -r -x __pycache__ "$snap/eap_nb" eap_nb; then ok 1; echo "in sync"
else bad 1; echo "FAILED: eap_nb/ differs from what nbdev-export makes of nbs/ (edit the notebooks, export, commit both)"; fi

echo "== nbdev-clean: are the notebooks clean?"
if $V/nbdev-clean && diff -r "$snap/nbs" nbs >/dev/null; then ok 1; echo "clean"
else bad 1; echo "FAILED: nbdev-clean changed these notebooks (run nbdev-clean and commit):"; diff -rq "$snap/nbs" nbs; fi
rm -rf "$snap"

echo "== README.md: does it agree with nbs/index.ipynb?"
if $V/python scripts/readme.py --check; then ok 1; else bad 1; fi

suite() {  # suite VENV [PYTEST-ARGS]: every notebook and pytest under that environment's TransformerLens
  local V=$1/bin skips; skips=$(mktemp); shift
  local tl; tl=$($V/python -c 'from importlib.metadata import version; print(version("transformer_lens"))')
  echo "== nbdev-test: every notebook (TransformerLens $tl)"
  nbs=$(ls nbs/*.ipynb | grep -v '/_' | wc -l)
  out=$(EAP_NB_SKIPS=$skips $V/nbdev-test --n-workers 2 --timing 2>&1); rc=$?
  echo "$out" | tail -n 40
  nfail=$(echo "$out" | sed -n '/Tests Failed On The Following Notebooks/,$p' | grep -c $'^\t' || true)
  if [ $rc -ne 0 ] && [ "$nfail" -eq 0 ]; then nfail=$nbs; fi
  ok $((nbs - nfail)); bad "$nfail"
  echo "notebooks: $((nbs - nfail)) passed, $nfail failed; $(wc -l < "$skips") cells skipped as needing the other generation:"
  sort "$skips" | uniq -c | sed 's/^/  /'; rm -f "$skips"
  echo "== pytest (TransformerLens $tl)"
  local junit; junit=$(mktemp -t eap_nb_junit.XXXXXX.xml)  # private: two test runs at once (two clones) must not share a report
  $V/python -m pytest -q -p no:cacheprovider tests --junitxml="$junit" "$@"; prc=$?
  read -r pp pf < <($V/python - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    r = ET.parse(sys.argv[1]).getroot()
    s = r if r.tag == 'testsuite' else r.find('testsuite')
    t, f, e, sk = (int(s.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped'))
    print(t - f - e - sk, f + e)
except Exception: print(0, 1)
PY
)
  rm -f "$junit"
  if [ $prc -ne 0 ] && [ "$pf" -eq 0 ]; then pf=1; fi
  ok "$pp"; bad "$pf"
}
suite .venv
[ "$TL3" = 1 ] && suite .venv-tl3 -m 'not once'  # the command's process and file handling ran once, above (pytest prints them as deselected)

echo "eap_nb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
