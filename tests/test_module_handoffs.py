"""Modules hand work on one way: none imports another project module inside
`try: … except ImportError` (which hides a dependency circle behind an app that is always
installed), and cases reach payments only through the transition they publish."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import minzheng

pytestmark = pytest.mark.db_independent

SRC = Path(minzheng.__file__).resolve().parent
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    if kinds is None:
        return True  # a bare except swallows an ImportError too
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(
        isinstance(n, ast.Name)
        and n.id in IMPORT_ERRORS
        or isinstance(n, ast.Attribute)
        and n.attr in IMPORT_ERRORS
        for n in names
    )


def _project_imports(body: list[ast.stmt]) -> list[str]:
    found = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.ImportFrom) and (
                node.level > 0 or (node.module or "").split(".")[0] == "minzheng"
            ):
                found.append("." * node.level + (node.module or ""))
            elif isinstance(node, ast.Import):
                found += [a.name for a in node.names if a.name.split(".")[0] == "minzheng"]
    return found


def guarded_project_imports(source: str) -> list[tuple[int, str]]:
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            hits += [(node.lineno, name) for name in _project_imports(node.body)]
    return hits


def test_the_scan_finds_a_guarded_project_import_and_ignores_third_party_ones():
    guarded = "def f():\n    try:\n        from minzheng.payments.services import x\n    except ImportError:\n        return\n"
    relative = (
        "try:\n    from .views import y\nexcept (ValueError, ModuleNotFoundError):\n    pass\n"
    )
    third_party = "try:\n    import pyspark\nexcept ImportError:\n    pyspark = None\n"
    assert guarded_project_imports(guarded) == [(2, "minzheng.payments.services")]
    assert guarded_project_imports(relative) == [(1, ".views")]
    assert guarded_project_imports(third_party) == []


def test_no_module_imports_a_project_module_inside_try_except_import_error():
    offenders = [
        f"{path.relative_to(SRC)}:{line} {name}"
        for path in sorted(SRC.rglob("*.py"))
        for line, name in guarded_project_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_cases_and_assistance_do_not_import_payments_or_each_other_back():
    """cases → payments is a published transition; assistance never imports cases (cases
    registers its workflow defaults with the standards registry)."""

    def imported(app: str) -> set[str]:
        names = set()
        for path in (SRC / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.ImportFrom)
                    and not node.level
                    and (node.module or "").startswith("minzheng.")
                ):
                    names.add(node.module.split(".")[1])
                elif isinstance(node, ast.Import):
                    names |= {
                        a.name.split(".")[1] for a in node.names if a.name.startswith("minzheng.")
                    }
        return names

    assert "payments" not in imported("cases")
    assert "cases" not in imported("assistance")
