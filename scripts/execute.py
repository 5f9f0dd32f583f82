#!/usr/bin/env python
"""Execute notebooks in place so their stored outputs are current (the rendered docs show them).

Cells flagged `#| pretrained` need weights from the model hub and are skipped (their outputs are cleared);
`#| slow` cells run, so benchmark figures are stored. Run `nbdev-clean` afterwards.
Plotly figures are stored both as JSON and as HTML, so Quarto (nbdev-docs) can show them too.
Usage: .venv/bin/python scripts/execute.py nbs/11_tasks.ipynb [more.ipynb ...]
"""
import os, re, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

# Store each plotly figure as JSON (our offline pages draw it) and as HTML (what Quarto shows, for nbdev-docs)
os.environ.setdefault('PLOTLY_RENDERER', 'plotly_mimetype+notebook_connected')
SKIP = re.compile(r'^\s*#\|\s*pretrained\b', re.M)

def execute(path:Path, timeout:int=1800):
    nb = nbformat.read(path, as_version=4)
    skipped = {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'code' and SKIP.search(c.source):
            skipped[i] = c.source
            c.source = '# skipped by scripts/execute.py: needs pretrained weights'
    t = time.time()
    NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(path.parent)}}).execute()
    for i, src in skipped.items():
        nb.cells[i].source, nb.cells[i].outputs, nb.cells[i].execution_count = src, [], None
    nbformat.write(nb, path)
    print(f'{path}: executed in {time.time() - t:.0f}s ({len(skipped)} pretrained cells skipped)')

if __name__ == '__main__':
    for p in sys.argv[1:]: execute(Path(p))
