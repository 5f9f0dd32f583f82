"""The rendered docs (`bash scripts/docs.sh` -> _docs_html/) open in headless Chromium: every page loads without
console errors, uncaught exceptions or network fetches, each plotly output of a notebook is drawn on its page,
and screenshots of the landing page, a figure page and a task page are saved to _docs_html/screenshots/.
Every page (the notebooks', the notes' and bench/RESULTS.md's) is then laid out at 1024 and 1400 px window widths
and checked: no equation cut off (wider than the text column, with no scrollbar of its own), no sideways scrolling of
the page, no blank figure (each plotly output drawn with a size and traces), no figure wider than its column.

Chromium is required: where it is missing the tests fail, they do not skip (`bash scripts/test.sh` installs Debian's
`chromium` first; elsewhere: `apt-get install chromium`). Set EAP_DOCS_HTML=DIR to check an already rendered folder
as it is (it is then never rebuilt).
"""
import base64, json, os, re, shutil, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # the stored pages, rendered by .venv: the same under either TransformerLens (first pass only)
ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT / 'nbs'
PLOTLY_MIME = 'application/vnd.plotly.v1+json'
FIGURE_PAGES = ('evaluation.html', 'planted.html', 'limitations.html')  # screenshot the first one that has a figure
TASK_PAGE = 'docstring.html'  # and a task page (top and first figure)
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
         '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-extensions',
         '--disable-dev-shm-usage', '--hide-scrollbars', '--remote-allow-origins=*', '--remote-debugging-port=0']


def find_chromium():
    return shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')


def need_chromium() -> str:
    "Chromium's path; the test fails (one line, with the reason scripts/test.sh gave) where there is none"
    chrome = find_chromium()
    if not chrome:
        why = os.environ.get('EAP_NB_CHROMIUM', '')
        pytest.fail('Chromium not found (chromium, chromium-browser or google-chrome on PATH)' + (f': {why}' if why else '')
                    + '; bash scripts/test.sh installs it as root, or: apt-get install chromium', pytrace=False)
    return chrome


def _render_docs_module():
    sys.path.insert(0, str(ROOT / 'scripts'))
    try:
        import render_docs
        return render_docs
    finally: sys.path.remove(str(ROOT / 'scripts'))


@pytest.fixture(scope='module')
def site():
    "The rendered folder, built first with the docs command if missing or older than the notebooks"
    need_chromium()
    if os.environ.get('EAP_DOCS_HTML'): out = Path(os.environ['EAP_DOCS_HTML']).resolve()
    else:
        out = ROOT / '_docs_html'
        if _render_docs_module().is_stale(out, NBS):
            r = subprocess.run(['bash', str(ROOT / 'scripts' / 'docs.sh')], cwd=ROOT, capture_output=True, text=True,
                               timeout=600)
            assert r.returncode == 0, f'docs command failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}'
    assert (out / 'index.html').exists(), f'no landing page {out}/index.html'
    return out


class CDP:
    "A minimal Chrome DevTools Protocol client over one page target"
    def __init__(self, ws_url):
        import websocket
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.n, self.events = 0, []

    def __call__(self, method, **params):
        self.n += 1; i = self.n
        self.ws.send(json.dumps(dict(id=i, method=method, params=params)))
        while True:
            m = json.loads(self.ws.recv())
            if m.get('id') == i:
                if 'error' in m: raise RuntimeError(f'{method}: {m["error"]}')
                return m.get('result', {})
            if 'method' in m: self.events.append(m)

    def wait_event(self, method, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for k, e in enumerate(self.events):
                if e['method'] == method: return self.events.pop(k)
            self.ws.settimeout(max(0.1, end - time.time()))
            try: m = json.loads(self.ws.recv())
            except Exception: break
            if 'method' in m: self.events.append(m)
        raise TimeoutError(method)

    def eval(self, js):
        r = self('Runtime.evaluate', expression=js, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in r: raise RuntimeError(f'{js}: {r["exceptionDetails"]}')
        return r['result'].get('value')


@pytest.fixture(scope='module')
def browser():
    chrome = need_chromium()
    try: import websocket  # noqa: F401
    except ImportError: pytest.fail('websocket-client is needed to talk to Chromium: pip install websocket-client '
                                    '(the dev extra has it)', pytrace=False)
    prof = tempfile.mkdtemp(prefix='eap-nb-chromium-')
    proc = subprocess.Popen([chrome, *FLAGS, f'--user-data-dir={prof}', '--window-size=1400,1000', 'about:blank'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        port_file, end = Path(prof) / 'DevToolsActivePort', time.time() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.time() > end:
                pytest.fail(f'Chromium did not start: {proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "timeout"}')
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=10))
        page = next(t for t in targets if t['type'] == 'page')
        cdp = CDP(page['webSocketDebuggerUrl'])
        for d in ('Page', 'Runtime', 'Log', 'Network'): cdp(f'{d}.enable')
        cdp('Emulation.setDeviceMetricsOverride', width=1400, height=1000, deviceScaleFactor=1, mobile=False)
        yield cdp
        cdp.ws.close()
    finally:
        proc.terminate()
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill()
        shutil.rmtree(prof, ignore_errors=True)


def plotly_outputs(nb: Path) -> int:
    "Plotly outputs stored in notebook `nb`, in cells that the docs show"
    n = 0
    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c.get('source', ''))
        if re.search(r'^\s*#\|\s*(hide\b|include:\s*false|output:\s*false)', src, re.M): continue
        n += sum(PLOTLY_MIME in o.get('data', {}) for o in c.get('outputs', []))
    return n


# a drawn figure: plotly made its SVG and laid out at least one trace
DRAWN = "[...document.querySelectorAll('.js-plotly-plot')]" \
        ".filter(p => p.querySelector('svg.main-svg') && (p._fullData || []).length > 0).length"


def _problems(events):
    "Console errors, uncaught exceptions, failed loads and any fetch that is not local, from CDP events"
    out = []
    for e in events:
        m, p = e['method'], e['params']
        if m == 'Runtime.exceptionThrown':
            d = p['exceptionDetails']
            out.append(f"uncaught exception: {d.get('exception', {}).get('description') or d.get('text')}")
        elif m == 'Runtime.consoleAPICalled' and p['type'] in ('error', 'assert'):
            out.append('console.error: ' + ' '.join(str(a.get('value', a.get('description', ''))) for a in p['args']))
        elif m == 'Log.entryAdded' and p['entry']['level'] == 'error':
            out.append(f"log error: {p['entry']['text']} {p['entry'].get('url', '')}")
        elif m == 'Network.requestWillBeSent' and not re.match(r'(file|data|about|blob):', p['request']['url']):
            out.append(f"network fetch: {p['request']['url']}")
        elif m == 'Network.loadingFailed':
            out.append(f"load failed: {p.get('errorText')} ({p.get('requestId')})")
    return out


def load(cdp, url, n_plots, timeout=10):
    "Navigate to `url`; wait for the load and for `n_plots` drawn plots; return (drawn, problems)"
    cdp.events.clear()
    cdp('Page.navigate', url=url)
    cdp.wait_event('Page.loadEventFired')
    end, drawn = time.time() + timeout, 0
    while True:
        drawn = cdp.eval(DRAWN)
        if drawn >= n_plots or time.time() > end: break
        time.sleep(0.2)
    time.sleep(0.3)  # let late console messages arrive
    cdp.eval('1')
    return drawn, _problems(cdp.events)


def test_pages_render_offline_with_figures(site, browser):
    pages = json.loads((site / 'pages.json').read_text())
    assert pages[0]['href'] == 'index.html', 'the landing page comes first'
    expected = {p['nb'] for p in pages}
    missing = [nb.name for nb in NBS.glob('*.ipynb') if not nb.name.startswith('_') and nb.name not in expected]
    if not os.environ.get('EAP_DOCS_HTML'): assert not missing, f'notebooks without a page: {missing}'
    failures, shots = [], site / 'screenshots'
    shots.mkdir(exist_ok=True)
    fig_page = next((p for f in FIGURE_PAGES for p in pages if p['href'] == f and plotly_outputs(NBS / p['nb'])),
                    next((p for p in pages if plotly_outputs(NBS / p['nb'])), None))
    for p in pages:
        f = site / p['href']
        assert f.exists(), f'{f} missing'
        n = plotly_outputs(NBS / p['nb']) if (NBS / p['nb']).exists() else p['n_plots']
        drawn, probs = load(browser, f.as_uri(), n)
        failures += [f"{p['href']}: {x}" for x in probs]
        if drawn != n: failures.append(f"{p['href']}: {drawn} plotly figures drawn, {n} plotly outputs in {p['nb']}")
        srcs = browser.eval("[...document.querySelectorAll('script[src],link[href],img[src],iframe[src]')]"
                            ".filter(e => e.tagName != 'A' && !(e.tagName == 'LINK' && !/stylesheet|icon|preload|modulepreload/.test(e.rel)))"
                            ".map(e => e.src || e.href)")
        failures += [f"{p['href']}: non-local source {s}" for s in srcs if not s.startswith('file:')]
        links = set(browser.eval("[...document.querySelectorAll('nav.sidebar a')].map(a => a.getAttribute('href'))"))
        if links != {q['href'] for q in pages}: failures.append(f"{p['href']}: navigation links {sorted(links)}")
        wide = browser.eval("[...document.querySelectorAll('.jp-InputArea-editor pre')]"
                            ".filter(e => e.scrollWidth > e.clientWidth + 1).length")
        if wide: failures.append(f"{p['href']}: {wide} code cells scroll sideways (long lines must wrap)")
        h1 = browser.eval("(document.querySelector('main h1') || {}).textContent || ''")
        if not h1.strip(): failures.append(f"{p['href']}: no title (h1)")
        if p['href'] == 'index.html':
            (shots / 'index.png').write_bytes(base64.b64decode(browser('Page.captureScreenshot', format='png')['data']))
        if (fig_page and p['href'] == fig_page['href']) or p['href'] == TASK_PAGE:
            stem = p['href'][:-5]
            browser.eval('window.scrollTo(0, 0)')
            (shots / f'{stem}.png').write_bytes(base64.b64decode(browser('Page.captureScreenshot', format='png')['data']))
            browser.eval("(document.querySelector('.js-plotly-plot') || document.body).scrollIntoView({block: 'center'})")
            time.sleep(0.3)
            (shots / f'{stem}-figure.png').write_bytes(
                base64.b64decode(browser('Page.captureScreenshot', format='png')['data']))
    assert not failures, 'rendered docs problems:\n' + '\n'.join(failures)
    assert (shots / 'index.png').exists()
    if fig_page: assert (shots / f"{fig_page['href'][:-5]}-figure.png").exists()
    if any(p['href'] == TASK_PAGE for p in pages): assert (shots / f'{TASK_PAGE[:-5]}-figure.png').exists()


def _targets(page: Path):
    "(href, anchor ids) of a rendered page: every link target, and every id/name a link can point to"
    from html.parser import HTMLParser
    class P(HTMLParser):
        def __init__(self): super().__init__(); self.hrefs, self.ids = [], set()
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == 'a' and a.get('href'): self.hrefs.append(a['href'])
            if tag in ('img', 'script', 'iframe') and a.get('src'): self.hrefs.append(a['src'])
            self.ids.update(v for k, v in attrs if k in ('id', 'name') and v)
    p = P(); p.feed(page.read_text(encoding='utf-8'))
    return p.hrefs, p.ids


def dead_links(site: Path) -> list:
    "Links of the rendered pages that lead nowhere: a missing file, a missing anchor, a notebook, or a site that does not exist"
    from urllib.parse import urlparse, unquote
    pages = sorted(site.glob('*.html')) + sorted(site.glob('notes/*.html')) + sorted(site.glob('bench/*.html'))
    ids = {}
    out = []
    for page in pages:
        hrefs, _ = _targets(page)
        for h in hrefs:
            u = urlparse(h)
            if u.scheme in ('http', 'https'):
                if 'eap-nb' in u.netloc or u.path.startswith('/eap-nb/'): out.append(f'{page.name}: {h} (no such site)')
                continue
            if u.scheme in ('mailto', 'data', 'javascript') or h.startswith('#') and not h[1:]: continue
            if u.scheme: out.append(f'{page.name}: {h}'); continue
            target = page if not u.path else (page.parent / unquote(u.path)).resolve()
            if u.path.endswith(('.ipynb', '.md')): out.append(f'{page.name}: {h} (a source file, not a page)'); continue
            if not target.exists(): out.append(f'{page.name}: {h} (missing)'); continue
            if u.fragment and target.suffix == '.html':
                if target not in ids: ids[target] = _targets(target)[1]
                if not {u.fragment, unquote(u.fragment)} & ids[target]:  # browsers match the raw or the decoded fragment
                    out.append(f'{page.name}: {h} (no anchor #{u.fragment})')
    return out


def test_dead_links_found(tmp_path):
    "The checker itself: a page linking to a notebook, a missing page, a missing anchor and the placeholder site"
    (tmp_path / 'a.html').write_text('<a href="b.html#x">1</a><a href="b.html#y">2</a><a href="02_patching.ipynb">3</a>'
                                     '<a href="c.html">4</a><a href="https://eap-nb.github.io/eap_nb/x.html">5</a>'
                                     '<a href="https://arxiv.org/abs/2310.10348">6</a>')
    (tmp_path / 'b.html').write_text('<h2 id="x">x</h2>')
    got = dead_links(tmp_path)
    assert len(got) == 4 and all(s in ' '.join(got) for s in ('#y', '.ipynb', 'c.html', 'eap-nb.github.io')), got


def test_no_kernel_paths(site):
    "A warning printed by a cell shows as `UserWarning: ...`, not with the kernel's temporary file (`/tmp/ipykernel_1234/5678.py:12:`)"
    bad = [f'{p.relative_to(site)}: {m}' for p in sorted(site.glob('*.html'))
           for m in re.findall(r'\S*ipykernel_\d+/\d+\.py:\d+', p.read_text(encoding='utf-8'))]
    assert not bad, 'local paths on the pages:\n' + '\n'.join(bad)


def test_no_dead_links(site):
    bad = dead_links(site)
    assert not bad, f'{len(bad)} dead links in the rendered pages:\n' + '\n'.join(bad[:40])


# ---------------------------------------------------------------- layout at two window widths
WIDTHS = (1024, 1400)  # a laptop window with the sidebar shown, and a wide one

# One problem per line, for the page now shown. The text column is `main`'s content box (the notes' pages: body's).
LAYOUT = r"""(() => {
  const out = [], vw = document.documentElement.clientWidth;
  const main = document.querySelector('main') || document.body, ms = getComputedStyle(main), mr = main.getBoundingClientRect();
  const col = {left: mr.left + parseFloat(ms.paddingLeft), right: mr.right - parseFloat(ms.paddingRight)};
  col.width = Math.round(col.right - col.left);
  const scrolls = e => /auto|scroll/.test(getComputedStyle(e).overflowX);
  const px = x => Math.round(x);
  const tex = c => { try { return MathJax.startup.document.getMathItemsWithin(c)[0].math; } catch (e) { return c.textContent; } };
  // 1. an equation wider than the column is cut off unless it scrolls on its own (the container, or a wrapper of it alone)
  for (const c of document.querySelectorAll('mjx-container')) {
    const svg = c.querySelector('svg'); if (!svg) continue;
    const r = svg.getBoundingClientRect(), need = parseFloat(c.style.minWidth || 0);  // MathJax's width for a numbered one
    if (need > c.getBoundingClientRect().width + 1)
      out.push(`equation squeezed: ${px(c.getBoundingClientRect().width)} px of the ${px(need)} px it needs, its end cut off: `
               + tex(c).replace(/\s+/g, ' ').trim().slice(0, 70));
    if (!r.width || (r.left >= col.left - 1 && r.right <= col.right + 1)) continue;
    let e = c, own = false;
    while (e && e !== main) {
      if (scrolls(e) && e.getBoundingClientRect().right <= col.right + 1) { own = true; break; }
      if (!e.parentElement || e.parentElement.children.length !== 1) break;
      e = e.parentElement;
    }
    if (!own) out.push(`equation cut off: ${px(r.width)} px wide in a ${col.width} px column, no scrollbar of its own: `
                       + tex(c).replace(/\s+/g, ' ').trim().slice(0, 70));
  }
  // 2. the page itself must not scroll sideways: name the outermost elements that stick out of the window
  const se = document.scrollingElement;
  if (se.scrollWidth > se.clientWidth + 1) {
    const free = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement)
                          if (getComputedStyle(a).overflowX !== 'visible') return false; return true; };
    const wide = [...document.body.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > vw + 1 && free(e)
                   && !(e.parentElement.getBoundingClientRect().right > vw + 1 && free(e.parentElement)))
                 .slice(0, 3).map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')}`
                                       + ` to ${px(e.getBoundingClientRect().right)} px`);
    out.push(`the page scrolls sideways: ${se.scrollWidth} px wide in a ${se.clientWidth} px window (${wide.join('; ')})`);
  }
  // 3. each plotly output drawn, with a size and traces (a heatmap draws an image, not a .trace); 4. and no wider than the column
  for (const p of document.querySelectorAll('.plotly-graph-div')) {
    const r = p.getBoundingClientRect(), svg = p.querySelector('svg.main-svg');
    const title = ((p.layout || {}).title || {}).text || '';
    const name = `figure ${p.id}${title ? ' "' + title.replace(/<[^>]+>/g, ' ').slice(0, 50) + '"' : ''}`;
    const traces = (p._fullData || []).filter(t => t.visible === true).length, drawn = p.querySelectorAll('.main-svg .trace, .main-svg .hm image').length;
    if (!svg || r.width < 50 || r.height < 50 || !traces || !drawn)
      out.push(`blank ${name}: ${px(r.width)} x ${px(r.height)} px, ${svg ? 'drawn' : 'not drawn'}, ${traces} traces, ${drawn} drawn`);
    else if (r.width > col.width + 1) out.push(`${name} is ${px(r.width)} px wide, wider than its ${col.width} px column`);
  }
  return out;
})()"""

SETTLE = """(window.MathJax && MathJax.startup && MathJax.startup.promise) ? MathJax.startup.promise.then(() => 'typeset')
         : (document.querySelector('script[src*="mathjax"]') ? 'mathjax did not start' : 'no math')"""


def layout_problems(cdp, url:str, width:int, n_plots:int=0) -> list:
    "Problems of the page at `url` laid out in a `width` px window (equations, sideways scrolling, figures)"
    cdp('Emulation.setDeviceMetricsOverride', width=width, height=900, deviceScaleFactor=1, mobile=False)
    drawn, _ = load(cdp, url, n_plots)
    state = cdp.eval(SETTLE)
    time.sleep(0.2)  # plotly's responsive relayout after MathJax moved the text
    return ([f'MathJax: {state}'] if state not in ('typeset', 'no math') else []) + cdp.eval(LAYOUT)


def site_pages(site: Path) -> list:
    "(page relative to `site`, plotly outputs it shows) for every rendered page: the notebooks', the notes', bench's"
    pages = [(p['href'], plotly_outputs(NBS / p['nb']) if (NBS / p['nb']).exists() else p['n_plots'])
             for p in json.loads((site / 'pages.json').read_text())]
    return pages + [(str(f.relative_to(site)), 0) for d in ('notes', 'bench') for f in sorted((site / d).glob('*.html'))]


def test_pages_laid_out(site, browser):
    "At 1024 and 1400 px: no equation cut off, no sideways scrolling, no blank figure, no figure wider than its column"
    pages = site_pages(site)
    bad = [f'{w} px, {href}: {x}' for w in WIDTHS for href, n in pages
           for x in layout_problems(browser, (site / href).as_uri(), w, n)]
    if not (site / 'bench' / 'RESULTS.html').exists(): bad.append('bench/RESULTS.md, which pages cite, is not on the site')
    browser('Emulation.setDeviceMetricsOverride', width=1400, height=1000, deviceScaleFactor=1, mobile=False)
    assert not bad, f'{len(bad)} layout problems:\n' + '\n'.join(bad)


BAD_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style></head><body>
<main style="width: 600px; padding: 0 20px">
<div style="overflow: hidden"><p>text</p><mjx-container display="true" style="display: block">
  <svg width="900" height="20" style="display: block"></svg></mjx-container></div>
<div id="plot-a" class="plotly-graph-div" style="width: 400px; height: 300px"></div>
<div id="plot-b" class="plotly-graph-div" style="width: 700px; height: 300px"><svg class="main-svg"><g class="trace"></g></svg></div>
<div style="width: {page}px; height: 10px"></div></main>
<script>document.getElementById('plot-b')._fullData = [{{visible: true}}];</script></body></html>"""


def test_layout_checks_can_fail(tmp_path, browser):
    "The checker itself: a cut equation, a blank figure, a figure wider than its column and a page wider than the window"
    (tmp_path / 'bad.html').write_text(BAD_PAGE.format(css='', page=3000))
    got = '\n'.join(layout_problems(browser, (tmp_path / 'bad.html').as_uri(), 1024))
    for says in ('equation cut off: 900 px wide in a 600 px column', 'blank figure plot-a', 'the page scrolls sideways: 3028 px wide in a 1024 px window',
                 'figure plot-b is 700 px wide, wider than its 600 px column'):
        assert says in got, f'{says!r} not found in:\n{got}'
    assert 'blank figure plot-b' not in got  # drawn, with a trace (plotly's _fullData faked by the page's script)
    # the same page with the equation scrolling on its own and a narrower page: only the figures remain
    (tmp_path / 'ok.html').write_text(BAD_PAGE.format(css='mjx-container { overflow-x: auto; }', page=500))
    got = layout_problems(browser, (tmp_path / 'ok.html').as_uri(), 1024)
    assert not [x for x in got if 'equation' in x or 'sideways' in x], got
