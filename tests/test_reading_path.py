"""The reading path (issue 27, part 3): `nbs/sidebar.yml` lists every page once, in three numbered parts after the
landing page and the paper map; the rendered pages follow it; every page ends with a "Next:" link to the page after
it; the planted models come before every page that uses them; checks are folded on the page by a rule that can be
shown to fold what it should and nothing else; `scripts/link_pages.py` links page names and nothing else.
"""
import json, re, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
sys.path.insert(0, str(ROOT / 'scripts'))
import render_docs as rd  # noqa: E402
import link_pages as lp  # noqa: E402
sys.path.remove(str(ROOT / 'scripts'))


def pages():
    return [p.name for p in sorted(NBS.glob('*.ipynb')) if not p.name.startswith(('_', '.'))]


def sidebar_names():
    return [n for _, n in rd.sidebar(NBS)]


def markdown(nb: str) -> list:
    return [''.join(c['source']) for c in json.loads((NBS / nb).read_text())['cells'] if c['cell_type'] == 'markdown']


def code(nb: str) -> str:
    return '\n'.join(''.join(c['source']) for c in json.loads((NBS / nb).read_text())['cells'] if c['cell_type'] == 'code')


def test_sidebar_lists_every_page_once_in_three_parts():
    names = sidebar_names()
    assert sorted(names) == sorted(pages()), f'sidebar.yml and nbs/ differ: {set(names) ^ set(pages())}'
    assert len(names) == len(set(names)), 'a page is listed twice'
    assert names[:2] == ['index.ipynb', 'paper_map.ipynb'], names[:2]
    parts = list(dict.fromkeys(s for s, _ in rd.sidebar(NBS) if s))
    assert [p.split('.')[0] for p in parts] == ['I', 'II', 'III'], parts
    sec = rd.sections(NBS)
    first_part = [n for n in names if sec[n] == parts[0]]
    track = ['01_graph', '02_patching', '03_attribution', '04_prune', '06_acdc', '07_evaluation', '11_tasks',
             '09_limitations', '16_reproducing']  # the paper's order: graph ... ACDC, evaluation, tasks, limitations
    idx = [first_part.index(t + '.ipynb') for t in track]
    assert idx == sorted(idx), f'part I is out of the paper\'s order: {first_part}'


def test_pyproject_keeps_the_sidebar():
    "nbdev-docs regenerates sidebar.yml (by file name, no parts) unless custom_sidebar is true"
    assert re.search(r'^custom_sidebar\s*=\s*true\b', (ROOT / 'pyproject.toml').read_text(), re.M)


def test_rendered_order_is_the_sidebar():
    assert [p.name for p in rd.notebooks(NBS)] == sidebar_names()


def test_a_page_the_sidebar_forgets_still_renders(tmp_path):
    for n in ('index', 'b', 'a', '_scratch'): (tmp_path / f'{n}.ipynb').write_text('{}')
    (tmp_path / 'sidebar.yml').write_text('website:\n  sidebar:\n    contents:\n      - index.ipynb\n'
                                          '      - section: "I. Part"\n        contents:\n          - b.ipynb\n')
    assert [p.name for p in rd.notebooks(tmp_path)] == ['index.ipynb', 'b.ipynb', 'a.ipynb']
    assert rd.sections(tmp_path) == {'index.ipynb': None, 'b.ipynb': 'I. Part'}


def test_next_lines_follow_the_sidebar():
    names, bad = sidebar_names(), []
    for i, nb in enumerate(names):
        last = markdown(nb)[-1]
        if i + 1 == len(names):
            if last.startswith('Next'): bad.append(f'{nb}: the last page has a Next line')
            continue
        m = re.match(r'Next: [^\n]*?\]\(([\w.-]+\.ipynb)\)', last)
        if not m: bad.append(f'{nb}: last markdown cell is not a "Next: [...](page.ipynb)" line: {last[:60]!r}')
        elif m.group(1) != names[i + 1]: bad.append(f'{nb}: Next is {m.group(1)}, the sidebar says {names[i + 1]}')
    assert not bad, '\n'.join(bad)


def test_planted_models_come_before_the_pages_that_use_them():
    names = sidebar_names()
    users = [n for n in names if n != '08_planted.ipynb' and re.search(r'\beap_nb\.planted\b', code(n))]
    assert users, 'no page uses the planted models?'
    late = [n for n in users if names.index(n) < names.index('08_planted.ipynb')]
    assert not late, f'pages read before 08_planted that use it: {late}'


# ---------------------------------------------------------------- folding checks on the rendered page
def test_split_checks_folds_only_checks():
    shown, folded, n = rd.split_checks('x = f(2)\ntest_eq(x, 4)  # the square\nassert x > 0\nx')
    assert (shown, n) == ('x = f(2)\nx', 2) and folded == 'test_eq(x, 4)  # the square\nassert x > 0'
    # a comment line travels with the statement after it; an expected failure folds whole
    shown, folded, n = rd.split_checks('y = 1\n# refused:\nwith expect_fail(ValueError): g(-1)\nprint(y)')
    assert shown == 'y = 1\nprint(y)' and folded == '# refused:\nwith expect_fail(ValueError): g(-1)' and n == 1
    # a loop of checks folds where it ends the cell; a loop that prints stays, checks and all (its output is the evidence)
    src = 'for k in range(3):\n    print(k)\n    test_eq(k, k)\nfor k in range(3): test_close(h(k), k)'
    shown, folded, n = rd.split_checks(src)
    assert folded == 'for k in range(3): test_close(h(k), k)' and shown == 'for k in range(3):\n    print(k)\n    test_eq(k, k)'
    # in the middle of a cell only what cannot change the rest moves: not a loop, not a check that runs the code under
    # test (its side effects may be what the next lines read), not a block that binds a name
    for mid in ('for k in range(3): test_close(h(k), k)', "test_eq(main(['list']), 0)",
                'with warnings.catch_warnings(record=True) as w: test_eq(f(), 1)', 'assert (m := len(x)) > 0'):
        assert rd.split_checks(f'{mid}\nprint(1)') == (f'{mid}\nprint(1)', '', 0), mid
    assert rd.split_checks('test_eq(len(x.edges), 3)\nprint(1)') == ('print(1)', 'test_eq(len(x.edges), 3)', 1)
    # statements sharing a line stay together, and a cell with no checks, or not Python, is left as it is
    assert rd.split_checks('a = 1; test_eq(a, 1)') == ('a = 1; test_eq(a, 1)', '', 0)
    assert rd.split_checks('test_eq(1, 1); assert True') == ('', 'test_eq(1, 1); assert True', 2)
    assert rd.split_checks('z = 2\nz') == ('z = 2\nz', '', 0)
    assert rd.split_checks('%timeit f()') == ('%timeit f()', '', 0)
    # a loop that defines a function is not a check, even if it asserts
    assert rd.split_checks('for i in range(2):\n    def f(): return i\n    assert f() == i')[2] == 0


def test_split_checks_never_loses_a_line():
    "On every code cell of every notebook: the shown and the folded lines are the cell's lines, in order, none lost"
    for nb in pages():
        for c in json.loads((NBS / nb).read_text())['cells']:
            if c['cell_type'] != 'code': continue
            src = '\n'.join(l for l in ''.join(c['source']).split('\n') if not l.startswith('#|')).strip('\n')
            shown, folded, n = rd.split_checks(src)
            lines = [l for l in src.split('\n') if l.strip()]
            got = [l for l in (shown + '\n' + folded).split('\n') if l.strip()]
            assert sorted(got) == sorted(lines), f'{nb}: {src[:80]!r}'
            assert (n > 0) == bool(folded.strip()), f'{nb}: {src[:80]!r}'


# ---------------------------------------------------------------- linking page names
def test_link_pages_links_names_and_nothing_else():
    stems = {'03_attribution', '08_planted', 'paper_map'}
    md = ('EAP (`03_attribution`) on `08_planted`\'s model; `eap_scores`; [`08_planted`](08_planted.ipynb) already; '
          '`03_attribution_x`; ``03_attribution``\n## Heading `03_attribution`\n```\n`03_attribution`\n```\n'
          'self: `paper_map`')
    out, n = lp.link_text(md, stems, self_stem='paper_map')
    assert n == 2, out
    assert out.startswith('EAP ([`03_attribution`](03_attribution.ipynb)) on [`08_planted`](08_planted.ipynb)\'s model;')
    assert '; `eap_scores`; [`08_planted`](08_planted.ipynb) already; `03_attribution_x`; ``03_attribution``' in out
    assert '## Heading `03_attribution`\n```\n`03_attribution`\n```\nself: `paper_map`' in out
    assert lp.link_text(out, stems, self_stem='paper_map') == (out, 0)  # idempotent


def test_link_pages_leaves_code_cells(tmp_path):
    nb = {'cells': [{'cell_type': 'code', 'source': ['# see `03_attribution`\n'], 'metadata': {}, 'outputs': []},
                    {'cell_type': 'markdown', 'source': ['see `03_attribution`'], 'metadata': {}}],
          'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    p = tmp_path / 'x.ipynb'; p.write_text(json.dumps(nb))
    assert lp.link_notebook(p, {'03_attribution'}) == 1
    cells = json.loads(p.read_text())['cells']
    assert cells[0]['source'] == ['# see `03_attribution`\n']
    assert cells[1]['source'] == ['see [`03_attribution`](03_attribution.ipynb)']
    assert lp.link_notebook(p, {'03_attribution'}) == 0


def test_every_page_mention_is_a_link():
    "issue 27: pages named in the prose as plain code (163 of them) are links; `python scripts/link_pages.py` fixes new ones"
    found = {p.name: n for p in sorted(NBS.glob('*.ipynb')) if not p.name.startswith('_')
             if (n := lp.link_notebook(p, lp.page_stems(), write=False))}
    assert not found, f'plain page names (run python scripts/link_pages.py): {found}'
