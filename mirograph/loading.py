"""Loading `package.module:attribute` specs: tools (`--tool mytools:lookup`), eval models
(`python:pkg.mod:factory`). One loader, so both find modules the same way.

Modules are found on `sys.path`, then in the current folder (as `python -m` would: a
console script's path does not hold it), appended last so it never shadows a package.
"""

from __future__ import annotations

import importlib
import os
import sys


def load_attribute(spec: str) -> object:
    """The object `module:attribute` names; raises `ValueError` for a spec without both
    parts, and `ImportError` / `AttributeError` as importing and `getattr` do."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"{spec!r} is not MODULE:ATTRIBUTE")
    return getattr(import_module(module_name), attribute)


def import_module(name: str) -> object:
    """`importlib.import_module`, falling back to the current folder for a top-level module."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        here = os.getcwd()
        if exc.name != name.split(".")[0] or here in sys.path:
            raise
        sys.path.append(here)
        return importlib.import_module(name)
