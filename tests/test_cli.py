"Tests that notebooks do poorly: the installed console command, run as a user runs it."
import os, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent

def run(*args, timeout=300):
    return subprocess.run([str(BIN / 'eap-nb'), *args], capture_output=True, text=True, timeout=timeout)

def test_demo_runs_offline():
    r = run('demo', '--prompts', '8')
    assert r.returncode == 0, r.stderr
    assert 'top 10 edges by |EAP score|' in r.stdout
    assert 'faithfulness of the top-k EAP circuit' in r.stdout
    lines = [l for l in r.stdout.splitlines() if '->' in l]
    assert len(lines) == 10

def test_bad_input_is_one_line_error():
    r = run('demo', '--heads', '3', '--d-model', '64')
    assert r.returncode == 2
    assert r.stderr.strip().startswith('eap-nb: error:') and 'Traceback' not in r.stderr

def test_unknown_command():
    r = run('frobnicate')
    assert r.returncode != 0 and 'Traceback' not in r.stderr

def test_public_api():
    import eap_nb
    for name in ['Graph', 'eap_scores', 'patch_scores', 'circuit_metric', 'load_model', 'random_model',
                 'random_bridge', 'Batch', 'topk_circuit', 'threshold_circuit', 'faithfulness']:
        assert hasattr(eap_nb, name), name

def test_load_model_offline_fails_clearly():
    code = ("import eap_nb\n"
            "try:\n    eap_nb.load_model('attn-only-4l')\n"
            "except eap_nb.ModelUnavailable as e:\n    print('UNAVAILABLE', e)\n")
    env = dict(os.environ, HF_HUB_OFFLINE='1')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert 'UNAVAILABLE' in r.stdout and 'attn-only-4l' in r.stdout
