"""Render every notebook in nbs/ (stored outputs) to offline, self-contained HTML pages in _docs_html/.

Quarto (which `nbdev-docs` needs) cannot be installed everywhere, so this is the local docs command
(`bash scripts/docs.sh`). It uses nbdev's own notebook processors, as `nbdev-docs` does: frontmatter from the
title cell, `show_doc` API docs after `#| export` cells, `#| hide` and exported cells dropped, directives removed,
links to documented names. One change: nbdev's `exec_show_docs` runs every cell that contains an import (and
so whole analyses, pretrained ones included); here only what `show_doc` needs runs (exported cells, cells of
nothing but imports, `show_doc` cells), and every other cell keeps its stored outputs. Then nbconvert (lab
template) makes the pages. Plotly figures are drawn by `plotly.min.js`, copied beside the pages from the
installed plotly package, and equations by the MathJax copied from nbs/mathjax/ (SVG output, no font files);
nothing is fetched from the network (no require.js, mermaid or CDN). A figure with a fixed width is drawn at
that width at most (narrower in a narrow window); a display equation wider than the text scrolls on its own.
The verification notes (notes/*.md) and the benchmark results (bench/RESULTS.md) become pages too, and a page that
cites one of them, or a bench script, in code (`bench/RESULTS.md`) links to it.

The pages come in the order of `nbs/sidebar.yml` (the sidebar `nbdev-docs` builds with Quarto), and its sections
(the paper's track, beyond the paper, the engineering) head the navigation here too; a notebook the sidebar does not
list comes last. A code cell's checks (`assert`, `test_eq` and the other fastcore tests, `expect_fail` blocks, and
loops of them that print nothing) still run under nbdev-test but are folded on the page under a "checks" disclosure
(`split_checks`: those that end a cell, and those in its middle that cannot change what the rest computes); the rest of
the cell and every output stay visible.

Usage: python scripts/render_docs.py [--out _docs_html] [--force] [--workers 2]
"""
from __future__ import annotations

import argparse, ast, hashlib, html, json, os, re, shutil, sys, time, warnings
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
OUT = ROOT / '_docs_html'
PLOTLY_MIME = 'application/vnd.plotly.v1+json'
STAMP = '.stamp.json'
MATHJAX = 'mathjax/es5/tex-svg-full.js'  # MathJax 3, relative to nbs/ and to the output folder


# ---------------------------------------------------------------- which notebooks, in which order, and staleness
def sidebar(nbs: Path = NBS) -> list[tuple]:
    "(section or None, notebook file name) for every page `nbs/sidebar.yml` lists, in its order"
    import yaml
    f = nbs / 'sidebar.yml'
    if not f.exists(): return []
    out = []
    def walk(items, section):
        for it in items or []:
            if isinstance(it, str): out.append((section, it))
            elif isinstance(it, dict) and 'contents' in it: walk(it['contents'], section or it.get('section'))
            elif isinstance(it, dict) and it.get('href'): out.append((section, it['href']))
    walk(((yaml.safe_load(f.read_text()) or {}).get('website') or {}).get('sidebar', {}).get('contents'), None)
    return out


def notebooks(nbs: Path = NBS) -> list[Path]:
    "Notebooks to render, in reading order: the sidebar's (`nbs/sidebar.yml`), then any it does not list (index first, then by name); files starting with `_` or `.` skipped"
    nbs_ = [p for p in sorted(nbs.glob('*.ipynb')) if not p.name.startswith(('_', '.'))]
    order = {name: i for i, (_, name) in enumerate(sidebar(nbs))}
    return sorted(nbs_, key=lambda p: (p.name not in order, order.get(p.name, 0), p.stem != 'index', p.name))


def sections(nbs: Path = NBS) -> dict:
    "notebook file name -> the sidebar section it sits in (None at the top level or when not listed)"
    return {name: sec for sec, name in sidebar(nbs)}


def page_name(nb: Path) -> str:
    "nbdev's page name: lower case, numeric prefix dropped (`07_evaluation.ipynb` -> `evaluation.html`)"
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb.name.lower())[:-len('.ipynb')] + '.html'


def _fingerprint(nbs: Path = NBS) -> dict:
    "What the rendered site depends on: each notebook's content, this script, and the nbdev settings"
    h = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
    return {'notebooks': {p.name: h(p) for p in notebooks(nbs)}, 'script': h(Path(__file__)),
            'pyproject': h(ROOT / 'pyproject.toml'), 'notes': {p.name: h(p) for p in sorted((ROOT / 'notes').glob('*.md'))},
            'sidebar': h(nbs / 'sidebar.yml') if (nbs / 'sidebar.yml').exists() else None,
            'bench': {p.name: h(p) for p in sorted((ROOT / 'bench').glob('*')) if p.suffix in ('.md', '.py')}}


def is_stale(out: Path = OUT, nbs: Path = NBS) -> bool:
    "True if `out` is missing, incomplete, or was rendered from different notebooks, script or settings"
    try: old = json.loads((out / STAMP).read_text())
    except (OSError, ValueError): return True
    if old != _fingerprint(nbs): return True
    return not all((out / page_name(p)).exists() for p in notebooks(nbs)) or not (out / 'plotly.min.js').exists()


# ---------------------------------------------------------------- step 1: nbdev's processors (in a worker process)
def _only_imports(trees) -> bool:
    return bool(trees) and all(isinstance(t, (ast.Import, ast.ImportFrom)) for t in trees)


def _nbdev_process(src: str) -> dict:
    "Run nbdev's doc processors over the notebook at `src`; returns the processed notebook as a dict"
    os.environ['IN_TEST'] = '1'
    os.chdir(Path(src).parent)  # as nbdev-test runs notebooks
    warnings.filterwarnings('ignore', message='Found cells containing imports')
    from fastcore.nbio import read_nb, nb2str
    from nbdev.processors import FilterDefaults, exec_show_docs, _show_docs, cell_lang
    problems = []

    class exec_show_docs_stored(exec_show_docs):
        "nbdev's `exec_show_docs`, running only what `show_doc` needs and keeping every stored output"
        def __call__(self, cell):
            if not getattr(self.nb, 'has_docs_', None) or not hasattr(self, 'k'): return
            if cell.cell_type != 'code' or not cell.source or cell_lang(cell) != 'python': return
            if cell.directives_.get('eval', '').lower() == 'false': return
            trees = cell.parsed_()
            sd = bool(_show_docs(trees) if trees else False) or getattr(cell, 'has_sd', False)
            if not (sd or cell.directives_.keys() & {'export', 'exports', 'exporti', 'exec_doc'} or _only_imports(trees)):
                return
            stored = cell.get('outputs', [])
            self.k.cell(cell)
            if not sd: cell.outputs = stored
            if (e := self.k.exc) is not None:
                problems.append(f'{Path(src).name} cell {cell.idx_}: {type(e).__name__}: {e}')
                self.k.exc = None
                if sd: cell.outputs = []

    class Procs(FilterDefaults):
        def base_procs(self):
            return [exec_show_docs_stored if p is exec_show_docs else p for p in super().base_procs()]

    nb = read_nb(src)
    Procs()(nb)
    return {'nb': json.loads(nb2str(nb)), 'problems': problems}


# ---------------------------------------------------------------- step 2: from nbdev/Quarto conventions to plain nbconvert
_re_fm = re.compile(r'^---\n(.*?)\n---', re.S)
_re_opt = re.compile(r'^#\|\s*([\w-]+)\s*:?\s*(.*)$')
_re_attr_link = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)\{([^}]*)\}')


def _frontmatter(nb) -> dict:
    import yaml
    for c in nb.cells:
        if c.cell_type == 'raw' and (m := _re_fm.match(c.source.strip())):
            try: return yaml.safe_load(m.group(1)) or {}
            except yaml.YAMLError: return {}
    return {}


def _quarto_opts(cell) -> dict:
    "Strip leading `#| key: value` lines from a code cell, returning them"
    lines, opts = cell.source.splitlines(), {}
    while lines and (m := _re_opt.match(lines[0])):
        opts[m.group(1)] = m.group(2).strip().strip('"\'')
        lines.pop(0)
    cell.source = '\n'.join(lines)
    return opts


# ---------------------------------------------------------------- checks: folded on the page, run by nbdev-test
CHECK_CALLS = {'test_eq', 'test_ne', 'test_close', 'test_is', 'test_fail', 'test_eq_type', 'test_shuffled',
               'test_stdout', 'test_warns', 'test_fig_exists'}  # fastcore.test's checks
EXPECT = {'expect_fail', 'ExceptionExpected', 'raises', 'warns'}  # context managers a failure is expected in
SHOWS = {'print', 'display', 'show', 'pprint'}  # calls whose output a check must not hide


def _fname(f):
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def n_checks(node) -> int:
    "Asserts, fastcore test calls and expected failures in `node`"
    return sum(isinstance(n, ast.Assert) or (isinstance(n, ast.Call) and _fname(n.func) in CHECK_CALLS | EXPECT)
               for n in ast.walk(node))


def is_check(s) -> bool:
    "A statement that only checks: an assert, a fastcore test call, an `expect_fail` block, or a for/while/if/with made of checks that prints nothing and defines nothing"
    if isinstance(s, ast.Assert): return True
    if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and _fname(s.value.func) in CHECK_CALLS: return True
    if not isinstance(s, (ast.For, ast.While, ast.If, ast.With)): return False
    shows = any(isinstance(n, ast.Call) and _fname(n.func) in SHOWS for n in ast.walk(s))
    if isinstance(s, ast.With) and any(isinstance(i.context_expr, ast.Call) and _fname(i.context_expr.func) in EXPECT
                                       for i in s.items): return not shows
    defines = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in ast.walk(s))
    return n_checks(s) > 0 and not shows and not defines


PURE = {'len', 'sorted', 'set', 'frozenset', 'list', 'tuple', 'dict', 'int', 'float', 'bool', 'str', 'repr', 'abs', 'max',
        'min', 'sum', 'all', 'any', 'range', 'zip', 'enumerate', 'map', 'filter', 'reversed', 'round', 'isinstance',
        'type', 'hasattr', 'getattr'}  # builtins a check may call and still be moved


def movable(s) -> bool:
    "A check that can be taken out of the middle of a cell without changing what the rest computes: an assert or a fastcore test call that binds nothing and calls only test functions, pure builtins and methods; or an `expect_fail` block that binds nothing (a refusal happens before any work)"
    if isinstance(s, ast.With):
        if not all(isinstance(i.context_expr, ast.Call) and _fname(i.context_expr.func) in EXPECT and i.optional_vars is None
                   for i in s.items): return False
        return not any(isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr, ast.FunctionDef,
                                      ast.ClassDef, ast.With, ast.For, ast.While)) for b in s.body for n in ast.walk(b))
    if not (isinstance(s, ast.Assert) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                                          and _fname(s.value.func) in CHECK_CALLS)): return False
    return not any(isinstance(n, (ast.NamedExpr, ast.Lambda, ast.Yield, ast.Await)) or
                   (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id not in PURE | CHECK_CALLS)
                   for n in ast.walk(s))


def split_checks(src: str) -> tuple:
    "(code shown, checks folded, number of checks) of a cell's source. Folded: the checks that end the cell (any `is_check` statement), and `movable` checks anywhere, each with the comment lines before it; the shown code then computes what the whole cell computes. Lines are kept whole: statements sharing a line go together"
    try: tree = ast.parse(src)
    except SyntaxError: return src, '', 0  # magics, shell lines: shown as they are
    units = []  # [first line, end line, statements]: top-level statements grouped where they share a line
    for st in tree.body:
        a, b = st.lineno - 1, st.end_lineno
        if units and a < units[-1][1]: units[-1][1] = max(b, units[-1][1]); units[-1][2].append(st)
        else: units.append([a, b, [st]])
    tail = len(units)
    while tail and all(is_check(st) for st in units[tail - 1][2]): tail -= 1
    lines, shown, folded, n, start = src.split('\n'), [], [], 0, 0
    for k, (a, b, sts) in enumerate(units):
        end = b if k + 1 < len(units) else len(lines)  # the last unit keeps the cell's trailing comments
        if k >= tail or all(movable(st) for st in sts): folded += lines[start:end]; n += sum(map(n_checks, sts))
        else: shown += lines[start:end]
        start = end
    return '\n'.join(shown).strip('\n'), '\n'.join(folded).strip('\n'), n


def inline_md(s: str) -> str:
    "Escaped text with `code` spans, for titles and descriptions"
    return re.sub(r'`([^`]+)`', r'<code>\1</code>', html.escape(str(s), quote=False))


def _attr_link(m):
    "Pandoc's `[text](url){attrs}` (nbdev's [source] links) as HTML"
    attrs = ' '.join(a for a in re.findall(r'[\w-]+="[^"]*"', m.group(3)))
    return f'<a href="{html.escape(m.group(2))}" {attrs}>{m.group(1)}</a>'


def _plotly_html(data: dict, n: int, stem: str) -> str:
    "A figure as HTML; one with a fixed width is drawn at that width at most, narrower where the text column is"
    import plotly.io as pio
    fig = {k: data[k] for k in ('data', 'layout', 'frames') if k in data}
    lay = fig['layout'] = dict(fig.get('layout') or {})
    h, w = lay.get('height'), lay.pop('width', None)
    if w: lay['autosize'] = True  # plotly then takes the width of its box, which the style below caps at the figure's
    out = pio.to_html(fig, include_plotlyjs=False, full_html=False, validate=False, div_id=f'plot-{stem}-{n}',
                      default_height=f'{h}px' if h else '480px', default_width='100%',
                      config={'responsive': True, 'displaylogo': False, **(data.get('config') or {})})
    return out.replace('width:100%;', f'width:100%; max-width:{float(w):g}px;', 1) if w else out


# a warning as Python prints it from a notebook cell: the kernel's temporary file and line, then the source line
_re_kernel_warning = re.compile(r'^\S*(?:ipykernel_\d+/\d+\.py|<ipython-input-[^>]+>):\d+: (\w+): (.*)\n(?:  .*\n)?', re.M)


def _plotly_setup(out) -> bool:
    d = out.get('data', {})
    h = d.get('text/html', '')
    h = ''.join(h) if isinstance(h, list) else h
    return PLOTLY_MIME not in d and ('window.PlotlyConfig' in h or 'cdn.plot.ly' in h) and 'Plotly.newPlot' not in h


def to_plain(nbd: dict, stem: str, doc_url: str):
    "nbformat notebook for nbconvert: title/description, directives applied, plotly as HTML, doc links relative"
    import nbformat
    nb = nbformat.reads(json.dumps(nbd), as_version=4)
    fm = _frontmatter(nb)
    cells, n_plots = [], 0
    for c in nb.cells:
        for k in set(c) - {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count', 'attachments'}: del c[k]
        c.metadata.pop('execution', None)  # execnb's timings, not valid nbformat
        if c.cell_type == 'raw' and _re_fm.match(c.source.strip()): continue
        if c.cell_type == 'markdown' and c.source.strip().startswith('<!-- WARNING: THIS FILE WAS AUTOGENERATED'): continue
        if c.cell_type == 'code':
            o = _quarto_opts(c)
            if o.get('include') == 'false': continue
            if o.get('output') == 'false': c.outputs = []
            if o.get('echo') == 'false' or not c.source.strip():
                c.metadata.setdefault('transient', {})['remove_source'] = True
            if not c.source.strip() and not c.outputs: continue
            if c.source.strip() and not c.metadata.get('transient', {}).get('remove_source'):
                shown, folded, n = split_checks(c.source)
                if n: c.source, c.metadata['eap_checks'] = shown, {'source': folded, 'n': n}
            # plotly's own notebook set-up output (renderers `notebook`/`notebook_connected`: plotly.js inline or
            # from its CDN) is not needed here: each figure is drawn from its JSON by the plotly.min.js shipped beside
            c.outputs = [o for o in c.outputs if not _plotly_setup(o)]
            for out in c.outputs:
                if out.get('output_type') == 'stream' and out.get('name') == 'stderr':
                    out['text'] = _re_kernel_warning.sub(r'\1: \2\n', ''.join(out.get('text', '')))
                d = out.get('data', {})
                if PLOTLY_MIME in d:
                    n_plots += 1
                    d['text/html'] = _plotly_html(d[PLOTLY_MIME], n_plots, stem)
                    for k in list(d):
                        if k != 'text/html': del d[k]
                if 'text/markdown' in d:
                    md = d['text/markdown']; md = ''.join(md) if isinstance(md, list) else md
                    d['text/markdown'] = _re_attr_link.sub(_attr_link, md)
        cells.append(c)
    head = [f"# {fm.get('title', stem)}"]
    if fm.get('description'): head.append(f'<p class="page-description">{inline_md(fm["description"])}</p>')
    cells.insert(0, nbformat.v4.new_markdown_cell('\n\n'.join(head)))
    nb.cells = cells
    nb.metadata.pop('widgets', None)  # no widget manager: it would come from a CDN
    nb.metadata['title'] = fm.get('title', stem)
    return nb, fm, n_plots


# ---------------------------------------------------------------- step 3: nbconvert
TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{% if resources.n_plots %}<script src="plotly.min.js"></script>{% endif %}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{% if resources.has_math %}<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\(', '\\)']], processEscapes: true},
  startup: {pageReady: () => MathJax.startup.defaultPageReady().then(() => {
    // each display equation in a box of its own that scrolls when the equation is wider than the text (MathJax gives
    // a numbered equation a min-width: without the box it would stick out of the column, cut off)
    for (const c of document.querySelectorAll('mjx-container[display="true"]')) {
      const box = document.createElement('div'); box.className = 'math-scroll'; c.replaceWith(box); box.appendChild(c); }
  })}};</script>
<script src="mathjax/es5/tex-svg-full.js" async></script>{% endif %}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block input %}
<div class="eap-input">
{%- if cell.source.strip() %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) | clean_html }}
     </div>
</div>
{%- endif %}
{%- if cell.metadata.eap_checks %}
<details class="checks"><summary title="assertions that keep this cell honest; nbdev-test runs them">{{ cell.metadata.eap_checks.n }} check{{ 's' if cell.metadata.eap_checks.n != 1 }}{{ ', the code of the output below' if cell.outputs and not cell.source.strip() }}</summary>
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.metadata.eap_checks.source | highlight_code(metadata=cell.metadata) | clean_html }}
     </div>
</div>
</details>
{%- endif %}
</div>
{% endblock input %}
{% block extra_css %}<style type="text/css">{{ resources.site_css }}</style>{% endblock extra_css %}
{%- block body_header -%}
<body class="jp-Notebook site" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<header class="topbar"><a class="site-title" href="index.html">{{ resources.site_title }}</a>
<span class="site-desc">{{ resources.site_desc }}</span></header>
<nav class="sidebar" aria-label="Pages"><ol>
{%- for p in resources.pages %}
{%- if p.part and (loop.first or p.part != resources.pages[loop.index0 - 1].part) %}
<li class="part">{{ p.part }}</li>
{%- endif %}
<li class="{{ 'current' if p.current }}{{ ' in-part' if p.part }}"><a href="{{ p.href }}">{{ p.title_html }}</a></li>
{%- endfor %}
</ol></nav>
<main class="page">
{%- endblock body_header -%}
{% block body_footer %}
<nav class="prevnext">
{%- if resources.prev %}<a class="prev" href="{{ resources.prev.href }}">&larr; {{ resources.prev.title_html }}</a>{% else %}<span></span>{% endif %}
{%- if resources.next %}<a class="next" href="{{ resources.next.href }}">{{ resources.next.title_html }} &rarr;</a>{% endif %}
</nav>
</main>
</body>
{% endblock body_footer %}
"""

CSS = r"""
:root { --sidebar-w: 250px; --topbar-h: 52px; --page-w: 1000px; }
body.site { margin: 0; padding: 0; overflow: auto; background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  --jp-content-font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  --jp-content-font-size1: 16px; --jp-content-line-height: 1.6; --jp-code-font-size: 13.5px; }
.topbar { position: fixed; top: 0; left: 0; right: 0; height: var(--topbar-h); z-index: 10; display: flex; align-items: center;
  gap: 1em; padding: 0 1.2em; background: #2780e3; color: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.2); }
.topbar .site-title { color: #fff; font-weight: 600; font-size: 1.2em; text-decoration: none; }
.topbar .site-desc { opacity: .85; font-size: .9em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sidebar { position: fixed; top: var(--topbar-h); bottom: 0; left: 0; width: var(--sidebar-w); overflow-y: auto;
  border-right: 1px solid #e5e5e5; background: #fafafa; font-size: 15px; }
.sidebar ol { list-style: none; margin: 0; padding: 1em 0; }
.sidebar li a { display: block; padding: .35em 1.2em; color: #333; text-decoration: none; }
.sidebar li a:hover { background: #eef4fc; }
.sidebar code, .prevnext code { font-size: .92em; }
.sidebar li.current a { color: #2780e3; font-weight: 600; border-left: 3px solid #2780e3; padding-left: calc(1.2em - 3px); }
main.page { box-sizing: border-box; max-width: var(--page-w); margin: 0 0 0 var(--sidebar-w); padding: calc(var(--topbar-h) + 1.5em) 2.5em 3em; }
@media (min-width: 1350px) { main.page { margin-left: calc(var(--sidebar-w) + (100vw - var(--sidebar-w) - var(--page-w)) / 2); } }
@media (max-width: 800px) { .sidebar { display: none; } main.page { margin-left: 0; padding: calc(var(--topbar-h) + 1em) 1em 2em; } }
main.page .jp-Cell { padding: 0; margin: .6em 0; }
main.page .jp-InputPrompt, main.page .jp-OutputPrompt { display: none; }
main.page .jp-RenderedHTMLCommon { padding-right: 0; }
main.page .jp-RenderedHTMLCommon h1 { font-size: 2.1em; margin-top: .2em; }
main.page .jp-RenderedHTMLCommon h2 { font-size: 1.6em; margin-top: 1.4em; border-bottom: 1px solid #eee; padding-bottom: .2em; }
main.page .jp-RenderedHTMLCommon h3 { font-size: 1.25em; }
main.page .jp-RenderedHTMLCommon p, main.page .jp-RenderedHTMLCommon li { max-width: 52em; }
.page-description { font-size: 1.15em; color: #555; margin-top: -.3em; }
main.page .jp-InputArea-editor { border: 1px solid #e3e3e3; border-radius: 4px; background: #f7f7f7; }
main.page .jp-InputArea-editor pre { white-space: pre-wrap; overflow-wrap: anywhere; }  /* long code lines wrap, no sideways scrolling */
main.page .jp-OutputArea-output pre { font-size: 13px; }
main.page .jp-OutputArea-output { overflow-x: auto; }
main.page .jp-RenderedMarkdown.jp-OutputArea-output { padding: .2em 1em .6em; border: 1px solid #dee2e6; border-radius: 6px;
  box-shadow: 0 1px 2px rgba(0,0,0,.05); margin: 1em 0 1.2em; }
main.page .jp-RenderedMarkdown.jp-OutputArea-output hr { display: none; }
main.page .jp-RenderedMarkdown.jp-OutputArea-output pre { background: #f7f7f7; padding: .6em; border-radius: 4px; }
main.page .jp-RenderedHTML .plotly-graph-div { margin: .5em 0; max-width: 100%; }
main.page .math-scroll { overflow-x: auto; overflow-y: hidden; max-width: 100%; }  /* a wide equation scrolls on its own */
main.page table { font-size: 14px; }
.sidebar li.part { padding: 1em 1.2em .25em; font-size: 12px; font-weight: 700; letter-spacing: .03em; color: #6c757d;
  text-transform: uppercase; border-top: 1px solid #e5e5e5; margin-top: .4em; }
.sidebar li.in-part a { padding-left: 1.8em; }
.sidebar li.current.in-part a { padding-left: calc(1.8em - 3px); }
main.page .eap-input { display: table-cell; vertical-align: top; }  /* the shown code and its folded checks, one above the other */
main.page .eap-input > .jp-InputArea-editor { display: block; }
main.page details.checks { margin: .15em 0 .3em; }
main.page details.checks > .jp-InputArea-editor { display: block; }
main.page .jp-RenderedHTMLCommon a code { color: #2780e3; }  /* a link set in code (a page, a function) looks like a link */
main.page details.checks > summary { cursor: pointer; color: #6c757d; font-size: 13px; width: max-content; }
main.page details.checks[open] > summary { margin-bottom: .3em; }
.prevnext { display: flex; justify-content: space-between; border-top: 1px solid #e5e5e5; margin-top: 3em; padding-top: 1em; }
.prevnext a { color: #2780e3; text-decoration: none; }
"""


def _exporter():
    import jinja2
    from nbconvert import HTMLExporter
    return HTMLExporter(template_name='lab', extra_loaders=[jinja2.DictLoader({'eap_site.html.j2': TEMPLATE})],
                        template_file='eap_site.html.j2', exclude_input_prompt=True, exclude_output_prompt=True,
                        anchor_link_text='¶')


def _relative_doc_links(body: str, doc_url: str) -> str:
    "Links nbdev made to the hosted docs (`https://<doc_host><doc_baseurl>/x.html#y`) point at the local pages"
    if not doc_url: return body
    base = re.escape(doc_url.rstrip('/') + '/')
    return re.sub(rf'href="{base}([^"#]*)', lambda m: f'href="{m.group(1) or "index.html"}', body)


def _local_links(body: str) -> str:
    "Links written for Jupyter and GitHub point at the rendered pages: `07_evaluation.ipynb#x` -> `evaluation.html#x`, `../notes/n.md` -> `notes/n.html`, nbdev's [source] links -> the copy of the module in `source/`"
    body = re.sub(r'href="([\w.-]+\.ipynb)(#[^"]*)?"', lambda m: f'href="{page_name(Path(m.group(1)))}{m.group(2) or ""}"', body)
    body = re.sub(r'href="(?:[^"]*/)?blob/[^/"]+/(eap_nb/[\w/]+\.py)(?:#L\d+)?"', r'href="source/\1"', body)  # nbdev's [source]
    return re.sub(r'href="\.\./notes/([\w.-]+)\.md(#[^"]*)?"', lambda m: f'href="notes/{m.group(1)}.html{m.group(2) or ""}"', body)


_re_link = re.compile(r'<a href="([\w.-]*\.html)?#([^"]+)"([^>]*)>(.*?)</a>', re.S)
_re_id = re.compile(r'\b(?:id|name)="([^"]+)"')


def fix_anchors(out: Path, names: list[str]) -> list[str]:
    "Anchors of the pages `names` in `out` made to resolve: nbdev links `Graph.from_model` as `#graph.from_model`, nbconvert's id is `Graph.from_model` (case differs): relinked; a link nbdev made to a name with no documentation on its page (a private helper) becomes plain code. Returns the links left dead"
    from urllib.parse import unquote
    ids = {n: set(_re_id.findall((out / n).read_text(encoding='utf-8'))) for n in names}
    low = {n: {i.lower(): i for i in v} for n, v in ids.items()}
    dead = []
    for n in names:
        def fix(m):
            page, frag, rest, text = m.group(1) or n, unquote(m.group(2)), m.group(3), m.group(4)
            if page not in ids or frag in ids[page] or m.group(2) in ids[page]: return m.group(0)  # decoded or raw, as browsers match
            if frag.lower() in low[page]:
                return f'<a href="{m.group(1) or ""}#{html.escape(low[page][frag.lower()])}"{rest}>{text}</a>'
            if text.startswith('<code>') and text.endswith('</code>'): return text  # nbdev's link to an undocumented name
            dead.append(f'{n}: {page}#{frag}')
            return m.group(0)
        f = out / n
        f.write_text(_re_link.sub(fix, f.read_text(encoding='utf-8')), encoding='utf-8')
    return dead


NOTE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.6; }}
pre {{ background: #f7f7f7; padding: .6em; overflow-x: auto; }} table {{ border-collapse: collapse; display: block; overflow-x: auto; }}
td, th {{ border: 1px solid #ddd; padding: .2em .5em; }}</style></head>
<body><p><a href="../index.html">eap_nb</a> / {folder} / {name}</p>
{body}</body></html>
"""
MD_PAGES = {'notes': '*.md', 'bench': 'RESULTS.md'}  # folder -> the markdown files of it that become pages


def render_notes(out: Path, root: Path = ROOT) -> list[Path]:
    "Each `notes/*.md` (the verification notes the task pages cite) and `bench/RESULTS.md` (the benchmarks they cite) as a page `out/<folder>/<name>.html`"
    import mistune
    md = mistune.create_markdown(plugins=['table', 'strikethrough'])
    done = []
    for folder, pat in MD_PAGES.items():
        for p in sorted((root / folder).glob(pat)):
            (out / folder).mkdir(parents=True, exist_ok=True)
            title = next((l.lstrip('# ').strip() for l in p.read_text().splitlines() if l.startswith('#')), p.stem)
            q = out / folder / (p.stem + '.html')
            q.write_text(NOTE_PAGE.format(title=html.escape(title), folder=folder, name=html.escape(p.name), body=md(p.read_text())),
                         encoding='utf-8')
            done.append(q)
    return done


_re_cited = re.compile(r'(<a\b[^>]*>\s*)?<code>((?:notes|bench)/[\w.-]+)</code>')


def link_citations(out: Path, pages: list[Path]) -> None:
    "A file the pages cite in code (`bench/RESULTS.md`, `notes/x.md`, `bench/bench_eap.py`) links to its page or copy on the site"
    for page in pages:
        up = '../' * (len(page.relative_to(out).parts) - 1)
        def link(m):
            f = m.group(2)
            target = f[:-3] + '.html' if f.endswith('.md') else f
            if m.group(1) or not (out / target).exists(): return m.group(0)
            return f'<a href="{up}{target}"><code>{f}</code></a>'
        text = page.read_text(encoding='utf-8')
        if (new := _re_cited.sub(link, text)) != text: page.write_text(new, encoding='utf-8')


def render(out: Path = OUT, nbs: Path = NBS, force: bool = False, workers: int = 2, quiet: bool = False) -> Path:
    "Render every notebook in `nbs` into `out`; a notebook processed before (same content, same script) is reused"
    import plotly
    t0 = time.time()
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    out.mkdir(parents=True, exist_ok=True)
    cache = out / '.proc'
    cache.mkdir(exist_ok=True)
    fp = _fingerprint(nbs)
    try: old = json.loads((out / STAMP).read_text())
    except (OSError, ValueError): old = {}
    if force or old.get('script') != fp['script'] or old.get('pyproject') != fp['pyproject']:
        shutil.rmtree(cache); cache.mkdir()
    nbl = notebooks(nbs)
    todo = [p for p in nbl if old.get('notebooks', {}).get(p.name) != fp['notebooks'][p.name]
            or not (cache / (p.name + '.json')).exists()]
    problems = []
    if todo:
        log(f'processing {len(todo)} notebook(s) with nbdev ({workers} workers)...')
        def one(ps):  # a worker process (fresh interpreter) takes a share of the notebooks, each in a fresh shell
            args = [a for p in ps for a in (str(p), str(cache / (p.name + '.json')))]
            r = subprocess.run([sys.executable, __file__, '--process', *args], capture_output=True, text=True)
            if r.returncode: raise RuntimeError(f'nbdev processing failed:\n{r.stderr[-3000:]}')
            if r.stdout.strip(): log(r.stdout.rstrip())
        n = max(1, min(workers, len(todo)))
        with ThreadPoolExecutor(max_workers=n) as ex: list(ex.map(one, [todo[i::n] for i in range(n)]))
    from nbdev.config import get_config
    cfg = get_config(ROOT)
    doc_url = (cfg.doc_host or '') + (cfg.doc_baseurl or '')
    shutil.copy2(Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js', out / 'plotly.min.js')
    (out / MATHJAX).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(nbs / MATHJAX, out / MATHJAX)  # vendored in nbs/ (nbs/mathjax/SOURCE.txt), as _quarto.yml uses it

    done = [(p, json.loads((cache / (p.name + '.json')).read_text())) for p in nbl]
    plain = []
    for p, res in done:
        problems += res['problems']
        nb, fm, n_plots = to_plain(res['nb'], p.stem, doc_url)
        plain.append((p, nb, fm, n_plots))
    part = sections(nbs)
    pages = [dict(href=page_name(p), title=str(fm.get('title', p.stem)), nb=p.name, n_plots=n, part=part.get(p.name))
             for p, _, fm, n in plain]
    for q in pages: q['title_html'] = inline_md(q['title'])
    exp = _exporter()
    for i, (p, nb, fm, n_plots) in enumerate(plain):
        has_math = any(c.cell_type == 'markdown' and '$' in c.source for c in nb.cells)
        res = dict(n_plots=n_plots, has_math=has_math, site_css=CSS, site_title=cfg.title or cfg.lib_name, site_desc=inline_md(cfg.description),
                   pages=[dict(q, current=j == i) for j, q in enumerate(pages)],
                   prev=pages[i - 1] if i else None, next=pages[i + 1] if i + 1 < len(pages) else None,
                   metadata=dict(name=fm.get('title', p.stem)))
        body, _ = exp.from_notebook_node(nb, resources=res)
        (out / page_name(p)).write_text(_local_links(_relative_doc_links(body, doc_url)), encoding='utf-8')
    notes = render_notes(out)
    (out / 'bench').mkdir(exist_ok=True)
    for f in sorted((ROOT / 'bench').glob('*.py')): shutil.copy2(f, out / 'bench' / f.name)  # the scripts RESULTS.md runs
    link_citations(out, [out / q['href'] for q in pages] + notes)
    (out / 'source' / 'eap_nb').mkdir(parents=True, exist_ok=True)  # the modules the [source] links open
    for f in sorted((ROOT / 'eap_nb').glob('*.py')): shutil.copy2(f, out / 'source' / 'eap_nb' / f.name)
    for d in fix_anchors(out, [q['href'] for q in pages]): print(f'warning: dead anchor {d}', file=sys.stderr)
    (out / 'pages.json').write_text(json.dumps([{k: q[k] for k in ('href', 'title', 'nb', 'n_plots', 'part')} for q in pages], indent=1))
    (out / STAMP).write_text(json.dumps(fp, indent=1))
    for pr in problems: print(f'warning: show_doc execution: {pr}', file=sys.stderr)
    log(f'rendered {len(pages)} pages into {out} in {time.time() - t0:.1f}s')
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(OUT), help='output folder (default _docs_html/)')
    ap.add_argument('--nbs', default=str(NBS), help='notebook folder (default nbs/)')
    ap.add_argument('--force', action='store_true', help='reprocess every notebook')
    ap.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('--process', nargs='+', metavar='NOTEBOOK JSON', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.process:  # worker: nbdev-process each NOTEBOOK into JSON
        for src, dst in zip(a.process[::2], a.process[1::2]):
            t = time.time()
            Path(dst).write_text(json.dumps(_nbdev_process(str(Path(src).resolve()))))
            print(f'  {Path(src).name} ({time.time() - t:.1f}s)', flush=True)
        return
    render(Path(a.out).resolve(), Path(a.nbs).resolve(), force=a.force, workers=a.workers)


if __name__ == '__main__':
    main()
