"Data-parallel scoring: two processes under torchrun (gloo, CPU) give the single-process scores of the whole dataset."
import os, socket, subprocess, sys
from pathlib import Path
import torch

BIN = Path(sys.executable).parent

SCRIPT = r'''
import sys, torch, torch.distributed as dist
import eap_nb.patching as P, eap_nb.attribution as A, eap_nb.atp as T
from eap_nb.models import random_model
from eap_nb.graph import Graph
from eap_nb.data import Batch
from eap_nb.patching import patch_scores
from eap_nb.attribution import eap_scores
from eap_nb.atp import atp_star_scores

def toy_batch(model, b, p, seed):
    g = torch.Generator().manual_seed(seed)
    clean = torch.randint(0, model.cfg.d_vocab, (b, p), generator=g)
    corrupted = clean.clone(); corrupted[:, :p // 2] = torch.randint(0, model.cfg.d_vocab, (b, p // 2), generator=g)
    return Batch(clean, corrupted, answer=torch.randint(0, model.cfg.d_vocab, (b,), generator=g))

def metric(logits, batch):
    last = logits[:, -1]
    return last.gather(1, batch.answer[:, None])[:, 0] - last.mean(-1)

def run(model, graph, bs, edges):
    return {'eap': eap_scores(model, graph, bs, metric, progress=False),
            'eap_split': eap_scores(model, graph, bs, metric, method='split', progress=False),
            'eap_mean': eap_scores(model, graph, bs, metric, ablation='mean', progress=False),
            'eap_one_batch': eap_scores(model, graph, bs[0], metric, progress=False),  # fewer batches than processes
            'eap_budget': eap_scores(model, graph, bs, metric, memory_budget=BUDGET, progress=False),
            'patch': patch_scores(model, graph, bs, metric, edges=edges, progress=False),
            'patch_mean': patch_scores(model, graph, bs, metric, ablation='mean', edges=edges, progress=False),
            'patch_one_batch': patch_scores(model, graph, bs[:1], metric, edges=edges, progress=False),
            'atp': atp_star_scores(model, graph, bs, metric, progress=False),  # GradDrop: |.| per example, summed across processes
            'atp_signed': atp_star_scores(model, graph, bs, metric, graddrop=False, progress=False),
            'atp_one_batch': atp_star_scores(model, graph, bs[0], metric, progress=False)}

out = sys.argv[1]
torch.manual_seed(0)
model = random_model(n_layers=2, n_heads=3, d_model=24, d_vocab=50, dtype=torch.float64)
graph = Graph.from_model(model)
bs = [toy_batch(model, b, 6, seed) for seed, b in enumerate([3, 2, 4, 1, 3])]  # 5 batches of several sizes
edges = torch.arange(graph.n_edges) % 7 == 0  # a subset of the edges, for speed
BUDGET = A.estimate_memory(model, graph, 2, 6)['total']  # sub-batches of 2 examples

dist.init_process_group('gloo')
rank = dist.get_rank()
res = run(model, graph, bs, edges)
seen = []  # batch sizes of the forward passes of this process
model.add_hook('hook_embed', lambda x, hook: seen.append(len(x)), is_permanent=True)
eap_scores(model, graph, bs, metric, progress=False)
res['examples'] = sum(seen) // 2  # a corrupted and a clean forward per example
model.reset_hooks(including_permanent=True)
P.all_reduce_sum = A.all_reduce_sum = T.all_reduce_sum = lambda *ts, device=None: list(ts)  # what a process has without the all-reduce
res['eap_no_reduce'] = eap_scores(model, graph, bs, metric, progress=False)
res['patch_no_reduce'] = patch_scores(model, graph, bs, metric, edges=edges, progress=False)
res['atp_no_reduce'] = atp_star_scores(model, graph, bs, metric, progress=False)
torch.save(res, f'{out}/rank{rank}.pt')
dist.destroy_process_group()
if rank == 0: torch.save(run(model, graph, bs, edges), f'{out}/single.pt')  # no process group: one process, every batch
'''

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

def torchrun(script:Path, out:Path, nproc:int=2) -> subprocess.CompletedProcess:
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    return subprocess.run([str(BIN / 'torchrun'), '--nnodes', '1', '--nproc_per_node', str(nproc), '--master_addr',
                           '127.0.0.1', '--master_port', str(free_port()), str(script), str(out)],
                          capture_output=True, text=True, timeout=300, env=env)

def test_two_processes_match_one(tmp_path):
    script = tmp_path / 'score.py'
    script.write_text(SCRIPT)
    r = torchrun(script, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    single = torch.load(tmp_path / 'single.pt')
    ranks = [torch.load(tmp_path / f'rank{i}.pt') for i in range(2)]
    for res in ranks:  # every process returns the whole dataset's scores
        for k, v in single.items():
            torch.testing.assert_close(res[k], v, rtol=1e-5, atol=1e-7, equal_nan=True, msg=lambda m: f'{k}: {m}')
        # each process alone saw only its share: without the all-reduce its scores differ
        for k in ('eap', 'patch', 'atp'):
            assert not torch.allclose(res[f'{k}_no_reduce'], single[k], rtol=1e-3, equal_nan=True), k
    assert [res['examples'] for res in ranks] == [3 + 4 + 3, 2 + 1]  # batches[rank::2]
