"""The layers: a framework-free core, the Dagster shell (defs/) and the API shell over it.

The core imports neither dagster nor fastapi, the bridge imports only the core, and the
domain packages import each other without a cycle (read from the source, no import run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "preciso_dagster"


def _imports(path: Path) -> list[str]:
    """Every module a source file imports, absolute."""
    modules = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return modules


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _domain(module: str) -> str:
    """The domain a module belongs to: `core.numeric`, `defs.training`, `cli`, ..."""
    parts = module.split(".")[1:] or ["__init__"]
    return ".".join(parts[:2] if parts[0] in ("core", "defs") and len(parts) > 1 else parts[:1])


def _domain_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        source = _domain(_module_of(path))
        for module in _imports(path):
            if module.startswith("preciso_dagster.") and _domain(module) != source:
                graph[source].add(_domain(module))
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph, as the path that closes it, if there is one."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target] if target in path else [node, target]
            if target not in state and (found := visit(target, [*path, target])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_import_cycle_between_domain_packages() -> None:
    graph = _domain_graph()
    assert {"core.numeric", "core.extraction", "defs.ingest", "defs.pipeline"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"core.a": {"core.b"}, "core.b": {"core.c"}, "core.c": {"core.a"}, "cli": {"core.a"}}
    assert _cycle(graph) == ["core.a", "core.b", "core.c", "core.a"]
    assert _cycle({"core.a": {"core.b"}, "core.b": set()}) is None


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (
            "preciso_dagster/core",
            (
                "dagster",
                "fastapi",
                "starlette",
                "api_bridge",
                "preciso_dagster.defs",
                "preciso_dagster.cli",
            ),
        ),
        (
            "api_bridge",
            (
                "dagster",
                "preciso_dagster.defs",
                "preciso_dagster.cli",
                "preciso_dagster.definitions",
            ),
        ),
    ],
)
def test_a_layer_imports_nothing_above_it(layer: str, forbidden: tuple[str, ...]) -> None:
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / layer).rglob("*.py")
        for module in _imports(path)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    ]
    assert offending == []


JOB_WRITERS = {"create_job", "set_status", "attach_run", "mirror_run", "apply_backfill_progress"}


def _names_imported_from(path: Path, module: str) -> set[str]:
    return {
        alias.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    }


def test_only_the_api_the_outbox_and_the_mirror_write_pipeline_jobs() -> None:
    writers = {
        str(path.relative_to(ROOT))
        for layer in ("preciso_dagster", "api_bridge")
        for path in (ROOT / layer).rglob("*.py")
        if _names_imported_from(path, "preciso_dagster.core.tracking.jobs") & JOB_WRITERS
    }
    assert writers == {
        "api_bridge/services/jobs.py",  # the API: a job per request
        "api_bridge/services/outbox.py",  # the outbox: submission to Dagster
        "preciso_dagster/defs/tracking/sensors.py",  # the mirror: Dagster runs into jobs
    }


def _loaded_after(statement: str, heavy: tuple[str, ...]) -> list[str]:
    probe = f"import sys\n{statement}\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    return [name for name in loaded.stdout.strip().split(",") if name]


def test_importing_the_bridge_loads_neither_dagster_nor_pymupdf() -> None:
    heavy = ("dagster", "dagster_graphql", "pymupdf", "cv2", "mlflow")
    assert _loaded_after("import api_bridge.main", heavy) == []


def test_importing_every_core_module_loads_no_framework() -> None:
    every_core_module = "\n".join(
        f"import {_module_of(path)}"
        for path in sorted((PACKAGE / "core").rglob("*.py"))
        if "migrations" not in path.parts
    )
    assert _loaded_after(every_core_module, ("dagster", "fastapi", "starlette")) == []
