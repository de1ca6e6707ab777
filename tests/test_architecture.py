"""The structure holds: one home for each concern (see docs/architecture.md).

Read from the code's own imports (module-level and inside functions, so a function-level import
cannot hide a cycle) with ``ast``; nothing is imported or run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
MAX_LINES = 450
MAX_LISTENER_LINES = 20
#: Fakes and the sandbox are test and demo equipment, not the app: the size limit skips them.
UNLIMITED = ("fakeslack", "sandbox")
FEATURE_EXEMPT = {"__init__", "kit", "guard", "matching"}  # registry, kit and its Bolt parts


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rsplit(".", 1)[0]


def modules() -> dict[str, Module]:
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = Module(name, path, ast.parse(path.read_text(), str(path)))
    return found


MODULES = modules()


def imported(module: Module) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports (absolute names; ``from package import submodule`` gives
    the submodule), with its line, wherever the import stands."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in MODULES else base), node.lineno


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _ in imported(m) if target in MODULES and target != name}
        for name, m in MODULES.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_reader_sees_imports_and_cycles() -> None:
    """The checks below would see a cycle, including one through an import in a function."""
    tree = ast.parse("def f():\n    from bot.services import access\n")
    fake = Module("bot.services.sets", BOT / "services" / "sets.py", tree)
    assert [t for t, _ in imported(fake)] == ["bot.services.access"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_bot() -> None:
    assert cycles(graph()) == []


def test_no_handler_module_imports_another() -> None:
    """Feature modules of ``bot.handlers`` import the kit at most, never each other (nor the
    registry, which imports them all); the kit imports no feature module."""
    handlers = {n for n in MODULES if n.startswith("bot.handlers.")}
    problems = []
    for name in sorted(handlers):
        for target, line in imported(MODULES[name]):
            feature = target in handlers and target.rsplit(".", 1)[1] not in FEATURE_EXEMPT
            if target == "bot.handlers" or (feature and target != name):
                problems.append(f"{name}:{line} imports {target}")
    assert problems == []


# What each room of the house may use (beyond the standard library and itself).
ALLOWED = {
    "bot.domain": ("bot.domain", "bot.ids"),
    # slack_sdk's installation and OAuth state stores keep the distributed app's tokens in
    # our database (``bot.storage.installations``): they are storage, nothing of Slack's API.
    # ``cryptography`` seals members' text as it is stored (``bot.storage.crypto``).
    "bot.storage": (
        "bot.storage",
        "bot.domain",
        "bot.ids",
        "sqlalchemy",
        "alembic",
        "slack_sdk.oauth",
        "cryptography",
    ),
    "bot.services": (
        "bot.services",
        "bot.storage",
        "bot.domain",
        "bot.ids",
        "bot.clock",
        "sqlalchemy",
    ),
    "bot.blocks": ("bot.blocks", "bot.services.views", "bot.domain", "bot.ids", "slack_sdk.models"),
    # iCalendar is to calendars what Block Kit is to Slack: rendered from the same plain data.
    "bot.ical": ("bot.ical", "bot.services.views", "bot.domain", "icalendar"),
    # And a chart is drawn from the same plain data, with matplotlib.
    "bot.charts": ("bot.charts", "bot.services.views", "bot.domain", "matplotlib"),
}
FORBIDDEN = {
    "bot.slack": ("bot.handlers", "bot.scheduler", "bot.storage", "bot.app"),
    "bot.handlers": ("bot.storage", "bot.scheduler", "sqlalchemy", "bot.app"),
    "bot.scheduler": ("bot.handlers", "bot.app", "slack_bolt"),
    # The front door checks requests; it knows nothing of what they ask for.
    "bot.web": ("bot.handlers", "bot.services", "bot.scheduler", "bot.slack", "bot.app"),
}


def _stdlib(name: str) -> bool:
    import sys

    return name.split(".")[0] in sys.stdlib_module_names or name == "__future__"


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_each_room_uses_only_the_rooms_below_it(room: str) -> None:
    allowed = ALLOWED[room]
    problems = [
        f"{name}:{line} imports {target}"
        for name, m in MODULES.items()
        if name == room or name.startswith(room + ".")
        for target, line in imported(m)
        if not _stdlib(target)
        and not any(target == a or target.startswith(a + ".") for a in allowed)
    ]
    assert problems == []


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_above_do_not_reach_around(room: str) -> None:
    problems = [
        f"{name}:{line} imports {target}"
        for name, m in MODULES.items()
        if name == room or name.startswith(room + ".")
        for target, line in imported(m)
        if any(target == f or target.startswith(f + ".") for f in FORBIDDEN[room])
    ]
    assert problems == []


def test_the_domain_imports_neither_slack_nor_sqlalchemy() -> None:
    problems = [
        f"{name}:{line} imports {target}"
        for name, m in MODULES.items()
        if name.startswith("bot.domain")
        for target, line in imported(m)
        if target.split(".")[0] in ("slack_sdk", "slack_bolt", "sqlalchemy")
    ]
    assert problems == []


def test_no_file_in_bot_grows_over_the_limit() -> None:
    too_long = []
    for path in sorted(BOT.rglob("*")):
        rel = path.relative_to(BOT)
        if not path.is_file() or rel.parts[0] in UNLIMITED or "__pycache__" in rel.parts:
            continue
        lines = len(path.read_text(errors="replace").splitlines())
        if lines > MAX_LINES:
            too_long.append(f"bot/{rel}: {lines} lines")
    assert too_long == []


def test_listeners_stay_short() -> None:
    """A listener acks, parses, calls one service, renders, sends: about 20 lines at most."""
    long = []
    for name, m in MODULES.items():
        if not name.startswith("bot.handlers.") or name.rsplit(".", 1)[1] in FEATURE_EXEMPT:
            continue
        for node in m.tree.body:
            if isinstance(node, ast.FunctionDef) and node.name != "register":
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LISTENER_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []


STATUS_LITERAL = re.compile(r"""\b(status|kind)\s*(==|!=|=)\s*["'][a-z_]+["']""")


def test_statuses_are_enums_outside_the_domain() -> None:
    """No status compared with, or set to, a raw string: ``bot.domain``'s enums say them."""
    found = []
    for name, m in MODULES.items():
        if name.startswith(
            ("bot.domain", "bot.fakeslack", "bot.sandbox", "bot.storage.migrations")
        ):
            continue
        for number, line in enumerate(m.path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if STATUS_LITERAL.search(code):
                found.append(f"{m.path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_no_module_level_thread_pools() -> None:
    """Threads are created and shut down with the app, not at import."""
    found = [
        f"{name}:{node.lineno}"
        for name, m in MODULES.items()
        for node in m.tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Call)
        and "Executor" in ast.unparse(node.value.func)
    ]
    assert found == []
