"Tests that notebooks do poorly: the installed `eap-nb` command, run as a user runs it."
import json, math, os, re, shutil, signal, subprocess, sys, tempfile, threading, time
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent
once = pytest.mark.once  # the command's own process and file handling, the same on either TransformerLens: run in the first pass only
ROOT = Path(__file__).resolve().parents[1]

def run(*args, timeout=600, env=None):
    return subprocess.run([str(BIN / 'eap-nb'), *args], capture_output=True, text=True, timeout=timeout, env=env)

def one_line_error(r, contains=''):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert 'Traceback' not in r.stderr
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('eap-nb: error:'), r.stderr
    assert contains in lines[0], (contains, lines[0])

def strict_json(path):
    "summary.json as strict JSON: NaN or Infinity fail"
    def refuse(c): raise AssertionError(f'{path} holds {c}, which is not JSON')
    return json.loads(Path(path).read_text(), parse_constant=refuse)

@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp('demo') / 'demo'
    r = run('demo', '--out', str(out), '--prompts', '16')
    return out, r

def test_demo_runs_offline(demo):
    out, r = demo
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('ROC AUC') == 3
    for m in ('eap', 'acdc', 'eap+acdc'):
        strict_json(out / m / 'summary.json')

def test_demo_output_is_small_and_offline(demo):
    "item 12: plotly.js is written once per output folder, beside the drawings, not inlined in each"
    out, r = demo
    total = sum(f.stat().st_size for f in out.rglob('*') if f.is_file())
    print(f'demo output: {total / 1e6:.2f} MB')
    assert total < 6e6, total
    for m in ('eap', 'acdc', 'eap+acdc'):
        html = (out / m / 'circuit.html').read_text()
        assert 'Plotly.newPlot' in html and '<script src="http' not in html and "src='http" not in html
        srcs = re.findall(r'<script[^>]*src="([^"]+)"', html)
        assert srcs and all((out / m / s).resolve().is_file() for s in srcs), srcs  # the library is there, offline

def test_eap_acdc_auc_is_named_for_what_it_is(demo):
    "item 5: eap+acdc's AUC comes from a threshold sweep with EAP's cut, and says so"
    out, r = demo
    s = strict_json(out / 'eap+acdc' / 'summary.json')
    assert s['auc_from'].startswith('ACDC threshold sweep') and len(s['roc_sweep_taus']) > 1
    line = [l for l in r.stdout.splitlines() if 'ROC AUC' in l][2]
    assert 'sweep' in line, line

def test_discover_outputs_load_back(tmp_path):
    out = tmp_path / 'run'
    r = run('discover', '--model', 'planted-greater-than', '--task', 'greater-than', '--method', 'eap', '--k', '3',
            '--prompts', '16', '--out', str(out))
    assert r.returncode == 0, r.stderr
    s = strict_json(out / 'summary.json')
    for key in ['model', 'task', 'method', 'n_edges', 'n_edges_kept', 'metric_full', 'metric_circuit', 'seconds',
                'auc', 'auc_trapezoid']:
        assert key in s, key
    assert s['n_edges_kept'] == 3 and s['auc'] >= 0.9
    from eap_nb.graph import Graph
    from eap_nb.planted import planted_greater_than
    from eap_nb.evaluation import from_json
    g = Graph.from_model(planted_greater_than().model)
    scores, keep = from_json(g, out / 'circuit.json')
    assert int(keep.sum()) == 3 and set(g.edges[i] for i in keep.nonzero()[:, 0].tolist()) == {'input->a0.h0<v>', 'a0.h0->m0', 'm0->logits'}
    html = (out / 'circuit.html').read_text()
    edge_named = any(f in html for f in ('a0.h0-&gt;m0', 'a0.h0-\\u0026gt;m0', 'a0.h0-\\u003em0'))  # hover text, HTML-escaped
    assert 'Plotly.newPlot' in html and edge_named and '<script src="http' not in html  # offline
    assert (out / 'plotly.min.js').stat().st_size > 1e6  # the library, once, beside the drawing

@pytest.fixture(scope='module')
def acdc_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('acdc') / 'run'
    r = run('discover', '--model', 'planted-induction', '--task', 'induction', '--method', 'acdc', '--tau', '0.01',
            '--prompts', '16', '--out', str(out))
    return out, r

def test_acdc_shows_progress(acdc_run):
    "item 2: ACDC's bar (and the ROC sweep's) on stderr"
    out, r = acdc_run
    assert r.returncode == 0, r.stderr
    assert 'ACDC receivers' in r.stderr and 'ACDC sweep' in r.stderr, r.stderr[-2000:]

def test_patching_shows_progress(tmp_path):
    r = run('discover', '--model', 'planted-induction', '--task', 'induction', '--method', 'patching', '--k', '5',
            '--prompts', '16', '--out', str(tmp_path / 'p'))
    assert r.returncode == 0 and 'patching edges' in r.stderr, r.stderr[-2000:]

def test_acdc_time_excludes_the_roc_sweep(acdc_run):
    "item 4: the method's own time, and the ROC sweep's apart"
    out, r = acdc_run
    s = strict_json(out / 'summary.json')
    assert s['seconds'] > 0 and s['roc_sweep_seconds'] > 0
    print(f"acdc {s['seconds']:.2f} s, ROC sweep {s['roc_sweep_seconds']:.2f} s")
    assert re.search(r'ROC sweep\b.* in \d+(?:\.\d+)? s \(not part', r.stdout), r.stdout  # as _secs prints it: '0.16 s', '2 s', '12.3 s'

def test_acdc_stores_effect_sizes(acdc_run):
    "item 5: acdc's scores are the metric change of each tested edge: kept edges moved it by tau or more"
    import torch
    from eap_nb.graph import Graph
    from eap_nb.planted import planted_induction
    from eap_nb.evaluation import load_pt
    out, r = acdc_run
    g = Graph.from_model(planted_induction().model)
    scores, keep = load_pt(g, out / 'scores.pt')
    tested = ~torch.isnan(scores)
    assert keep.any() and tested[keep].all() and not set(scores[tested].tolist()) <= {0.0, 1.0}
    assert (scores[keep] >= 0.01).all() and (scores[tested & ~keep] < 0.01).all()

def test_default_k_is_the_truth_size_and_printed(tmp_path):
    "item 6: planted-induction's default k is its ground truth's 5 edges, and the output says why"
    r = run('discover', '--model', 'planted-induction', '--task', 'induction', '--prompts', '16', '--out', str(tmp_path / 'a'))
    assert r.returncode == 0, r.stderr
    s = strict_json(tmp_path / 'a' / 'summary.json')
    assert s['n_edges_kept'] == 5 and s['ground_truth_kept'] == 5, s
    assert re.search(r'k = 5.*ground truth', r.stdout), r.stdout
    assert 'evaluating the circuit' in r.stderr  # a bar (compare --quiet in test_refuses_non_empty_out)

def test_default_k_reaches_faithfulness_target(tmp_path):
    "item 6: without a ground truth, the smallest of a few top-k sizes with faithfulness >= 0.8; never '-0.000'"
    r = run('discover', '--model', 'trained-ioi', '--task', 'ioi', '--prompts', '16', '--out', str(tmp_path / 'b'))
    assert r.returncode == 0, r.stderr
    s = strict_json(tmp_path / 'b' / 'summary.json')
    assert s['faithfulness'] >= 0.8 and re.search(rf"k = {s['k']}\b.*faithfulness", r.stdout), r.stdout
    assert '-0.000' not in r.stdout

def test_readme_does_not_claim_ground_truth_for_trained_models():
    text = (ROOT / 'README.md').read_text()
    line = next(l for l in text.splitlines() if 'exact ground truth**' in l)
    para = text[text.index(line):].split('\n- ')[0]
    assert 'trained' not in para, para

def test_refuses_non_empty_out(tmp_path):
    "item 7: an earlier run is not replaced without --overwrite"
    out = tmp_path / 'run'; out.mkdir(); (out / 'summary.json').write_text('{"k": 10}')
    args = ['discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3', '--prompts', '16', '--quiet', '--out', str(out)]
    one_line_error(run(*args), '--overwrite')
    assert (out / 'summary.json').read_text() == '{"k": 10}'
    r = run(*args, '--overwrite')
    assert r.returncode == 0 and r.stderr.strip() == '', r.stderr  # --quiet: no bars
    assert strict_json(out / 'summary.json')['n_edges_requested'] == 3 and sorted(p.name for p in tmp_path.iterdir()) == ['run']

P = ['discover', '--model', 'planted-ioi', '--task', 'ioi']
@pytest.mark.parametrize('args,says', [
    (['discover', '--model', 'gpt3', '--task', 'ioi'], 'unknown model'),
    (['discover', '--model', 'planted-ioi', '--task', 'induction'], 'no task'),
    (P + ['--method', 'magic'], 'magic'),
    (P + ['--out', '/proc/eap-nb-cannot-write/x'], 'cannot write'),
    (P + ['--threshold', 'nan'], '--threshold'),
    (P + ['--threshold', 'inf'], '--threshold'),
    (P + ['--method', 'eap+acdc', '--eap-threshold', 'nan'], '--eap-threshold'),
    (P + ['--method', 'acdc', '--tau', 'nan'], '--tau'),
    (P + ['--method', 'acdc', '--tau', '-1'], '--tau'),
    (P + ['--method', 'acdc', '--threshold', '0.1'], '--threshold'),
    (P + ['--method', 'eap', '--eap-threshold', '0.1'], '--eap-threshold'),
    (P + ['--method', 'eap', '--tau', '0.1'], '--tau'),
    (P + ['--method', 'patching', '--acdc-metric', 'task'], '--acdc-metric'),
    (P + ['--method', 'acdc', '--k', '3'], '--k'),
    (P + ['--k', '3', '--threshold', '0.1'], '--k'),
    (P + ['--k', '-1'], '--k'),
    (P + ['--k', '0'], '--k'),
    (P + ['--method', 'eap+acdc', '--k', '10000'], '--k'),
    (P + ['--prompts', '0'], '--prompts'),
    (P + ['--prompts', 'many'], '--prompts'),
    (P + ['--acdc-metric', 'l2', '--method', 'acdc'], '--acdc-metric'),
    (P + ['--method', 'acdc', '--circuit', 'greedy'], '--circuit'),
    (P + ['--circuit', 'fastest'], '--circuit'),
    (P + ['--circuit', 'greedy', '--threshold', '0.1'], '--circuit'),
    (P + ['--ig-steps', '3'], '--ig-steps'),
    (P + ['--method', 'clean-corrupted', '--ig-steps', '3'], '--ig-steps'),
    (P + ['--method', 'EAP-IG-inputs', '--ig-steps', '0'], '--ig-steps'),
    (P + ['--method', 'EAP-IG-activations', '--ig-steps', 'many'], '--ig-steps'),
    (P + ['--method', 'EAP-IG'], 'EAP-IG'),
])
def test_bad_input_is_one_line_error(args, says, tmp_path):
    "item 8: one line, exit 2, before any work, and the output folder is not created"
    out = tmp_path / 'never'
    if '--out' not in args: args = args + ['--out', str(out)]
    t = time.perf_counter(); r = run(*args)
    print(f'{" ".join(args[1:])}: {time.perf_counter() - t:.2f} s')
    one_line_error(r, says)
    assert not out.exists()

def test_circuit_option(tmp_path):
    "issue 20: --circuit cuts the circuit from the same scores; summary.json says which, circuit.json holds it"
    runs = {}
    for c in ('topk', 'connected', 'greedy'):
        r = run('discover', '--model', 'planted-ioi', '--task', 'ioi', '--k', '6', '--prompts', '16', '--circuit', c,
                '--out', str(tmp_path / c), '--quiet')
        assert r.returncode == 0, r.stderr
        s, js = strict_json(tmp_path / c / 'summary.json'), json.loads((tmp_path / c / 'circuit.json').read_text())
        runs[c] = s, {e for e, v in js['edges'].items() if v['in_graph']}
        assert s['circuit'] == c and s['n_edges_kept'] == len(runs[c][1]) and (c == 'topk') == (f'({c} circuit' not in r.stdout)
    (topk, t), (conn, cn), (greedy, gr) = runs['topk'], runs['connected'], runs['greedy']
    assert len(t) == 6 and cn <= t and len(gr) <= 6
    assert math.isclose(conn['faithfulness'], topk['faithfulness'], abs_tol=1e-6)  # dangling edges are no-ops
    r = run('discover', '--model', 'planted-ioi', '--task', 'ioi', '--k', '6', '--prompts', '16', '--circuit', 'best',
            '--out', str(tmp_path / 'best'), '--quiet')
    assert r.returncode == 0, r.stderr
    best = strict_json(tmp_path / 'best' / 'summary.json')
    f = best['circuit_faithfulness']
    assert sorted(f) == ['connected', 'greedy', 'topk'] and best['circuit'] in f
    assert math.isclose(f['greedy'], greedy['faithfulness'], abs_tol=1e-5) and math.isclose(best['faithfulness'], max(f.values()), abs_tol=1e-5)

def test_best_construction_is_the_default(tmp_path):
    "issue 20: without --circuit the most faithful construction is used, and the summary says which, why, and both sizes"
    r = run('discover', '--model', 'planted-ioi', '--task', 'ioi', '--k', '6', '--prompts', '16', '--out', str(tmp_path / 'd'), '--quiet')
    assert r.returncode == 0, r.stderr
    s = strict_json(tmp_path / 'd' / 'summary.json')
    assert (s['circuit_requested'], s['n_edges_requested']) == ('best', 6), s
    assert s['circuit'] in s['circuit_edges'] and s['n_edges_kept'] == s['circuit_edges'][s['circuit']], s
    assert s['circuit_chosen_by'].startswith('the most faithful') and math.isclose(s['faithfulness'], max(s['circuit_faithfulness'].values()), abs_tol=1e-9)
    line = next(l for l in r.stdout.splitlines() if 'edges kept' in l)
    assert f"{s['n_edges_kept']} of 193 edges kept" in line and s['circuit'] in line
    assert (s['n_edges_kept'] != 6) == ('6 requested' in line), line  # fewer edges than asked: said where it is printed

def test_circuit_choices_are_the_constructions():
    "the CLI names the constructions without importing torch; they must stay those of eap_nb.circuits"
    from eap_nb.cli import CIRCUIT_CHOICES
    from eap_nb.circuits import CIRCUITS
    assert CIRCUIT_CHOICES == CIRCUITS + ('best',)

LONG = ['discover', '--model', 'trained-docstring', '--task', 'docstring', '--method', 'acdc', '--prompts', '3000']  # minutes of ACDC

class Running:
    "An `eap-nb` process whose stderr is read as it comes; `wait_for(text)` blocks until the text appears"
    def __init__(self, *args, cwd=None):
        self.p = subprocess.Popen([str(BIN / 'eap-nb'), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
        self.err, self.seen = b'', threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
    def _read(self):
        while chunk := os.read(self.p.stderr.fileno(), 65536):
            with self.seen: self.err += chunk; self.seen.notify_all()
    def wait_for(self, text, timeout=600):
        with self.seen: assert self.seen.wait_for(lambda: text.encode() in self.err, timeout), self.stderr[-3000:]
    def finish(self, timeout=120):
        rc = self.p.wait(timeout); time.sleep(0.2)
        return rc, self.p.stdout.read().decode()
    @property
    def stderr(self): return self.err.decode(errors='replace')

def messages(stderr):
    "The lines eap-nb itself printed to stderr (progress bars removed)"
    return [l for l in re.split(r'[\r\n]', stderr) if l.startswith('eap-nb:')]

def hidden(folder): return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith('.'))

@once
def test_interrupt_is_one_line_and_writes_nothing(tmp_path):
    "item 9 / issue 25 item 5: Ctrl-C during ACDC: one line, exit 130, the earlier results untouched, no temporary left, no bar after"
    out = tmp_path / 'run'; out.mkdir(); (out / 'summary.json').write_text('{"old": true}')
    r = Running(*LONG, '--overwrite', '--out', str(out))  # minutes of work: the signal cannot come after the end, however slow the machine
    r.wait_for('ACDC receivers'); time.sleep(1); r.p.send_signal(signal.SIGINT)
    rc, _ = r.finish(60)  # and it stops at once
    assert rc == 130, (rc, r.stderr[-3000:])
    assert 'Traceback' not in r.stderr and messages(r.stderr) == ['eap-nb: interrupted: nothing written'], r.stderr[-3000:]
    assert re.split(r'[\r\n]', r.stderr.rstrip())[-1] == 'eap-nb: interrupted: nothing written'  # no progress bar drawn after it
    assert (out / 'summary.json').read_text() == '{"old": true}' and sorted(p.name for p in tmp_path.iterdir()) == ['run']

SWALLOWED = """
import os, signal, sys, time, eap_nb.cli as c
real = c._run
class Finaliser:
    def __del__(self): os.kill(os.getpid(), signal.SIGINT); time.sleep(0.1)  # the signal arrives inside a finaliser
def run(*a, **kw):
    r = real(*a, **kw)
    if sys.argv[1] == 'bare-except':
        try: os.kill(os.getpid(), signal.SIGINT); time.sleep(0.1)
        except KeyboardInterrupt: pass  # a library's bare except
    else: Finaliser()
    time.sleep(2)  # the work goes on
    return r
c._run = run
sys.exit(c.main(['discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3', '--prompts', '8', '--quiet', '--out', sys.argv[2]]))
"""

@once
@pytest.mark.parametrize('where', ['bare-except', 'finaliser'])
def test_an_interrupt_cannot_be_swallowed(where, tmp_path):
    "issue 25 item 5: an interrupt dropped on its way (a finaliser, a bare except) still ends the run: exit 130, nothing written"
    r = subprocess.run([sys.executable, '-c', SWALLOWED, where, str(tmp_path / 'o')], capture_output=True, text=True, timeout=300)
    assert r.returncode == 130, (r.returncode, r.stderr[-3000:])
    assert messages(r.stderr) == ['eap-nb: interrupted: nothing written'] and not (tmp_path / 'o').exists(), r.stderr[-3000:]

@once
def test_sigterm_cleans_up(tmp_path):
    "issue 25 item 4: SIGTERM (a scheduler's kill): one line, exit 143, no temporary folder left"
    r = Running(*LONG, '--out', str(tmp_path / 'o'))
    r.wait_for('ACDC receivers'); r.p.send_signal(signal.SIGTERM)
    rc, _ = r.finish(60)
    assert rc == 143 and messages(r.stderr) == ['eap-nb: terminated: nothing written'], (rc, r.stderr[-3000:])
    assert list(tmp_path.iterdir()) == []

@once
def test_second_run_on_the_same_out_refuses(tmp_path):
    "issue 25 item 1: one run per folder; the second says so in one line and touches nothing"
    out = tmp_path / 'same'
    r = Running(*LONG, '--out', str(out))
    try:
        r.wait_for('ACDC receivers')
        one_line_error(run('discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3', '--prompts', '8',
                           '--quiet', '--out', str(out)), 'in use by another eap-nb run')
        one_line_error(run('discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3', '--prompts', '8',
                           '--quiet', '--overwrite', '--out', str(out)), 'in use by another eap-nb run')
    finally: r.p.send_signal(signal.SIGINT)
    assert r.finish(60)[0] == 130 and not out.exists()

@once
def test_files_added_during_a_run_are_not_deleted(tmp_path):
    "issue 25 item 1: a file put into --out during the run stays; the results get a name of their own beside it"
    out = tmp_path / 'o'
    r = Running('discover', '--model', 'trained-docstring', '--task', 'docstring', '--method', 'acdc', '--prompts', '32', '--out', str(out))
    r.wait_for('ACDC receivers'); r.p.send_signal(signal.SIGSTOP)  # held still while the file lands: no race, however loaded the machine
    out.mkdir(); (out / 'mine.txt').write_text('mine')
    r.p.send_signal(signal.SIGCONT)
    rc, _ = r.finish(600)
    assert rc == 1 and len(messages(r.stderr)) == 1 and 'changed during the run (mine.txt appeared)' in messages(r.stderr)[0], (rc, r.stderr[-3000:])
    assert sorted(p.name for p in out.iterdir()) == ['mine.txt'] and (out / 'mine.txt').read_text() == 'mine'
    kept, = [p for p in tmp_path.iterdir() if p.name.startswith('o-eap-nb-')]
    assert str(kept) in messages(r.stderr)[0] and strict_json(kept / 'summary.json')['method'] == 'acdc'
    assert hidden(tmp_path) == []

@once
def test_parent_removed_during_the_run(tmp_path):
    "issue 25 item 3: the parent of --out removed mid-run: made again, the results written, exit 0"
    out = tmp_path / 'a' / 'b' / 'o'; out.parent.mkdir(parents=True)
    r = Running('discover', '--model', 'trained-docstring', '--task', 'docstring', '--method', 'acdc', '--prompts', '32', '--out', str(out))
    r.wait_for('ACDC receivers'); r.p.send_signal(signal.SIGSTOP)
    shutil.rmtree(tmp_path / 'a')
    r.p.send_signal(signal.SIGCONT)
    rc, stdout = r.finish(600)
    assert rc == 0, r.stderr[-3000:]
    assert strict_json(out / 'summary.json')['method'] == 'acdc' and f'wrote {out}/:' in stdout, stdout

@once
def test_disk_full_is_one_line_and_writes_nothing(tmp_path):
    "issue 25 item 3: the files cannot be written (a file-size limit plays the full disk): one line, exit 1, nothing half-written"
    import resource
    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit is then an error (EFBIG), as a full disk's ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
    r = subprocess.run([str(BIN / 'eap-nb'), 'discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3',
                        '--prompts', '8', '--quiet', '--out', str(tmp_path / 'o')], capture_output=True, text=True,
                       timeout=300, preexec_fn=small_files)
    assert r.returncode == 1 and 'Traceback' not in r.stderr, (r.returncode, r.stderr[-3000:])
    assert len(messages(r.stderr)) == 1 and 'could not write --out' in r.stderr and 'nothing was written' in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []

@once
@pytest.mark.parametrize('out', ['', '.', '..'])
def test_out_is_never_the_working_directory(out, tmp_path):
    "issue 25 item 2: `--out '' --overwrite` once deleted the working directory"
    (tmp_path / 'precious.txt').write_text('mine')
    r = subprocess.run([str(BIN / 'eap-nb'), 'discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3',
                        '--prompts', '8', '--overwrite', '--out', out], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    one_line_error(r, '--out')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['precious.txt'] and (tmp_path / 'precious.txt').read_text() == 'mine'

@once
def test_overwrite_replaces_only_what_eap_nb_wrote(tmp_path):
    "issue 25 item 2: --overwrite refuses a folder without eap-nb's marker, and replaces one with it"
    mine = tmp_path / 'mine'; mine.mkdir(); (mine / 'thesis.tex').write_text('mine')
    args = ['discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3', '--prompts', '8', '--quiet', '--overwrite']
    one_line_error(run(*args, '--out', str(mine)), 'eap-nb did not write')
    assert [p.name for p in mine.iterdir()] == ['thesis.tex']
    ours = tmp_path / 'ours'
    assert run(*args[:-1], '--out', str(ours)).returncode == 0 and (ours / '.eap-nb').is_file()
    assert run(*args, '--out', str(ours)).returncode == 0

def test_prompts_beyond_a_models_data_are_refused(tmp_path):
    "issue 25 item 4: tracr-reverse has ACDC's 6 examples: --prompts 100 is refused, the default takes the 6 and says so"
    one_line_error(run('discover', '--model', 'tracr-reverse', '--task', 'tracr-reverse', '--method', 'acdc', '--prompts', '100',
                       '--out', str(tmp_path / 'x')), 'has only 6')
    r = run('discover', '--model', 'tracr-reverse', '--task', 'tracr-reverse', '--method', 'acdc', '--ablation', 'zero', '--quiet',
            '--out', str(tmp_path / 'o'))
    assert r.returncode == 0 and "all of tracr-reverse's fixed data (6 prompts)" in r.stdout, r.stdout + r.stderr
    assert strict_json(tmp_path / 'o' / 'summary.json')['prompts'] == 6

def test_scores_that_rank_nothing_give_no_circuit(tmp_path):
    "issue 25 item 7: all-zero EAP scores (l2 at its optimum): no circuit, one line saying why and what to try, exit 3"
    r = run('discover', '--model', 'tracr-reverse', '--task', 'tracr-reverse', '--method', 'AtP*', '--quiet', '--out', str(tmp_path / 'o'))
    assert r.returncode == 3, (r.returncode, r.stderr)
    line, = [l for l in r.stdout.splitlines() if 'no circuit cut' in l]
    assert 'EAP-IG-inputs' in line, line
    s = strict_json(tmp_path / 'o' / 'summary.json')
    assert s['circuit'] is None and s['no_circuit_because'] and 'auc' not in s and not (tmp_path / 'o' / 'circuit.json').exists()

PEAK_RSS = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"

@once
def test_many_prompts_run_in_bounded_memory(tmp_path):
    "issue 25 item 4: --prompts 20000 used 4.75 GB in one batch; now sub-batches under a memory budget (512 MiB at most)"
    r = subprocess.run([sys.executable, '-c', PEAK_RSS, str(BIN / 'eap-nb'), 'discover', '--model', 'planted-ioi', '--task', 'ioi',
                        '--k', '8', '--circuit', 'topk', '--prompts', '20000', '--quiet', '--out', str(tmp_path / 'o')],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    peak = int(r.stdout.split()[-1]) * 1024
    print(f'--prompts 20000: peak RSS {peak / 2**30:.2f} GiB')
    assert peak < 2.5 * 2**30, peak
    assert strict_json(tmp_path / 'o' / 'summary.json')['prompts'] == 20000

@once
def test_drawings_share_one_plotly(tmp_path_factory):
    "issue 25 item 9: each run wrote its own 4.8 MB plotly.min.js; now a hard link to the plotly package's copy where possible"
    import plotly
    src = Path(plotly.__file__).parent / 'package_data' / 'plotly.min.js'
    base = Path(tempfile.mkdtemp(dir=ROOT, prefix='.test-plotly-'))  # on the same file system as the virtual environment
    try:
        for name in ('a', 'b'):
            r = run('discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3', '--prompts', '8', '--quiet',
                    '--out', str(base / name))
            assert r.returncode == 0, r.stderr
        a, b = (os.stat(base / n / 'plotly.min.js') for n in 'ab')
        if os.stat(src).st_dev == a.st_dev: assert a.st_ino == b.st_ino == os.stat(src).st_ino  # one file on disk
        else: assert a.st_size == b.st_size == os.stat(src).st_size  # another file system: a copy
    finally: shutil.rmtree(base)

def test_reproduce_with_an_unreadable_run_json(tmp_path):
    "issue 25 item 3: a run.json that is not JSON: one line, not a JSONDecodeError"
    out = tmp_path / 'r'; out.mkdir(); (out / 'run.json').write_text('{not json')
    one_line_error(run('reproduce', '--task', 'ioi', '--out', str(out), env=dict(os.environ, HF_HUB_OFFLINE='1')), 'cannot read')
    assert (out / 'run.json').read_text() == '{not json'

def test_pretrained_offline_is_one_line_error(tmp_path):
    one_line_error(run('discover', '--model', 'gpt2', '--task', 'ioi', '--out', str(tmp_path / 'o'),
                       env=dict(os.environ, HF_HUB_OFFLINE='1')), 'gpt2')
    assert not (tmp_path / 'o').exists()

def test_pretrained_without_network_fails_at_once(tmp_path):
    "item 10: no hub reachable and no HF_HUB_OFFLINE: one line, without minutes of retries"
    env = {k: v for k, v in os.environ.items() if k not in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE')}
    env['HF_ENDPOINT'] = 'https://eap-nb-unreachable.invalid'  # a host that never resolves, also where a network exists
    t = time.perf_counter(); r = run('discover', '--model', 'gpt2', '--task', 'ioi', '--out', str(tmp_path / 'o'), env=env)
    print(f'gpt2 without a hub: {time.perf_counter() - t:.1f} s')
    one_line_error(r, 'hub')

def test_unknown_command():
    r = run('frobnicate')
    assert r.returncode != 0 and 'Traceback' not in r.stderr

def test_help_documents_every_option():
    "item 11: each option says what it does and its default"
    for cmd in ('discover', 'demo', 'reproduce'):
        r = run(cmd, '--help')
        assert r.returncode == 0
        opts = re.split(r'\n  (?=-)', r.stdout.split('options:')[1])[1:]
        assert opts
        for o in opts:
            name = o.split()[0].rstrip(',')
            if name in ('-h', '--help'): continue
            text = ' '.join(o.split()[1:])
            assert len(text) > 15, (cmd, name, o)  # a sentence, not only the metavar
            assert '(default:' in o or 'required' in o or name in ('--overwrite', '--quiet'), (cmd, name, o)

def test_list():
    "item 11: models, tasks and which have a ground truth"
    r = run('list')
    assert r.returncode == 0 and 'planted-ioi' in r.stdout and '[offline]' in r.stdout and 'gpt2' in r.stdout
    lines = {l.split()[0]: l for l in r.stdout.splitlines() if l.startswith('  ')}
    assert 'ground truth' in lines['planted-ioi'] and 'ground truth' in lines['gpt2']
    assert 'ground truth' not in lines['trained-ioi'].replace('no ground truth', ''), lines['trained-ioi']

def test_parsing_imports_no_heavy_stack():
    "item 1: `import eap_nb`, --help, list and argument errors never import torch or TransformerLens"
    code = ("import sys, time; t = time.perf_counter()\n"
            "import eap_nb, eap_nb.cli as c\n"
            "for a in (['list'], ['discover', '--model', 'planted-ioi', '--task', 'ioi', '--k', '0'], ['--help'], ['reproduce', '--help'],\n"
            "          ['reproduce', '--task', 'ioi', '--taus', 'nan']):\n"
            "    try: c.main(a)\n"
            "    except SystemExit: pass\n"
            "print('HEAVY', sorted(m for m in ('torch', 'transformer_lens', 'transformers') if m in sys.modules))\n"
            "print('SECONDS', time.perf_counter() - t)\n")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert "HEAVY []" in r.stdout, r.stdout + r.stderr
    print(r.stdout.splitlines()[-1])

def test_public_api():
    import eap_nb
    for name in ['Graph', 'eap_scores', 'patch_scores', 'circuit_metric', 'load_model', 'random_model', 'random_bridge',
                 'Batch', 'topk_circuit', 'threshold_circuit', 'faithfulness', 'acdc', 'roc_points', 'roc_auc',
                 'planted_ioi', 'ModelUnavailable', 'gpt2_tokenizer', 'ACDCResult', 'load_trained', 'connected',
                 'greedy_circuit', 'node_topn', 'make_circuit', 'circuit_curves']:
        assert hasattr(eap_nb, name), name
        assert name in dir(eap_nb) and name in eap_nb.__all__, name
    assert eap_nb.Graph is __import__('eap_nb.graph').graph.Graph
    with pytest.raises(AttributeError): eap_nb.no_such_name

def test_package_builds_without_warnings(tmp_path):
    "item 3: the wheel declares its data (weights, tokenizer file) and setuptools has nothing to warn about"
    src = tmp_path / 'src'; src.mkdir()
    for f in ('pyproject.toml', 'README.md'): shutil.copy(ROOT / f, src / f)
    shutil.copytree(ROOT / 'eap_nb', src / 'eap_nb', ignore=shutil.ignore_patterns('__pycache__'))
    (src / 'eap_nb' / 'data').mkdir(exist_ok=True); (src / 'eap_nb' / 'data' / 'probe.tiktoken').write_text('x')  # any data file ships
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONDONTWRITEBYTECODE'}  # else distutils warns it cannot byte-compile
    r = subprocess.run([sys.executable, '-m', 'build', '--wheel', '--no-isolation', '--outdir', str(tmp_path / 'dist'), str(src)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    warnings = [l for l in (r.stdout + r.stderr).splitlines() if 'warning' in l.lower()]
    assert not warnings, '\n'.join(warnings)
    import zipfile
    names = zipfile.ZipFile(next((tmp_path / 'dist').glob('*.whl'))).namelist()
    assert any(n.startswith('eap_nb/weights/') and n.endswith('.safetensors') for n in names), names
    for f in (src / 'eap_nb' / 'data').glob('*'):
        assert f'eap_nb/data/{f.name}' in names, f.name

def test_pyproject_declares_what_is_imported():
    "issue 13 item 10: transformers and tokenizers are imported, so declared"
    import tomllib
    deps = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']['dependencies']
    names = {re.split(r'[<>=!~ \[]', d)[0].lower().replace('_', '-') for d in deps}
    for pkg in ('transformers', 'tokenizers', 'torch', 'transformer-lens', 'scikit-learn'):
        assert pkg in names, pkg

def test_load_model_offline_fails_clearly():
    code = ("import eap_nb\n"
            "try:\n    eap_nb.load_model('attn-only-4l')\n"
            "except eap_nb.ModelUnavailable as e:\n    print('UNAVAILABLE', e)\n")
    env = dict(os.environ, HF_HUB_OFFLINE='1')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert 'UNAVAILABLE' in r.stdout and 'attn-only-4l' in r.stdout

def python_prints_ok(code:str):
    "Run `code` in a fresh interpreter (nothing imported yet) and check that it exits 0 printing just 'ok'"
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == 'ok', r.stderr

def test_public_name_shadowing_a_submodule():
    "`eap_nb.acdc` is the function even after the submodule `eap_nb.acdc` has been imported (as the CLI and notebooks do)"
    code = ("import eap_nb, eap_nb.acdc, eap_nb.evaluation\n"
            "from eap_nb.acdc import acdc_sweep\n"
            "assert callable(eap_nb.acdc) and eap_nb.acdc.__module__ == 'eap_nb.acdc', eap_nb.acdc\n"
            "assert eap_nb.roc_auc is eap_nb.evaluation.roc_auc and 'eap_nb.acdc' in __import__('sys').modules\n"
            "print('ok')")
    python_prints_ok(code)

def test_tracr_acdc_reproduces_acdcs_auc(tmp_path):
    "issue 16 item 6: ACDC on a compiled tracr model, zero ablation, scored against ACDC's ground truth (published edge AUC 1.000)"
    out = tmp_path / 'tracr'
    r = run('discover', '--model', 'tracr-proportion', '--task', 'tracr-proportion', '--method', 'acdc', '--ablation', 'zero',
            '--quiet', '--out', str(out))
    assert r.returncode == 0, r.stderr
    s = strict_json(out / 'summary.json')
    assert (s['n_edges'], s['ground_truth_edges'], s['ablation'], s['acdc_metric']) == (38, 10, 'zero', 'task'), s
    assert s['auc'] == 1.0 and len(s['roc_sweep_taus']) == 21, s  # ACDC's sweep 10^linspace(-5, -1, 21), tau 0.01 among them
    r = run('discover', '--model', 'tracr-reverse', '--task', 'tracr-reverse', '--method', 'acdc', '--acdc-metric', 'kl',
            '--out', str(tmp_path / 'kl'))
    one_line_error(r, '--acdc-metric kl does not apply to tracr-reverse')

def test_tracr_loads_without_tracr_or_jax():
    "issue 16: the shipped tracr weights load with neither tracr nor jax imported"
    code = ("import sys, eap_nb\n"
            "m = eap_nb.load_tracr('reverse')\n"
            "assert (m.cfg.n_layers, m.cfg.d_model) == (4, 41), m.cfg\n"
            "assert not {'tracr', 'jax'} & set(sys.modules), sorted({'tracr', 'jax'} & set(sys.modules))\n"
            "print('ok')")
    python_prints_ok(code)


def test_reproduce_offline_is_one_line_error(tmp_path):
    "issue 18: `eap-nb reproduce` without the hub refuses in one line, exit 2, and creates nothing"
    t = time.perf_counter()
    r = run('reproduce', '--task', 'ioi', '--out', str(tmp_path / 'o'), env=dict(os.environ, HF_HUB_OFFLINE='1'))
    print(f'reproduce without a hub: {time.perf_counter() - t:.1f} s')
    one_line_error(r, 'gpt2 needs pretrained weights')
    assert not (tmp_path / 'o').exists()

@pytest.mark.parametrize('args,says', [(['--task', 'gpt3'], 'gpt3'), (['--task', 'ioi', '--taus', 'nan'], '--taus'),
                                       (['--task', 'ioi', '--taus', '-1'], '--taus'), (['--task', 'ioi', '--prompts', '0'], '--prompts')])
def test_reproduce_bad_input_is_one_line_error(args, says, tmp_path):
    one_line_error(run('reproduce', *args, '--out', str(tmp_path / 'never')), says)
    assert not (tmp_path / 'never').exists()

REPRODUCE_WITH_A_RANDOM_HUB = """
import importlib, sys
import eap_nb.cli as cli
from eap_nb.models import random_model
from eap_nb.tasks import gpt2_tokenizer
models, acdc = importlib.import_module('eap_nb.models'), importlib.import_module('eap_nb.acdc')
m = random_model('gpt2', d_model=64, d_head=8, d_mlp=64, n_ctx=64, seed=0)  # GPT-2 small's graph, narrow: seconds, not minutes
m.tokenizer = gpt2_tokenizer()
models.load_model, cli._hub_problem = (lambda name, **kw: m), (lambda *a, **kw: None)  # the hub, played by the random model
if sys.argv[2] == 'again':  # every step must come from the first run
    acdc.acdc = eap = lambda *a, **kw: sys.exit('a finished step ran again')
    importlib.import_module('eap_nb.attribution').eap_scores = eap
sys.exit(cli.main(['reproduce', '--task', 'ioi', '--out', sys.argv[1], '--prompts', '4', '--taus', '1']))
"""

def test_reproduce_with_the_hub_replaced(tmp_path):
    "issue 18: `eap-nb reproduce --task ioi` end to end on a random model of GPT-2 small's graph; a rerun reuses every step"
    out = tmp_path / 'ioi'
    go = lambda *a: subprocess.run([sys.executable, '-c', REPRODUCE_WITH_A_RANDOM_HUB, str(out), *a], capture_output=True, text=True, timeout=600)
    r = go('first')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'reproduce steps' in r.stderr and 'ACDC receivers' in r.stderr, r.stderr[-2000:]  # progress bars on stderr
    s = strict_json(out / 'summary.json')
    assert (s['n_edges'], s['ground_truth_edges'], s['split'], s['taus']) == (32491, 963, 'test', [1.0]), s
    assert sorted(s['methods']) == ['ACDC (KL)', 'ACDC (logit difference)', 'EAP'] and s['methods']['ACDC (KL)']['acdc_published'] == 0.869
    assert sorted(p.name for p in (out / 'steps').iterdir()) == ['acdc-kl-tau1.pt', 'acdc-task-tau1.pt', 'eap.pt']
    assert re.search(r'EAP +\d\.\d{3} ', r.stdout) and 'reused' not in r.stdout, r.stdout
    again = go('again')
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count('reused') == 3 and strict_json(out / 'summary.json')['methods'] == s['methods'], again.stdout

@once
def test_closed_stdout_is_not_a_traceback(tmp_path):
    "`eap-nb discover ... | head -1`: the report cannot be printed once the reader is gone; the work still completes, no traceback"
    r_fd, w_fd = os.pipe(); os.close(r_fd)  # a pipe nobody reads: every print fails (EPIPE)
    try: p = subprocess.run([str(BIN / 'eap-nb'), 'discover', '--model', 'planted-induction', '--task', 'induction', '--k', '3',
                             '--prompts', '8', '--quiet', '--out', str(tmp_path / 'o')], stdout=w_fd, stderr=subprocess.PIPE, text=True, timeout=300)
    finally: os.close(w_fd)
    assert p.returncode == 0 and 'Traceback' not in p.stderr and 'Exception ignored' not in p.stderr, p.stderr[-3000:]
    assert strict_json(tmp_path / 'o' / 'summary.json')['n_edges_requested'] == 3

def test_ensemble_method(tmp_path):
    "issue 29: --method ensemble averages EAP, EAP-IG-inputs and EAP-IG-activations (each / max |score|); a member scoring every edge 0 is left out, and summary.json says which"
    r = run('discover', '--model', 'planted-ioi', '--task', 'ioi', '--method', 'ensemble', '--prompts', '16', '--k', '8', '--ig-steps', '3',
            '--out', str(tmp_path / 'ioi'), '--quiet')
    assert r.returncode == 0, r.stderr
    s = strict_json(tmp_path / 'ioi' / 'summary.json')
    assert s['ensemble_of'] == ['EAP', 'EAP-IG-inputs', 'EAP-IG-activations'] and s['ig_steps'] == 3
    assert s['auc'] > 0.9, s['auc']
    r = run('discover', '--model', 'tracr-proportion', '--task', 'tracr-proportion', '--method', 'ensemble', '--ablation', 'zero',
            '--out', str(tmp_path / 'tracr'), '--quiet')  # l2's gradient vanishes at the clean run: EAP scores every edge 0
    assert r.returncode == 0, r.stderr
    s = strict_json(tmp_path / 'tracr' / 'summary.json')
    assert s['ensemble_of'] == ['EAP-IG-inputs', 'EAP-IG-activations'], s['ensemble_of']
    assert s['auc'] == 1.0, s['auc']
    one_line_error(run('discover', '--model', 'planted-ioi', '--task', 'ioi', '--method', 'ensemble', '--tau', '0.1', '--out', str(tmp_path / 'x')), 'does not apply')
