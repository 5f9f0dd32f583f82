"""Edge Attribution Patching (Syed, Rager & Conmy 2023), ACDC and exact activation patching for transformer circuits, as literate notebooks"""

__version__ = "0.0.1"
from .models import random_model, random_bridge, hooked_config, load_model, ModelUnavailable, model_spec, SHAPES
from .graph import Graph
from .patching import Batch, circuit_metric, patch_scores, faithfulness, writer_outputs, mean_writer_outputs
from .attribution import eap_scores
from .prune import topk_circuit, threshold_circuit, prune_curve
