"""Edge Attribution Patching (Syed, Rager & Conmy 2023), ACDC and exact activation patching for transformer circuits, as literate notebooks

Modules:

- `eap_nb.patching`: Run the model with any set of edges ablated in one forward pass; circuit metrics, faithfulness, and the exact activation-patching score of every edge, many edges per pass."""

__version__ = "0.0.1"
