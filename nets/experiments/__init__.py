"""Experiments that train and time networks: the engine comparison, speed runs, the engine benchmark;
forward against reverse mode for a full Jacobian (forward_reverse)."""
