#!/usr/bin/python3
"""Checks the #include "..." graph of src/, include/ and bpf/ (stdlib only).

Fails (exit 1, one line per problem) on
  - a cycle between files (a.h -> b.h -> a.h),
  - a cycle between modules, a module being x.c with its x.h and its private x_internal.h
    (cli.c includes config.h while config.c includes cli.h),
  - a cycle between folders of src/ (config/ -> metrics/ -> config/),
  - an upward include against the layer order of src/, bottom up:
        util  <  http  <  config  <  capture, targets, metrics  <  serve  <  main.c
    A folder may include its own layer and the layers below; folders of one layer may
    include each other only one way (that is the folder-cycle check).
  - an include that names no file of the tree (src/ is included as "folder/module.h",
    include/ and bpf/ by their bare names), except the generated skeletons (*.skel.h) and
    vmlinux.h.

Usage: scripts/check-includes.py [ROOT]   (ROOT: the repository, default: this script's ..)
"""

import os
import re
import sys

LAYERS = {
    "util": 0,
    "http": 1,
    "config": 2,
    "capture": 3,
    "targets": 3,
    "metrics": 3,
    "serve": 4,
    "main.c": 5,
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
GENERATED = re.compile(r"(\.skel\.h|^vmlinux\.h)$")


def sources(root):
    """Every C file of src/, include/ and bpf/, as paths relative to root."""
    for top in ("src", "include", "bpf"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(dirpath, name), root)


def resolve(root, including, name):
    """The file an #include "name" in `including` names, or None."""
    candidates = [os.path.join(os.path.dirname(including), name)]
    candidates += [os.path.join(d, name) for d in ("src", "include", "bpf")]
    for c in candidates:
        if os.path.isfile(os.path.join(root, c)):
            return os.path.normpath(c)
    return None


def folder(path):
    """The layer unit of a file: its src/ folder, "main.c", or None outside src/."""
    parts = path.split(os.sep)
    return parts[1] if parts[0] == "src" else None


def find_cycle(graph):
    """One cycle of the graph (a list of nodes, first repeated last), or None."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = {n: WHITE for n in graph}
    stack = []

    def visit(n):
        color[n] = GREY
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if color.get(m, WHITE) == GREY:
                return stack[stack.index(m):] + [m]
            if color.get(m, WHITE) == WHITE:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        color[n] = BLACK
        return None

    for n in sorted(graph):
        if color[n] == WHITE:
            found = visit(n)
            if found:
                return found
    return None


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = []
    files = {}
    folders = {}
    for path in sources(root):
        with open(os.path.join(root, path), encoding="utf-8") as f:
            names = INCLUDE.findall(f.read())
        deps = files.setdefault(path, set())
        for name in names:
            target = resolve(root, path, name)
            if target is None:
                if not GENERATED.search(name):
                    problems.append(f"{path}: includes \"{name}\", which is no file of the tree")
                continue
            deps.add(target)
            src, dst = folder(path), folder(target)
            if src is None or dst is None or src == dst:
                if src is None and dst is not None:
                    problems.append(f"{path}: includes {target}: include/ and bpf/ are below src/")
                continue
            if src not in LAYERS or dst not in LAYERS:
                problems.append(f"{path}: src/{src if src not in LAYERS else dst} has no layer "
                                "in scripts/check-includes.py")
                continue
            folders.setdefault(src, set()).add(dst)
            if LAYERS[dst] > LAYERS[src]:
                problems.append(f"{path}: includes {target}: upward, from {src} (layer "
                                f"{LAYERS[src]}) to {dst} (layer {LAYERS[dst]})")

    # Cycles between files: report each once, then cut it so the others show.
    graph = {k: set(v) for k, v in files.items()}
    while True:
        cycle = find_cycle(graph)
        if not cycle:
            break
        problems.append("include cycle between files: " + " -> ".join(cycle))
        graph[cycle[-2]].discard(cycle[-1])

    def module(path):
        return re.sub(r"_internal$", "", os.path.splitext(path)[0])

    modules = {}
    for path, deps in files.items():
        mod = module(path)
        modules.setdefault(mod, set()).update(module(d) for d in deps)
        modules[mod].discard(mod)
    graph = modules
    while True:
        cycle = find_cycle(graph)
        if not cycle:
            break
        problems.append("include cycle between modules: " + " -> ".join(cycle))
        graph[cycle[-2]].discard(cycle[-1])

    graph = {k: set(v) for k, v in folders.items()}
    while True:
        cycle = find_cycle(graph)
        if not cycle:
            break
        problems.append("include cycle between folders: " + " -> ".join(cycle))
        graph[cycle[-2]].discard(cycle[-1])

    for p in problems:
        print(p)
    if problems:
        return 1
    n_edges = sum(len(v) for v in files.values())
    print(f"includes: {len(files)} files, {n_edges} includes, no cycle, no upward include")
    return 0


if __name__ == "__main__":
    sys.exit(main())
