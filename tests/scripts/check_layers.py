#!/usr/bin/env python3
"""Checks that the libraries depend on each other only in the declared order.

Usage: check_layers.py [--no-exceptions] [ROOT]
  ROOT: the checkout, by default the one holding this script. --no-exceptions: report the
  KNOWN_EXCEPTIONS below too (for trees other than this checkout).

The layers, lowest first, and what each may use (README "Layout"):

    core <- traces;  core <- models <- net <- config <- topology <- run <- sweep <- app;
    traces <- config;  config <- container <- app

Fails, naming file:line and both layers, when
  * a file of sim/, models/ or traces/ includes a header of a layer that is not below its own
    (its own layer is fine), or a header of tests/ or bench/;
  * a quoted #include of any file in sim/, models/, traces/, tests/ or bench/ names no file
    (looked up beside the including file, then from ROOT; a path whose first folder is not one
    of ROOT's, such as "ns3/core-module.h", belongs to another project and is not looked up;
    tests/ and bench/ may include any layer);
  * the files of one library include each other in a cycle, either directly (a header cycle)
    or through their sources (a.cpp includes b.hpp and b.cpp includes a.hpp: a header and its
    source are one unit, and units must form a hierarchy);
  * a library's target_link_libraries in CMake names a library that is not below it, or a
    library includes a header of a layer its links do not reach;
  * an entry of KNOWN_EXCEPTIONS no longer happens (the list only shrinks).
"""

import os
import re
import sys
from pathlib import Path

# name -> (folder, the layers it uses directly). The order of the list is the build order.
LAYERS = {
    "core": ("sim/core", []),
    "traces": ("traces", ["core"]),
    "models": ("models", ["core"]),
    "net": ("sim/net", ["models"]),
    "config": ("sim/config", ["net", "traces"]),
    "topology": ("sim/topology", ["config"]),
    "container": ("sim/container", ["config"]),
    "run": ("sim/run", ["topology"]),
    "sweep": ("sim/sweep", ["run"]),
    "app": ("sim/app", ["sweep", "container"]),
}
# Arrows against the rules that are still in the tree, each with what removing it takes:
# ("include", including file, included file) or ("units", every unit of the cycle, sorted).
# Every entry must still happen; delete it once fixed.
KNOWN_EXCEPTIONS: set = set()

# Folders scanned only for include paths that resolve; they may include any layer.
FREE_FOLDERS = ["tests", "bench"]
SOURCE_SUFFIXES = {".cpp", ".hpp", ".h", ".cc", ".in"}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def below(layers):
    """Every layer reachable from each one through its direct uses (not the layer itself)."""
    closure = {}

    def visit(name, stack):
        if name in closure:
            return closure[name]
        if name in stack:
            raise SystemExit(f"check_layers.py: the layer table itself has a cycle at {name}")
        reach = set()
        for used in layers[name][1]:
            reach.add(used)
            reach |= visit(used, stack | {name})
        closure[name] = reach
        return reach

    for name in layers:
        visit(name, frozenset())
    return closure


def layer_of(rel, layers):
    """The layer whose folder holds the path (the longest folder wins), or None."""
    best = None
    for name, (folder, _) in layers.items():
        if rel == folder or rel.startswith(folder + "/"):
            if best is None or len(folder) > len(layers[best][0]):
                best = name
    return best


def source_files(root, folder):
    base = root / folder
    if not base.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for f in sorted(filenames):
            if Path(f).suffix in SOURCE_SUFFIXES:
                found.append(Path(dirpath) / f)
    return found


def strip_source_suffix(rel):
    """The unit of a file: its path without the suffix (x.hpp and x.cpp are one unit x)."""
    if rel.endswith(".cpp.in"):
        rel = rel[: -len(".in")]
    return rel.rsplit(".", 1)[0]


def find_cycles(graph):
    """The strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    return comps


def cycle_path(graph, members):
    """One concrete cycle through the first member, as a list that starts and ends there."""
    members = set(members)
    start = min(members)
    # Breadth-first from start's successors back to start, inside the component.
    parent = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph.get(node, ())):
                if nxt not in members:
                    continue
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return list(reversed(path)) + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = node
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return sorted(members)


def cmake_calls(text, command):
    """The argument lists of every call of command in a CMake file, comments removed."""
    text = re.sub(r"#[^\n]*", "", text)
    calls = []
    for match in re.finditer(r"\b" + command + r"\s*\(", text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        line = text.count("\n", 0, match.start()) + 1
        calls.append((line, text[match.end(): i - 1].split()))
    return calls


def main():
    args = sys.argv[1:]
    exceptions = set(KNOWN_EXCEPTIONS)
    if args and args[0] == "--no-exceptions":
        exceptions = set()
        args = args[1:]
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(args[0] if args else Path(__file__).resolve().parents[2]).resolve()
    top_folders = {p.name for p in root.iterdir() if p.is_dir()}
    excused = set()
    layers = LAYERS
    allowed = below(layers)
    target_layer = {f"rlisim_{name}": name for name in layers}
    target_layer.update({f"rlisim::{name}": name for name in layers})
    errors = []

    # Includes: path sanity everywhere, layering and the per-library graphs in the libraries.
    file_graph = {name: {} for name in layers}
    unit_graph = {name: {} for name in layers}
    uses = {name: {} for name in layers}  # layer -> used layer -> first include naming it
    scanned = []
    for name, (folder, _) in layers.items():
        scanned += source_files(root, folder)
    for folder in FREE_FOLDERS:
        scanned += source_files(root, folder)
    scanned = sorted(set(scanned))
    for path in scanned:
        rel = path.relative_to(root).as_posix()
        own = layer_of(rel, layers)
        if own is not None:
            file_graph[own].setdefault(rel, set())
            unit_graph[own].setdefault(strip_source_suffix(rel), set())
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
        for lineno, text in enumerate(lines, 1):
            m = INCLUDE.match(text)
            if not m:
                continue
            spelled = m.group(1)
            beside = path.parent / spelled
            from_root = root / spelled
            if beside.is_file():
                target = beside.resolve()
            elif from_root.is_file():
                target = from_root.resolve()
            elif "/" in spelled and spelled.split("/")[0] not in top_folders:
                continue  # another project's header, e.g. "ns3/core-module.h"
            else:
                errors.append(f'{rel}:{lineno}: #include "{spelled}" names no file (looked '
                              f"beside the file and from the repository root)")
                continue
            try:
                target_rel = target.relative_to(root).as_posix()
            except ValueError:
                errors.append(f'{rel}:{lineno}: #include "{spelled}" leaves the repository')
                continue
            if own is None:
                continue  # tests/ and bench/ may include any layer
            where = f"{rel}:{lineno}"
            used = layer_of(target_rel, layers)
            if used is None:
                errors.append(f'{where}: layer {own} ({layers[own][0]}) includes "{spelled}", '
                              f"which belongs to no library (tests/ and bench/ sit above "
                              f"every layer)")
                continue
            if used == own:
                file_graph[own][rel].add(target_rel)
                unit_a = strip_source_suffix(rel)
                unit_b = strip_source_suffix(target_rel)
                if unit_a != unit_b:
                    unit_graph[own][unit_a].add(unit_b)
                continue
            uses[own].setdefault(used, where)
            if ("include", rel, target_rel) in exceptions:
                excused.add(("include", rel, target_rel))
                continue
            if used not in allowed[own]:
                direction = ("above it" if own in allowed[used] else "beside it, not below it")
                errors.append(f'{where}: layer {own} ({layers[own][0]}) includes "{spelled}" '
                              f"of layer {used} ({layers[used][0]}), which is {direction}; "
                              f"{own} may use only: "
                              f"{', '.join(sorted(allowed[own])) or 'nothing'}")

    # Cycles among the files of one library.
    for name in layers:
        for comp in find_cycles(file_graph[name]):
            path = cycle_path(file_graph[name], comp)
            errors.append(f"include cycle in layer {name} ({layers[name][0]}): "
                          + " -> ".join(path))
        for comp in find_cycles(unit_graph[name]):
            key = ("units", *comp)
            if key in exceptions:
                excused.add(key)
                continue
            path = cycle_path(unit_graph[name], comp)
            errors.append(f"include cycle between units (a header and its source) in layer "
                          f"{name} ({layers[name][0]}): {', '.join(comp)}; for example "
                          + " -> ".join(path)
                          + " (each arrow: the unit's .hpp or .cpp includes the next's header)")

    # CMake: each library links only lower layers, and its links reach every layer it includes.
    links = {name: set() for name in layers}
    cmake_files = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Build folders (build/, build-asan/...) hold CMake's copies, not the project's files.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "build")))
        if "CMakeLists.txt" in filenames:
            cmake_files.append(Path(dirpath) / "CMakeLists.txt")
    for cmake in cmake_files:
        rel = cmake.relative_to(root).as_posix()
        for line, args in cmake_calls(cmake.read_text(encoding="utf-8"),
                                      "target_link_libraries"):
            if not args or args[0] not in target_layer:
                continue
            own = target_layer[args[0]]
            for arg in args[1:]:
                used = target_layer.get(arg)
                if used is None:
                    continue
                links[own].add(used)
                if used not in allowed[own]:
                    direction = ("itself" if used == own else
                                 "above it" if own in allowed[used] else
                                 "beside it, not below it")
                    errors.append(f"{rel}:{line}: target_link_libraries({args[0]} ...) names "
                                  f"{arg} (layer {used}), which is {direction}; {own} may use "
                                  f"only: {', '.join(sorted(allowed[own])) or 'nothing'}")
    reach = {}
    for name in layers:
        todo, seen = list(links[name]), set()
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            todo += links[cur]
        reach[name] = seen
    for name in layers:
        for used, where in sorted(uses[name].items()):
            if used in allowed[name] and used not in reach[name]:
                errors.append(f"{where}: layer {name} includes a header of layer {used}, but "
                              f"rlisim_{name}'s target_link_libraries do not reach "
                              f"rlisim_{used}")

    for stale in sorted(exceptions - excused):
        errors.append(f"check_layers.py: KNOWN_EXCEPTIONS lists {stale}, which no longer "
                      f"happens: delete the entry")

    if errors:
        for e in errors:
            print(e, file=sys.stderr)
        print(f"check_layers.py: {len(errors)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(f"check_layers.py: {len(scanned)} files, {len(layers)} layers: includes and links "
          f"follow the layer order, no include cycles ({len(excused)} known exceptions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
