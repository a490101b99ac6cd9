"""The code base's shape (issue 18): small modules and classes, imports that only go downward.

A contributor should be able to read any one module in a sitting and see the data flow from the
imports: these tests fail when a module or class grows past its limit or a lower layer starts to
import a higher one (docs/ARCHITECTURE.md draws the layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "formcheck"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 150

#: Each top-level module or package of formcheck and its layer: a module may import only from
#: lower layers (the same layer is not allowed either, so that no two parts lean on each other).
LAYERS: dict[str, int] = {
    "formcheck": 0, "errors": 0, "landmarks": 0, "_threads": 0, "memory": 0,
    "console": 1,
    "series": 1, "pose": 1, "cues": 1, "filters": 1,
    "metrics": 2, "clean": 2, "video": 2, "light": 2, "synthetic": 2, "camera": 2, "subject": 2,
    "gait": 3, "plots": 3, "scout": 3,
    "engine": 4, "tracking": 4, "relook": 4,
    "report": 5,
    "render": 6, "results": 6,
    "pipeline": 7,
    "batch": 8, "live": 8, "web": 8,
    "commands": 9, "cli": 10, "__main__": 11,
}  # fmt: skip


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _part(module: str) -> str:
    """formcheck.render.skeleton -> render; formcheck -> formcheck."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The formcheck modules `name` imports, at module level or inside functions."""
    out: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        out.update(c for c in candidates if c in known)
    return out


MODULES = _modules()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_and_classes_are_small(name: str) -> None:
    path = MODULES[name]
    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path} has {text.count(chr(10))} lines (at most {MAX_MODULE_LINES})"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = node.end_lineno - node.lineno + 1
            assert size <= MAX_CLASS_LINES, f"{path}: class {node.name} has {size} lines (at most {MAX_CLASS_LINES})"


def test_every_part_has_a_layer() -> None:
    assert {_part(n) for n in MODULES} <= set(LAYERS), sorted({_part(n) for n in MODULES} - set(LAYERS))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_downward(name: str) -> None:
    here = _part(name)
    for target in _imports(name, MODULES[name], MODULES):
        there = _part(target)
        if there == here or target == "formcheck":
            continue
        assert LAYERS[there] < LAYERS[here], f"{name} (layer {LAYERS[here]}) imports {target} (layer {LAYERS[there]})"


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """The import reader finds an upward import and the size rule counts a long class."""
    fake = tmp_path / "formcheck" / "series.py"
    fake.parent.mkdir()
    fake.write_text("from formcheck.render import Overlay\nclass Big:\n" + "    x = 1\n" * 200)
    known = {"formcheck.series": fake, "formcheck.render": fake}
    assert _imports("formcheck.series", fake, known) == {"formcheck.render"}
    cls = next(n for n in ast.walk(ast.parse(fake.read_text())) if isinstance(n, ast.ClassDef))
    assert cls.end_lineno - cls.lineno + 1 > MAX_CLASS_LINES
