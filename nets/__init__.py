"""nets: neural networks on autonode — per-node (Value) and vectorised (numpy) engines."""
