"""EAP against the plain model on a scaled-down model of each family (`eap_nb.families`), on both backends.

    .venv/bin/python bench/bench_families.py [--families gpt2,pythia-160m,...|all] [--batch 8] [--pos 32] [--repeats 3]
                                             [--threads 1] [--device cpu] [--write]

Each family is scaled down alike (`--layers` 6, about `--heads` 12 query heads of width `--d-head` 64, vocabulary
`--vocab` 8192: GPT-2 small's width; the family's own ratios kept: query heads per key-value head, MLP width, Gemma-2's wider residual) and
built with random weights as eap_nb's own model (`random_family_model`: a HookedTransformer on TransformerLens 3, a
native TransformerBridge on 4) and as a TransformerBridge over its Hugging Face class (`random_family_bridge`); the
table's `blocks` column says whose code runs the blocks (`ModelSpec.blocks`: hooked, native, hf). Same batch and sequence length for all. Per model: plain (corrupted forward +
clean forward + `metric.sum().backward()` with parameter gradients) and EAP (`eap_scores`, its default route) run in
turn, `--repeats` times after a warm-up, minimum of each; their ratio comes from that one run. Then EAP's peak memory
(`peak_memory`) against `estimate_memory`, parameters excluded from both. A model `Graph.from_model` (or EAP) refuses
gets a row saying so. With `--write`, the table replaces this script's section for the installed TransformerLens
generation in bench/RESULTS.md (or is appended).
"""
import argparse, datetime, os, platform, re, sys, time, warnings
from importlib.metadata import version
from pathlib import Path
import torch
from _results import write_section  # bench/_results.py: the section of RESULTS.md
from eap_nb.families import FAMILIES, random_family_model, random_family_bridge
from eap_nb.models import model_spec, TL_MAJOR
from eap_nb.graph import Graph
from eap_nb.data import Batch
from eap_nb.attribution import eap_scores, estimate_memory, peak_memory, use_split
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_eap import metric, sync, interleaved, plain_any  # the same baseline and timing as bench_eap.py

DEFAULT = 'gpt2,pythia-160m,llama-3.2-1b,llama-3.1-8b,qwen-2.5-0.5b,mistral-7b,gemma-2-2b'
TITLE = f'## CPU, model families on TransformerLens {TL_MAJOR}: EAP / plain on a scaled-down model of each'

def scale(name, args):
    "The same sizes for every family, its ratios kept"
    f = FAMILIES[name]
    group = f['n_heads'] // (f.get('n_key_value_heads') or f['n_heads'])
    return dict(n_layers=args.layers, n_key_value_heads=max(1, round(args.heads / group)), d_head=args.d_head, d_vocab=args.vocab, n_ctx=256)

plain = plain_any

def row(name, backend, args):
    t0 = time.perf_counter()
    build = random_family_model if backend == 'hooked' else random_family_bridge
    model = build(name, scale(name, args), device=None if args.device == 'cpu' else args.device)
    cfg = model.cfg
    heads = f"{cfg.n_heads}/{getattr(cfg, 'n_key_value_heads', None) or cfg.n_heads}"
    head = f"| {name} | {model_spec(model).blocks} | {cfg.n_layers} | {heads} | {cfg.d_model} | {cfg.d_mlp} |"
    try: graph = Graph.from_model(model)
    except (NotImplementedError, ValueError) as e: return head + f" refused: {str(e).splitlines()[0]} | | | | | | | |"
    V, g = cfg.d_vocab, torch.Generator().manual_seed(0)
    clean = torch.randint(0, V, (args.batch, args.pos), generator=g)
    corrupted = clean.clone(); corrupted[:, :args.pos // 2] = torch.randint(0, V, (args.batch, args.pos // 2), generator=g)
    batch = Batch(clean.to(args.device), corrupted.to(args.device), answer=torch.randint(0, V, (args.batch,), generator=g).to(args.device))
    eap = lambda: eap_scores(model, graph, batch, metric, progress=False)
    try: tp, te = interleaved([lambda: plain(model, batch), eap], args.device, args.repeats)
    except (NotImplementedError, ValueError) as e: return head + f" {graph.n_edges:,} | refused: {str(e).splitlines()[0]} | | | | | | |"
    model.zero_grad(set_to_none=True)
    meas = peak_memory(eap, args.device)
    est = estimate_memory(model, graph, args.batch, args.pos)
    e = est['total'] - est['parameters']
    route = 'split' if use_split(model_spec(model), 'auto') else 'fast'
    return (head + f" {graph.n_edges:,} | {tp:.3f} | {te:.3f} | **{te / tp:.2f}** | {route} | {e / 2**20:.0f} | {meas / 2**20:.0f} | "
            f"{e / meas:.2f} | {time.perf_counter() - t0:.0f} s |")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--families', default=DEFAULT, help=f"comma-separated FAMILIES keys, or 'all' (default: {DEFAULT})")
    ap.add_argument('--backends', default='hooked,bridge')
    ap.add_argument('--batch', type=int, default=8); ap.add_argument('--pos', type=int, default=32)
    ap.add_argument('--layers', type=int, default=6); ap.add_argument('--heads', type=int, default=12)
    ap.add_argument('--d-head', type=int, default=64); ap.add_argument('--vocab', type=int, default=8192)
    ap.add_argument('--repeats', type=int, default=3); ap.add_argument('--device', default='cpu')
    ap.add_argument('--threads', type=int, default=1, help='torch threads (1 is steadier on a shared machine)')
    ap.add_argument('--write', action='store_true', help="replace this script's section of bench/RESULTS.md with the table")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings('ignore')
    names = list(FAMILIES) if args.families == 'all' else args.families.split(',')
    for n in names:
        if n not in FAMILIES: raise SystemExit(f"unknown family {n!r}: choose from {', '.join(FAMILIES)}")
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
               f"device {args.device}" + (f" ({torch.cuda.get_device_name()})" if args.device.startswith('cuda') else ''))
    lines = [f"Machine: {machine}, TransformerLens {version('transformer_lens')}. Command: `{'.venv' if TL_MAJOR >= 4 else '.venv-tl3'}/bin/python bench/bench_families.py --families {args.families} --batch {args.batch} "
             f"--pos {args.pos} --repeats {args.repeats} --threads {args.threads}`; every family scaled to {args.layers} layers, about "
             f"{args.heads} query heads {args.d_head} wide, vocabulary {args.vocab} (its own ratios kept); batch {args.batch} x {args.pos} "
             f"tokens; plain and EAP run in turn, minimum of {args.repeats} after a warm-up; memory in MiB, parameters excluded.",
             '', '| family | blocks | layers | heads (q/kv) | d_model | d_mlp | edges | plain s | EAP s | EAP / plain | route | '
             'est MiB | meas MiB | est / meas | took |', '|' + '---|' * 15]
    print(lines[0]); print(*lines[2:], sep='\n', flush=True)
    for name in names:
        for backend in args.backends.split(','):
            lines.append(row(name, backend, args)); print(lines[-1], flush=True)
    lines += ['', "- `plain` = corrupted forward (no grad) + clean forward + `metric.sum().backward()` with parameter gradients; "
              "`EAP` = `eap_scores` on the same batch, its default route (`route`): `fast` (no per-head copies of the residual stream: "
              "hook_q/k/v gradients mapped through W_Q/W_K/W_V and the input norm) where `ModelSpec.qkv_fast`, else `split` (per-head input hooks).",
              "- `blocks`: `hooked` = TransformerLens 3's HookedTransformer, `native` = TransformerLens 4's native bridge as eap_nb builds "
              "it, `hf` = a TransformerBridge over the Hugging Face model (Hugging Face's own blocks).",
              "- `est` is `estimate_memory`, `meas` is `peak_memory` (CPU: the profiler's record of allocations). The estimate "
              "counts TransformerLens's blocks; Hugging Face's blocks under a bridge keep less, so there it over-estimates.",
              "- Timings on a shared 2-core machine move by 20-30 % from run to run; the ratio, from plain and EAP run in turn, much less."]
    if args.write:
        print(f"written to {write_section(TITLE, lines)}")

if __name__ == '__main__': main()
