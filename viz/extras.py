"""Which install command adds an optional engine: pyproject.toml's extras, named for a person reading the output.

The package is installed from its source folder (the README's ``pip install -e '.[...]'``), so every
hint names the extra of that install; ``.[all]`` (the README's second command) brings them all.
"""

from __future__ import annotations

ALL = "pip install -e '.[all]'"
EXTRA = {"micrograd": "bench", "pytorch": "torch", "torch": "torch", "jax": "jax"}  # engine or module → extra


def extra_command(extra: str) -> str:
    """The command adding one extra of pyproject.toml: ``pip install -e '.[render]'``."""
    return f"pip install -e '.[{extra}]'"


def install_command(engine: str) -> str:
    """The command adding ``engine`` (a comparison row's name or its module): its own extra, else ``.[all]``."""
    extra = EXTRA.get(engine)
    return extra_command(extra) if extra else ALL


def install_hint(engine: str) -> str:
    """One sentence for a missing engine: its extra's command and the one bringing every extra."""
    return f"{install_command(engine)} adds it ({ALL}, the README's second install command, adds every extra)"
