"""Edge Attribution Patching (Syed, Rager & Conmy 2023), ACDC and exact activation patching for transformer circuits, as literate notebooks"""

__version__ = "0.0.1"
from .models import random_model, random_bridge, hooked_config, load_model, ModelUnavailable, model_spec, SHAPES
from .graph import Graph
from .patching import Batch, circuit_metric, patch_scores, faithfulness, writer_outputs, mean_writer_outputs, last_only
from .attribution import eap_scores, estimate_memory, peak_memory, max_batch_size
from .prune import topk_circuit, threshold_circuit, prune_curve
from .acdc import (acdc, acdc_sweep, ACDCResult, kl_div, with_clean_logprobs, repeated_patching, eap_acdc,
                   eap_acdc_grid, acdc_order, forward_flops)
from .evaluation import (roc_points, circuit_roc_points, roc_auc, pareto_points, faithfulness_curve, node_circuit,
                         MIB_PERCENTS, roc_figure, faithfulness_figure, score_histogram, count_outside, draw_circuit,
                         save_html, to_json, from_json, save_pt, load_pt, acdc_edge_list)
from .planted import PlantedTask, planted_induction, planted_ioi, planted_greater_than, check_planted, PLANTED
from .limitations import (lambda_curves, concavity, linear_fit, attribution_scatter, embedding_comparison,
                          lambda_figure, youden)
from .trained import TrainedTask, load_trained, train, save_trained
from .limitations import embedding_figure, youden_figure
from .tasks import (gpt2_tokenizer, ioi, ioi_ground_truth, IOI_CIRCUIT, Task, greater_than, greater_than_ground_truth,
                    GT_CIRCUIT, gt_years, edge_role, docstring, docstring_prompt, docstring_ground_truth, DS_CIRCUIT,
                    SPLITS)
