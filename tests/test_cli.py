"Tests that notebooks do poorly: the installed `eap-nb` command, run as a user runs it."
import json, os, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent

def run(*args, timeout=600, env=None):
    return subprocess.run([str(BIN / 'eap-nb'), *args], capture_output=True, text=True, timeout=timeout, env=env)

def one_line_error(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert 'Traceback' not in r.stderr
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith('eap-nb: error:'), r.stderr

def test_demo_runs_offline(tmp_path):
    r = run('demo', '--out', str(tmp_path / 'demo'), '--prompts', '16')
    assert r.returncode == 0, r.stderr
    assert r.stdout.count('ROC AUC') == 3
    for m in ('eap', 'acdc', 'eap+acdc'):
        assert (tmp_path / 'demo' / m / 'summary.json').exists()

def test_discover_outputs_load_back(tmp_path):
    out = tmp_path / 'run'
    r = run('discover', '--model', 'planted-greater-than', '--task', 'greater-than', '--method', 'eap', '--k', '3',
            '--prompts', '16', '--out', str(out))
    assert r.returncode == 0, r.stderr
    s = json.loads((out / 'summary.json').read_text())
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
    assert 'Plotly.newPlot' in html and edge_named and '<script src="http' not in html  # self-contained

def test_list():
    r = run('list')
    assert r.returncode == 0 and 'planted-ioi' in r.stdout and '[offline]' in r.stdout and 'gpt2' in r.stdout

@pytest.mark.parametrize('args', [
    ['discover', '--model', 'gpt3', '--task', 'ioi'],
    ['discover', '--model', 'planted-ioi', '--task', 'induction'],
    ['discover', '--model', 'planted-ioi', '--task', 'ioi', '--method', 'magic'],
    ['discover', '--model', 'planted-ioi', '--task', 'ioi', '--out', '/proc/eap-nb-cannot-write'],
])
def test_bad_input_is_one_line_error(args):
    one_line_error(run(*args))

def test_pretrained_offline_is_one_line_error(tmp_path):
    one_line_error(run('discover', '--model', 'gpt2', '--task', 'ioi', '--out', str(tmp_path),
                       env=dict(os.environ, HF_HUB_OFFLINE='1')))

def test_unknown_command():
    r = run('frobnicate')
    assert r.returncode != 0 and 'Traceback' not in r.stderr

def test_public_api():
    import eap_nb
    for name in ['Graph', 'eap_scores', 'patch_scores', 'circuit_metric', 'load_model', 'random_model', 'random_bridge',
                 'Batch', 'topk_circuit', 'threshold_circuit', 'faithfulness', 'acdc', 'roc_points', 'roc_auc',
                 'planted_ioi']:
        assert hasattr(eap_nb, name), name

def test_load_model_offline_fails_clearly():
    code = ("import eap_nb\n"
            "try:\n    eap_nb.load_model('attn-only-4l')\n"
            "except eap_nb.ModelUnavailable as e:\n    print('UNAVAILABLE', e)\n")
    env = dict(os.environ, HF_HUB_OFFLINE='1')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert 'UNAVAILABLE' in r.stdout and 'attn-only-4l' in r.stdout
