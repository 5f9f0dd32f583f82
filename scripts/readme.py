#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb (nbdev-readme needs Quarto, which these machines cannot install).

Markdown cells are copied; code cells without a `#|` directive become ```python blocks; links to notebooks point into
nbs/. `--check` exits 1 if README.md differs from what this would write.
"""
import re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parent.parent
FOOTER = "---\nThis README is generated from `nbs/index.ipynb` by `scripts/readme.py` (`scripts/test.sh` checks they agree).\n"

def readme() -> str:
    nb = nbformat.read(ROOT / 'nbs' / 'index.ipynb', as_version=4)
    parts = []
    for c in nb.cells:
        src = c.source.strip()
        if not src: continue
        if c.cell_type == 'markdown': parts.append(re.sub(r'\]\(([\w-]+\.ipynb)\)', r'](nbs/\1)', src))
        elif not src.startswith('#|'): parts.append(f'```python\n{src}\n```')
    return '\n\n'.join(parts) + '\n\n' + FOOTER

if __name__ == '__main__':
    text, path = readme(), ROOT / 'README.md'
    if '--check' in sys.argv:
        if path.read_text() != text: sys.exit('README.md differs from nbs/index.ipynb: run .venv/bin/python scripts/readme.py')
        print('README.md agrees with nbs/index.ipynb')
    else: path.write_text(text); print(f'wrote {path}')
