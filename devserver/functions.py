"""Loads the Lambda handlers of template.yaml in process, as ``sam local`` would run them."""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "shared"

LambdaHandler = Callable[[dict[str, Any], Any], Any]

# A module is registered in sys.modules before it finishes executing; without the lock a second
# thread could pick up the half-loaded module.
_LOADING = threading.Lock()


def _ensure_layer_on_path() -> None:
    # In Lambda the layer is unpacked under /opt/python; locally its folder plays that part.
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def load_handler(code_uri: str, handler: str) -> LambdaHandler:
    """Import ``handler`` ("module.function") from the function folder ``code_uri``, once, thread-safely."""
    with _LOADING:
        return _load_handler(code_uri, handler)


@cache
def _load_handler(code_uri: str, handler: str) -> LambdaHandler:
    """Import ``handler`` from ``code_uri``.

    Each function folder has its own ``app.py``; modules are loaded under a name derived from the
    folder so two functions' ``app`` modules never shadow each other.
    """
    _ensure_layer_on_path()
    module_name, _, attribute = handler.rpartition(".")
    folder = (ROOT / code_uri).resolve()
    source = folder / f"{module_name.replace('.', '/')}.py"
    unique = "maxfn_" + "_".join(folder.relative_to(ROOT).parts) + "_" + module_name.replace(".", "_")
    if unique not in sys.modules:
        spec = importlib.util.spec_from_file_location(unique, source)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {source}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        with _function_folder_on_path(folder, unique.removesuffix(module_name.replace(".", "_"))):
            spec.loader.exec_module(module)
    function: LambdaHandler = getattr(sys.modules[unique], attribute)
    return function


@contextmanager
def _function_folder_on_path(folder: Path, prefix: str) -> Iterator[None]:
    """Let a handler import its function's own modules (``routes.campaigns``) as Lambda does.

    In Lambda the function folder is the root of the path. Here it is on the path only while the
    handler module runs: a function imports its own modules at import time. Those modules are then
    kept under ``prefix`` alone, so another function's modules of the same name (its own ``routes``)
    are imported from its own folder.
    """
    already = set(sys.modules)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in set(sys.modules) - already:
            origin = getattr(sys.modules[name], "__file__", None)
            if origin and not name.startswith("maxfn_") and Path(origin).resolve().is_relative_to(folder):
                sys.modules[prefix + name] = sys.modules.pop(name)


def load_module(code_uri: str, module_name: str = "app") -> Any:
    """The module of a function folder (for its resolver's OpenAPI schema)."""
    load_handler(code_uri, f"{module_name}.lambda_handler")
    folder = (ROOT / code_uri).resolve()
    return sys.modules["maxfn_" + "_".join(folder.relative_to(ROOT).parts) + "_" + module_name]
