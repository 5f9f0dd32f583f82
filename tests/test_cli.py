"Tests that notebooks do poorly: the installed `eap-nb` command, run as a user runs it."
import json, math, os, re, shutil, signal, subprocess, sys, threading, time
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent
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
    assert re.search(r'ROC sweep\b.* in \d+\.\d s', r.stdout), r.stdout

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

def test_interrupt_is_one_line_and_writes_nothing(tmp_path):
    "item 9: Ctrl-C during ACDC: one line, exit 130, the earlier results in --out untouched, no temporary left"
    out = tmp_path / 'run'; out.mkdir(); (out / 'summary.json').write_text('{"old": true}')
    p = subprocess.Popen([str(BIN / 'eap-nb'), 'discover', '--model', 'trained-docstring', '--task', 'docstring',
                          '--method', 'acdc', '--prompts', '64', '--overwrite', '--out', str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err, started = [], threading.Event()
    def read():
        for chunk in iter(lambda: p.stderr.read(1), ''):
            err.append(chunk)
            if 'ACDC receivers' in ''.join(err[-200:]): started.set()
    th = threading.Thread(target=read, daemon=True); th.start()
    assert started.wait(300), ''.join(err)
    time.sleep(1); p.send_signal(signal.SIGINT)
    rc = p.wait(60); th.join(10)
    stderr = ''.join(err)
    assert rc == 130, (rc, stderr[-3000:])
    assert 'Traceback' not in stderr and [l for l in re.split(r'[\r\n]', stderr) if l.startswith('eap-nb:')] == ['eap-nb: interrupted: nothing written']
    assert (out / 'summary.json').read_text() == '{"old": true}' and sorted(p.name for p in tmp_path.iterdir()) == ['run']

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
