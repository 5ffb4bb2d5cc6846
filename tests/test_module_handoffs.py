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


QUERY_METHODS = {
    "objects",
    "all",
    "filter",
    "exclude",
    "order_by",
    "annotate",
    "aggregate",
    "select_related",
    "prefetch_related",
    "values_list",
}


def orm_reads(source: str) -> list[tuple[int, str]]:
    """Lines of a module that query the database themselves: a manager, a queryset method or
    an import from django.db.models."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in QUERY_METHODS:
            hits.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom) and node.module == "django.db.models":
            hits.append((node.lineno, "django.db.models"))
    return sorted(hits)


def test_the_orm_scan_finds_queries_and_ignores_dictionaries():
    source = (
        "from django.db.models import Count\n"
        "a = Plan.objects.first()\n"
        "b = target.children.all()\n"
        "c = request.GET.get('x')\n"
        "d = sum(exc.errors.values(), [])\n"
    )
    assert orm_reads(source) == [(1, "django.db.models"), (2, "objects"), (3, "all")]


def test_target_pages_read_through_the_selectors():
    assert orm_reads((SRC / "targets" / "views.py").read_text(encoding="utf-8")) == []


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """Every module a source imports, at module level or inside functions, with relative imports
    resolved against `package` (the dotted package the file is in)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x, y: each name may be a module
                    found += [(node.lineno, f"{module}.{a.name}") for a in node.names]
                    continue
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return sorted(found)


def app_imports_of_core() -> list[str]:
    """Imports by core of any other part of the project. Core may import core, Django and
    third-party packages, and the package root (`minzheng.__version__`)."""
    core = SRC / "core"
    offenders = []
    for path in sorted(core.rglob("*.py")):
        relative = path.relative_to(SRC.parent).with_suffix("")
        package = ".".join(relative.parts[:-1])
        for line, module in imported_modules(path.read_text(encoding="utf-8"), package):
            parts = module.split(".")
            if parts[0] == "minzheng" and len(parts) > 1 and parts[1] != "core":
                offenders.append(f"{path.relative_to(SRC)}:{line} {module}")
    return offenders


def test_the_import_scan_resolves_relative_imports_and_sees_imports_inside_functions():
    source = (
        "import minzheng\n"
        "from . import audit\n"
        "from ..accounts.models import Role\n"
        "def f():\n"
        "    from minzheng.people import selectors\n"
    )
    assert imported_modules(source, "minzheng.core") == [
        (1, "minzheng"),
        (2, "minzheng.core.audit"),
        (3, "minzheng.accounts.models"),
        (5, "minzheng.people"),
    ]


def test_core_imports_no_other_app():
    assert app_imports_of_core() == []


def test_every_import_of_a_project_module_resolves_even_inside_functions():
    """Imports inside functions run only when the function does; a module moved into a package
    can leave one pointing nowhere (`from .models import …` one level too shallow)."""
    import importlib
    import importlib.util

    unresolved = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        package = ".".join(parts[:-1] if path.name != "__init__.py" else parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                module = importlib.util.resolve_name(
                    "." * node.level + (node.module or ""), package
                )
            elif (node.module or "").startswith("minzheng"):
                module = node.module
            else:
                continue
            if importlib.util.find_spec(module) is None:
                unresolved.append(f"{path.relative_to(SRC)}:{node.lineno} {module}")
                continue
            loaded = importlib.import_module(module)
            unresolved += [
                f"{path.relative_to(SRC)}:{node.lineno} {module}.{alias.name}"
                for alias in node.names
                if alias.name != "*"
                and not hasattr(loaded, alias.name)
                and importlib.util.find_spec(f"{module}.{alias.name}") is None
            ]
    assert unresolved == []
