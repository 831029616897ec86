#!/usr/bin/env python3
"""The modules of each crate depend one way: no import cycles.

    tools/check-layers.py [--layers] [SRC_DIR ...]     (default: cli/src rule/src)

For every crate under SRC_DIR (`lib.rs` and `main.rs` are two crates when
both exist), the module tree is read from the `mod` declarations, and every
path that names something of the crate is resolved to the module that
defines it: `use crate::…`, `use super::…`, `use self::…`, `use child::…`,
and the same paths written in code (`crate::aws::caller(…)`,
`listing::clusters(…)`, `Error::aws(…)` after `use crate::Error`).
Re-exports (`pub use`, and a root's private `use`) are followed to the
module that defines the item, so `use crate::Error` depends on `error`, not
on the crate root.

A module that uses an item of another module depends on it; declaring a
child (`mod child;`) is not a use. So a parent that uses its child, while
the child uses an item defined in the parent, is a cycle, as is any longer
circle. Comments, string literals and `#[cfg(test)]` items (unit tests, and
test-only modules such as `#[cfg(test)] mod goldens;`) are left out.

Exits 1 and lists every cycle with the lines that close it; otherwise
prints one `ok` line per crate. `--layers` also prints each crate's modules
floor by floor, the bottom first (a module's floor is one above the highest
floor it uses), which is the order a code map can follow.

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A path with at least one `::`, not itself the tail of a longer path.
INLINE_PATH = re.compile(r"(?<![\w:])((?:r#)?[A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)+)")
USE = re.compile(r"\buse\s+([^;]+);")
MOD_DECL = re.compile(r"\bmod\s+([A-Za-z_]\w*)\s*;")


def blank(text: str, start: int, end: int) -> str:
    """`text` with `[start, end)` turned into spaces, newlines kept."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def strip_comments_and_literals(text: str) -> str:
    """Comments and the insides of string and char literals become spaces,
    so nothing in them is taken for a path. Offsets and lines are kept."""
    out = list(text)
    i, n = 0, len(text)

    def wipe(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            wipe(i, end)
            i = end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            wipe(i, j)
            i = j
        elif (m := re.compile(r"b?r(#*)\"").match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            closing = '"' + m.group(1)
            end = text.find(closing, m.end())
            end = n if end < 0 else end + len(closing)
            wipe(i, end)
            i = end
        elif c == '"' or (c == "b" and text.startswith('b"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            wipe(i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('x', '\n', '\'', '\u{1F600}'), not a lifetime.
            m = re.compile(r"'(?:\\(?:u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'").match(text, i)
            if m:
                wipe(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def item_end(text: str, start: int) -> int:
    """The end of the item starting at `start`: its `;`, or its `{…}` block."""
    depth = 0
    for j in range(start, len(text)):
        ch = text[j]
        if ch == ";" and depth == 0:
            return j + 1
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


CFG_TEST = re.compile(r"#\[cfg\(test\)\]")


def strip_test_items(text: str) -> tuple[str, set[str]]:
    """`#[cfg(test)]` items become spaces; returns the text and the names of
    test-only modules declared with `mod name;`."""
    test_modules: set[str] = set()
    while m := CFG_TEST.search(text):
        start = m.start()
        rest = m.end()
        # Further attributes belong to the same item.
        while a := re.compile(r"\s*#\[[^\]]*\]").match(text, rest):
            rest = a.end()
        decl = re.compile(r"\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_]\w*)\s*;").match(text, rest)
        if decl:
            test_modules.add(decl.group(1))
        text = blank(text, start, item_end(text, rest))
    return text, test_modules


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def parse_use_tree(body: str) -> list[tuple[list[str], str | None]]:
    """The paths a use tree brings in, each with the name it binds
    (`None` for a glob)."""
    tokens = re.findall(r"::|[{},*]|[A-Za-z_]\w*", body)
    pos = 0

    def tree(prefix: list[str]) -> list[tuple[list[str], str | None]]:
        nonlocal pos
        path = list(prefix)
        while pos < len(tokens):
            tok = tokens[pos]
            if tok == "::":
                pos += 1
            elif tok == "{":
                pos += 1
                found = []
                while pos < len(tokens) and tokens[pos] != "}":
                    if tokens[pos] == ",":
                        pos += 1
                        continue
                    found += tree(path)
                pos += 1
                return found
            elif tok == "*":
                pos += 1
                return [(path, None)]
            else:
                pos += 1
                if tok != "self":
                    path.append(tok)
                if pos < len(tokens) and tokens[pos] == "::":
                    continue
                alias = path[-1] if path else None
                if pos + 1 < len(tokens) and tokens[pos] == "as":
                    alias = tokens[pos + 1]
                    pos += 2
                return [(path, alias)]
        return [(path, path[-1] if path else None)]

    found = []
    while pos < len(tokens):
        if tokens[pos] == ",":
            pos += 1
            continue
        found += tree([])
    return found


@dataclass
class Use:
    """One path written in a module, and where."""

    path: list[str]
    line: int
    text: str


@dataclass
class Module:
    name: tuple[str, ...]
    file: Path
    text: str = ""
    children: set[str] = field(default_factory=set)
    # name bound by a `use` -> the path as written (relative), resolved later
    imports: dict[str, list[str]] = field(default_factory=dict)
    uses: list[Use] = field(default_factory=list)

    def label(self) -> str:
        return "::".join(self.name) or "crate"


class Crate:
    def __init__(self, root: Path):
        self.root = root
        self.modules: dict[tuple[str, ...], Module] = {}
        self.load((), root, is_dir_owner=True)
        for module in self.modules.values():
            self.read_uses(module)

    def load(self, name: tuple[str, ...], file: Path, is_dir_owner: bool) -> None:
        raw = file.read_text(encoding="utf-8")
        text, test_modules = strip_test_items(strip_comments_and_literals(raw))
        module = Module(name, file, text)
        self.modules[name] = module
        directory = file.parent if is_dir_owner else file.parent / file.stem
        for m in MOD_DECL.finditer(text):
            child = m.group(1)
            if child in test_modules:
                continue
            for candidate, owner in ((directory / f"{child}.rs", False), (directory / child / "mod.rs", True)):
                if candidate.exists():
                    module.children.add(child)
                    self.load(name + (child,), candidate, owner)
                    break

    def read_uses(self, module: Module) -> None:
        text = module.text
        for m in USE.finditer(text):
            for path, alias in parse_use_tree(m.group(1)):
                if alias is not None:
                    module.imports[alias] = path
                module.uses.append(Use(path, line_of(text, m.start()), "use " + " ".join(m.group(1).split())))
            text = blank(text, m.start(), m.end())
        for m in INLINE_PATH.finditer(text):
            path = [segment.strip() for segment in m.group(1).split("::")]
            module.uses.append(Use(path, line_of(text, m.start()), m.group(1)))

    def absolute(self, module: Module, path: list[str], seen: frozenset = frozenset()) -> list[str] | None:
        """`path` as written in `module`, from the crate root; `None` for a
        path outside the crate (std, another crate, a local type's variant)."""
        if not path:
            return None
        head, rest = path[0], path[1:]
        if head == "crate":
            return rest
        if head in ("self", "super"):
            base = list(module.name)
            while path and path[0] in ("self", "super"):
                if path[0] == "super":
                    if not base:
                        return None
                    base.pop()
                path = path[1:]
            return base + path
        if head in module.children:
            return list(module.name) + path
        if head in module.imports and (module.name, head) not in seen:
            target = self.absolute(module, module.imports[head], seen | {(module.name, head)})
            return None if target is None else target + rest
        return None

    def defining_module(self, path: list[str], seen: frozenset = frozenset()) -> tuple[str, ...] | None:
        """The module that defines what an absolute path names: the module
        itself, or the one an item there is re-exported from."""
        current: tuple[str, ...] = ()
        i = 0
        while i < len(path) and path[i] in self.modules[current].children:
            current += (path[i],)
            i += 1
        if i == len(path):
            return current
        module = self.modules[current]
        name = path[i]
        if name in module.imports and (current, name) not in seen:
            target = self.absolute(module, module.imports[name])
            if target is not None:
                return self.defining_module(target + path[i + 1:], seen | {(current, name)})
        return current

    def edges(self) -> dict[tuple[str, ...], dict[tuple[str, ...], Use]]:
        """For every module, the modules it uses, each with one use as evidence."""
        graph: dict[tuple[str, ...], dict[tuple[str, ...], Use]] = {name: {} for name in self.modules}
        for module in self.modules.values():
            for use in module.uses:
                absolute = self.absolute(module, use.path)
                if absolute is None:
                    continue
                target = self.defining_module(absolute)
                if target is not None and target != module.name:
                    graph[module.name].setdefault(target, use)
        return graph


def strongly_connected(graph: dict) -> list[list]:
    """Tarjan's components, as lists of nodes."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    components: list[list] = []
    counter = [0]

    def visit(node) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(component)

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def one_cycle(graph: dict, component: list) -> list:
    """A shortest cycle through the component's first node."""
    members = set(component)
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for succ in sorted(graph[node]):
                if succ == start:
                    return paths[node] + [start]
                if succ in members and succ not in paths:
                    paths[succ] = paths[node] + [succ]
                    following.append(succ)
        frontier = following
    return [start]


def floors(graph: dict) -> list[list]:
    """Modules by floor, bottom first, for an acyclic graph."""
    floor: dict = {}

    def height(node) -> int:
        if node not in floor:
            floor[node] = 0
            floor[node] = 1 + max((height(succ) for succ in graph[node]), default=-1)
        return floor[node]

    for node in graph:
        height(node)
    levels: list[list] = [[] for _ in range(max(floor.values(), default=-1) + 1)]
    for node, level in floor.items():
        levels[level].append(node)
    return [sorted(level) for level in levels]


def check(root: Path, show_layers: bool) -> bool:
    crate = Crate(root)
    graph = crate.edges()
    label = lambda name: "::".join(name) or "crate"  # noqa: E731
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    where = root.relative_to(Path.cwd()) if root.is_relative_to(Path.cwd()) else root
    for component in cycles:
        cycle = one_cycle(graph, component)
        members = ", ".join(label(n) for n in sorted(component))
        print(f"{where}: import cycle among {members}; one of them: {' -> '.join(label(n) for n in cycle)}")
        for source, target in zip(cycle, cycle[1:]):
            use = graph[source][target]
            module = crate.modules[source]
            file = module.file.relative_to(Path.cwd()) if module.file.is_relative_to(Path.cwd()) else module.file
            print(f"  {file}:{use.line}: {label(source)} uses {label(target)}: {use.text}")
    if not cycles:
        count = len(crate.modules)
        print(f"check-layers: {where}: {count} module(s), no import cycle")
        if show_layers:
            for number, level in enumerate(floors(graph)):
                print(f"  floor {number}: {', '.join(label(n) for n in level)}")
    return not cycles


def crate_roots(source: Path) -> list[Path]:
    roots = [source / name for name in ("lib.rs", "main.rs") if (source / name).exists()]
    if not roots:
        raise SystemExit(f"check-layers: {source} has no lib.rs or main.rs")
    return roots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, default=[Path("cli/src"), Path("rule/src")])
    parser.add_argument("--layers", action="store_true", help="print each crate's modules floor by floor")
    args = parser.parse_args()
    ok = True
    for source in args.sources:
        for root in crate_roots(source.resolve()):
            ok &= check(root, args.layers)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
