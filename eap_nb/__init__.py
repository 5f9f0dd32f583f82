"""Edge Attribution Patching (Syed, Rager & Conmy 2023), ACDC and exact activation patching for transformer circuits, as literate notebooks"""

__version__ = "0.0.1"
# Lazy: `import eap_nb` loads nothing heavy; `eap_nb.Graph` (or any name below) imports its submodule on first use, so
# the `eap-nb` command answers --help at once and torch / TransformerLens load only where work is done.
import importlib, sys, types

_NAMES = {
    'models': ['random_model', 'random_bridge', 'hooked_config', 'load_model', 'ModelUnavailable', 'model_spec', 'SHAPES',
               'hub_reachable', 'word_tokenizer', 'cached_tokenizer'],
    'graph': ['Graph', 'Nodes', 'node_name', 'KINDS'],
    'data': ['Batch', 'last_only', 'split_batch', 'attention_mask', 'check_tokens'],
    'parallel': [],
    'metrics': ['last_logits', 'logit_diff', 'docstring_metric', 'prob_diff', 'kl_div', 'l2', 'normalized'],
    'hooks': ['writer_outputs', 'mean_writer_outputs'],
    'patching': ['circuit_metric', 'patch_scores', 'faithfulness'],
    'attribution': ['eap_scores', 'dense_scores', 'estimate_memory', 'peak_memory', 'max_batch_size'],
    'methods': ['attribute', 'attribute_nodes'],
    'atp': ['atp_star_scores', 'patched_patterns'],
    'families': ['FAMILIES', 'MAX_CTX', 'family_shape', 'family_config', 'random_family_model', 'family_hf_config',
                 'random_family_bridge'],
    'prune': ['topk_circuit', 'threshold_circuit', 'prune_curve', 'why_uninformative'],
    'circuits': ['connected', 'greedy_circuit', 'node_topn', 'make_circuit', 'circuit_curves', 'CIRCUITS', 'MIB_PERCENTS'],
    'acdc': ['acdc', 'acdc_sweep', 'ACDCResult', 'with_clean_logprobs', 'repeated_patching', 'eap_acdc',
             'eap_acdc_grid', 'acdc_order', 'forward_flops'],
    'evaluation': ['roc_points', 'circuit_roc_points', 'roc_auc', 'pareto_points', 'faithfulness_curve',
                   'roc_figure', 'wrap_text', 'faithfulness_figure', 'score_histogram', 'count_outside',
                   'draw_circuit', 'save_html', 'to_json', 'from_json', 'save_pt', 'load_pt', 'acdc_edge_list'],
    'planted': ['PlantedTask', 'planted_induction', 'planted_ioi', 'planted_greater_than', 'check_planted', 'PLANTED',
                'layout', 'blank_state', 'random_junk', 'set_head'],
    'hard': ['HardTask', 'planted_hard', 'compare_methods', 'edge_ranks', 'HARD_METHODS'],
    'limitations': ['lambda_curves', 'concavity', 'linear_fit', 'attribution_scatter', 'embedding_comparison',
                    'lambda_figure', 'youden', 'embedding_figure', 'youden_figure', 'embedding_outliers', 'lambda_panels',
                    'curve_summary'],
    'failures': ['method_scores', 'method_table'],
    'baselines': ['subnetwork_probing', 'sp_sweep', 'SPResult', 'hisp_scores', 'hisp_circuits', 'node_circuit',
                  'node_truth', 'mask_nodes', 'gated_logits'],
    'edge_pruning': ['edge_pruning', 'EdgePruningResult', 'masked_logits', 'paper_circuit', 'rank_init'],
    'selection': ['bootstrap_scores', 'Bootstrap', 'resample', 'stable_edges', 'significant_edges', 'ratio_circuit',
                  'ensemble_scores', 'ilp_circuit', 'jaccard', 'pairwise_jaccard', 'auc_ci', 'faithfulness_ci', 'load_eap',
                  'save_eap_pt', 'save_eap_json', 'write_mib', 'read_mib', 'mib_circuits', 'mib_faithfulness'],
    'method_table': ['run_methods', 'method_row', 'faithfulness_table', 'sweep_by_size', 'mib_sizes', 'MethodRun', 'TABLE_METHODS',
                     'table_setting', 'table_rows', 'TableSetting', 'TABLE_MODELS'],  # the submodule's name is also failures' `method_table`: the public name stays the function
    'trained': ['TrainedTask', 'load_trained', 'train', 'save_trained'],
    'tasks': ['gpt2_tokenizer', 'ioi', 'ioi_ground_truth', 'IOI_CIRCUIT', 'Task', 'greater_than',
              'greater_than_ground_truth', 'GT_CIRCUIT', 'GT_GROUP_NAMES', 'gt_years', 'edge_role', 'docstring', 'docstring_prompt',
              'docstring_ground_truth', 'DS_CIRCUIT', 'SPLITS', 'load_tracr', 'tracr_ground_truth', 'TRACR_CIRCUITS'],
    'tracr': ['rasp_program', 'compile_tracr', 'tracr_weights', 'save_tracr', 'check_conversion', 'acdc_nodes'],
}
_HOME = {name: mod for mod, names in _NAMES.items() for name in names}  # public name -> submodule that defines it
_SUBMODULES = set(_NAMES) | {'cli'}
__all__ = list(_HOME)

def __getattr__(name:str):
    "Import the submodule that defines `name` on first use"
    if name in _HOME: value = getattr(importlib.import_module(f'{__name__}.{_HOME[name]}'), name)
    elif name in _SUBMODULES: value = importlib.import_module(f'{__name__}.{name}')
    else: raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value

def __dir__(): return sorted(set(globals()) | set(_HOME) | _SUBMODULES)

class _Package(types.ModuleType):
    "eap_nb itself: importing a submodule that shares a public name (`eap_nb.acdc`) leaves the public name (the function) in place"
    def __setattr__(self, name:str, value):
        if name in _HOME and isinstance(value, types.ModuleType): return  # the import system binding the submodule
        super().__setattr__(name, value)

sys.modules[__name__].__class__ = _Package
