"""Experiments that train and time networks: the engine comparison, speed runs, the engine benchmark."""
