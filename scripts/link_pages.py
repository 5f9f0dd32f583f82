#!/usr/bin/env python
"""Link the pages named in the notebooks' prose: `` `03_attribution` `` becomes ``[`03_attribution`](03_attribution.ipynb)``.

Markdown cells only (code cells are never touched), outside fenced code blocks and headings; a mention already inside
a link, and a page's mention of itself, are left as they are, so running it twice changes nothing. Pages are the
notebooks of nbs/ (numbered ones, `paper_map`, `glossary`); the link is to the notebook, which the rendered pages
(`scripts/render_docs.py`), Quarto and GitHub each resolve to the page, and `scripts/readme.py` points into nbs/.

Usage: python scripts/link_pages.py [--check] [NOTEBOOK ...]   (default: every notebook in nbs/; --check: change
nothing, exit 1 and name the notebooks that have a mention to link)
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / 'nbs'
NAMED = ('paper_map', 'glossary')  # the unnumbered pages; `index` is left out (`index` is also a method's name)


def page_stems(nbs: Path = NBS) -> set:
    "The notebooks a mention can link to: the numbered ones and the named unnumbered ones"
    return {p.stem for p in nbs.glob('*.ipynb') if re.match(r'\d+[a-z]?_\w+$', p.stem) or p.stem in NAMED}


def link_text(md: str, stems: set, self_stem: str = '') -> tuple:
    "(`md` with every plain `` `stem` `` mention linked, number of links made)"
    pat = re.compile(r'(?<![\[\w`])`(' + '|'.join(map(re.escape, sorted(stems, key=len, reverse=True))) + r')`(?![\]`])')
    out, fence, n = [], None, 0
    for line in md.split('\n'):
        m = re.match(r'\s*(```|~~~)', line)
        if fence:
            if m and m.group(1) == fence: fence = None
        elif m: fence = m.group(1)
        elif not line.lstrip().startswith('#'):
            def sub(x):
                nonlocal n
                if x.group(1) == self_stem: return x.group(0)
                n += 1
                return f'[`{x.group(1)}`]({x.group(1)}.ipynb)'
            line = pat.sub(sub, line)
        out.append(line)
    return '\n'.join(out), n


def link_notebook(path: Path, stems: set, write: bool = True) -> int:
    "Link the mentions in the markdown cells of the notebook at `path`; returns how many were linked"
    text = path.read_text(encoding='utf-8')
    nb = json.loads(text)
    total = 0
    for c in nb['cells']:
        if c['cell_type'] != 'markdown': continue
        src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
        new, n = link_text(src, stems, path.stem)
        if n:
            total += n
            c['source'] = new.splitlines(keepends=True) if isinstance(c['source'], list) else new
    if total and write:  # nbdev-clean's layout: one space indent, UTF-8 kept, a newline at the end
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    return total


def main(argv):
    check = '--check' in argv
    paths = [Path(a) for a in argv if a != '--check'] or sorted(p for p in NBS.glob('*.ipynb') if not p.name.startswith('_'))
    stems = page_stems()
    found = {p.name: n for p in paths if (n := link_notebook(p, stems, write=not check))}
    for name, n in found.items(): print(f'{name}: {n} mention(s) {"to link" if check else "linked"}')
    if check and found:
        sys.exit('pages named in plain code: run python scripts/link_pages.py')
    if not found: print('every page mention is a link')


if __name__ == '__main__':
    main(sys.argv[1:])
