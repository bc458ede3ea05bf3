"""The layout's one direction of knowledge, read from the source (ast, nothing imported): no import
circle between modules of retrieval/ and bot/, nor between their packages (bot/cli/ and
bot/feedback/ import each other through no module pair), and no module of retrieval/ importing bot/.

Every import counts, also one inside a function or under TYPE_CHECKING: a circle that only type
checkers follow is still a circle a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("retrieval", "bot")


def module_files(root: Path = REPO) -> dict[str, Path]:
    """Dotted module name -> its file, for every module of PACKAGES under `root`."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of `modules` that module `name` (its source at `path`) imports: `import a.b`
    names a.b; `from a import b` names a.b when that is a module, else a."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from . import x`, `from ..a import b`
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    found.add(f"{source}.{alias.name}")
                elif source in modules:
                    found.add(source)
    found.discard(name)
    return found


def import_graph(root: Path = REPO) -> dict[str, set[str]]:
    modules = module_files(root)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for start in sorted(graph):
        if start in order:
            continue
        work = [(start, iter(sorted(graph[start])))]
        order[start] = low[start] = len(order)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in order:
                    order[child] = low[child] = len(order)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == order[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_no_import_circle_between_modules_of_retrieval_and_bot():
    graph = import_graph()
    assert len(graph) > 100 and "retrieval.engine" in graph and "bot.discord_bot.client" in graph
    assert import_circles(graph) == []


def package_graph(graph: dict[str, set[str]], root: Path = REPO) -> dict[str, set[str]]:
    """The module graph with each subpackage's modules as one node ("bot.cli", "retrieval.index");
    a module right under bot/ or retrieval/ stays a node of its own."""
    files = module_files(root)

    def package(name: str) -> str:
        top = ".".join(name.split(".")[:2])
        return top if files[top].name == "__init__.py" else name

    packages: dict[str, set[str]] = {}
    for name, imported in graph.items():
        node = package(name)
        packages.setdefault(node, set()).update(package(target) for target in imported)
    for node, targets in packages.items():
        targets.discard(node)
    return packages


def test_no_import_circle_between_packages_of_retrieval_and_bot():
    packages = package_graph(import_graph())
    assert {"bot.cli", "bot.runtime", "bot.feedback", "retrieval.answering", "retrieval.index"} <= set(packages)
    assert import_circles(packages) == []


def test_no_module_of_retrieval_imports_bot():
    upward = {name: sorted(target for target in imported if target.split(".")[0] == "bot")
              for name, imported in import_graph().items() if name.split(".")[0] == "retrieval"}
    assert {name: targets for name, targets in upward.items() if targets} == {}


def test_the_walk_finds_a_circle_through_a_type_checking_import_and_an_upward_import(tmp_path):
    files = {
        "retrieval/__init__.py": "",
        "retrieval/text/__init__.py": "",
        "retrieval/text/words.py": "from bot.render import shown\n",
        "bot/__init__.py": "",
        "bot/client.py": "from bot.views import View\n",
        "bot/views.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.client import Client\n",
        "bot/render.py": "from . import views\nfrom retrieval.text import words\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["bot.render"] == {"bot.views", "retrieval.text.words"}
    assert graph["retrieval.text.words"] == {"bot.render"}
    assert import_circles(graph) == [["bot.client", "bot.views"], ["bot.render", "retrieval.text.words"]]
