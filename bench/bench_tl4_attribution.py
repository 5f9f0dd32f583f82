"""eap_nb's EAP against TransformerLens 4's own edge attribution, on the same model, data and metric, in one run.

    .venv/bin/python bench/bench_tl4_attribution.py [--sizes 8x15,32x16] [--repeats 1] [--threads 1] [--write]

Model: a TransformerBridge over a random Hugging Face GPT-2 of GPT-2 small's shape (`eap_nb.models.random_bridge`:
12 layers, 12 heads, d_model 768, vocabulary 50,257); TransformerLens 4.3's edge attribution runs on Hugging Face
bridges only (it refuses native ones: `use_attn_result` is unsupported on their attention bridges). Data: random
tokens, the corrupted prompts the clean ones with their first half replaced. Metric: the logit difference of two fixed
tokens at the last position (TransformerLens' `metric_fn` gets one example's logits, so the metric cannot read a
per-example answer).

TransformerLens' `attribution_patch(model, clean, corrupt, metric_fn, EdgeAttributionConfig(granularity='edge'))` is
the denoising convention (gradient at the corrupted run, clean minus corrupted), one example at a time, one edge per
position; eap_nb's `eap_scores` gets the clean and corrupted prompts swapped, and each of its edges is compared with
the sum of TransformerLens' edge over positions (`03c_transformerlens`). The plain model (corrupted forward, clean forward, metric
backward, as in `bench_eap.py`) and both run in turn `--repeats` times after a warm-up (TransformerLens' warm-up on one example), minimum of each; the ratio comes from that one run. With `--write`,
the table replaces this script's section in bench/RESULTS.md (or is appended).
"""
import argparse, datetime, os, platform, re, time, warnings
from importlib.metadata import version
from pathlib import Path
import torch
from _results import write_section  # bench/_results.py: the section of RESULTS.md
from eap_nb.models import random_bridge, SHAPES, TL_MAJOR
from eap_nb.graph import Graph
from eap_nb.data import Batch
from eap_nb.attribution import eap_scores

TITLE = "## CPU, TransformerLens 4's own edge attribution against eap_nb's EAP"
A, B = 3, 7  # the metric's two tokens

def metric(logits, batch): return logits[:, -1, A] - logits[:, -1, B]
def tl_metric(logits): return logits[0, -1, A] - logits[0, -1, B]

def tl_name(node) -> str:
    "eap_nb's name of a TransformerLens `Node` (its position dropped)"
    k = node.kind
    if k == 'embed': return 'input'
    if k in ('attn_head_out', 'q_input', 'k_input', 'v_input'):
        return f'a{node.layer}.h{node.head}' + ('' if k == 'attn_head_out' else f'<{k[0]}>')
    if k in ('mlp_out', 'mlp_in'): return f'm{node.layer}'
    return 'logits'

def summed(result, graph) -> torch.Tensor:
    "TransformerLens' per-position edge scores summed over positions, as eap_nb's [n_edges]"
    out = torch.zeros(graph.n_edges, dtype=torch.float64)
    for (w, r), s in result.edge_scores.items(): out[graph.index(f'{tl_name(w)}->{tl_name(r)}')] += s
    return out

def plain(model, bt):
    "The plain model: corrupted forward, clean forward, metric backward (parameter gradients on), as in bench_eap.py"
    with torch.no_grad(): model(bt.corrupted)
    model.zero_grad(set_to_none=True)
    metric(model(bt.clean), bt).sum().backward()

def batch_of(V, b, p, seed=0):
    g = torch.Generator().manual_seed(seed)
    clean = torch.randint(0, V, (b, p), generator=g)
    corrupted = clean.clone(); corrupted[:, :p // 2] = torch.randint(0, V, (b, p // 2), generator=g)
    return Batch(clean, corrupted)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', default='8x15,32x16', help='comma-separated batch x positions')
    ap.add_argument('--repeats', type=int, default=1); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--write', action='store_true', help="replace this script's section of bench/RESULTS.md with the table")
    args = ap.parse_args()
    if TL_MAJOR < 4: raise SystemExit(f"TransformerLens {version('transformer_lens')}: its edge attribution is in TransformerLens 4")
    from transformer_lens.tools.analysis.attribution_patching import attribution_patch, EdgeAttributionConfig
    torch.set_num_threads(args.threads)
    warnings.filterwarnings('ignore')
    s = SHAPES['gpt2']
    model = random_bridge(n_layers=s['n_layers'], n_heads=s['n_heads'], d_model=s['d_model'], d_vocab=s['d_vocab'], n_ctx=s['n_ctx'])
    graph = Graph.from_model(model)
    cfg = EdgeAttributionConfig(granularity='edge')
    machine = f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} thread(s), TransformerLens {version('transformer_lens')}"
    lines = [f"Machine: {machine}. Command: `.venv/bin/python bench/bench_tl4_attribution.py --sizes {args.sizes} --repeats {args.repeats} "
             f"--threads {args.threads}`; a TransformerBridge over a random Hugging Face GPT-2 of GPT-2 small's shape ({graph.n_edges:,} edges); "
             f"metric: logit difference of two fixed tokens at the last position; minimum of {args.repeats} after a warm-up, run in turn.",
             '', '| batch | TransformerLens edges | plain s | eap_nb s | TransformerLens s | eap_nb / plain | TransformerLens / plain | TransformerLens / eap_nb | max diff / max score | load |',
             '|---|---|---|---|---|---|---|---|---|---|']
    print(*lines, sep='\n', flush=True)
    for size in args.sizes.split(','):
        b, p = map(int, size.split('x'))
        bt = batch_of(model.cfg.d_vocab, b, p)
        swapped = Batch(bt.corrupted, bt.clean)  # eap_nb with clean and corrupted swapped = TransformerLens' denoising scores
        ours = lambda: eap_scores(model, graph, swapped, metric, progress=False)
        theirs = lambda: attribution_patch(model, bt.clean, bt.corrupted, tl_metric, cfg)
        plain(model, bt); ours(); attribution_patch(model, bt.clean[:1], bt.corrupted[:1], tl_metric, cfg)  # warm-up
        tp, te, tt, s_ours, r = [], [], [], None, None
        for _ in range(args.repeats):
            t = time.perf_counter(); plain(model, bt); tp.append(time.perf_counter() - t)
            t = time.perf_counter(); s_ours = ours(); te.append(time.perf_counter() - t)
            t = time.perf_counter(); r = theirs(); tt.append(time.perf_counter() - t)
        diff = (summed(r, graph) - s_ours.double()).abs().max().item() / s_ours.abs().max().item()
        tp, te, tt = min(tp), min(te), min(tt)
        lines.append(f"| {b} x {p} | {len(r.edge_scores):,} | {tp:.2f} | {te:.2f} | {tt:.1f} | {te / tp:.2f} | {tt / tp:.0f} | **{tt / te:.0f}** | {diff:.1e} | {os.getloadavg()[0]:.1f} |")
        print(lines[-1], flush=True)
    lines += ['', "- TransformerLens: `attribution_patch(model, clean, corrupt, metric_fn, EdgeAttributionConfig(granularity='edge'))` "
              "(`transformer_lens/tools/analysis/attribution_patching.py`), one edge per (writer, reader, position), one example at a time; "
              "eap_nb: `eap_scores` with clean and corrupted swapped. plain: corrupted forward, clean forward, metric backward. `max diff / max score`: the largest difference between eap_nb's score and "
              "TransformerLens' summed over positions, over the largest score (float32 model). eap_nb takes its fast route on the "
              "Hugging Face bridge (hook_q/k/v gradients mapped through the bridge's q/k/v projections and its ln1; no per-head "
              "copies of the residual stream).",
              "- One run of each (`--repeats 1`: TransformerLens takes minutes at 32 x 16), on a machine shared with other jobs "
              "(`load`: the 1-minute load average after the row): the ratios are good to a few tens of percent."]
    if args.write:
        print(f"written to {write_section(TITLE, lines)}")

if __name__ == '__main__': main()
