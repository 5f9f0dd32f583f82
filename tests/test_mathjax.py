"""Equations render offline: the MathJax that nbs/_quarto.yml and scripts/render_docs.py load is the copy vendored
in nbs/mathjax/ (no CDN), and Quarto copies it with the pages."""
import fnmatch, sys
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'


def test_quarto_mathjax_is_local():
    cfg = yaml.safe_load((NBS / '_quarto.yml').read_text())
    m = cfg['format']['html']['html-math-method']
    assert m['method'] == 'mathjax' and '://' not in m['url'], f"html-math-method must point at a local file, got {m}"
    js = NBS / m['url']
    assert js.exists() and js.stat().st_size > 1_000_000, f'{js} missing: see nbs/mathjax/SOURCE.txt'
    assert b'MathJax' in js.read_bytes()[:200_000]
    assert any(fnmatch.fnmatch(m['url'], pat) for pat in cfg['project']['resources']), 'list nbs/mathjax under project resources'


def test_render_docs_uses_the_same_copy():
    sys.path.insert(0, str(ROOT / 'scripts'))
    try: import render_docs
    finally: sys.path.remove(str(ROOT / 'scripts'))
    url = yaml.safe_load((NBS / '_quarto.yml').read_text())['format']['html']['html-math-method']['url']
    assert render_docs.MATHJAX == url
    assert f'src="{url}"' in render_docs.TEMPLATE
