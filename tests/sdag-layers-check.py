#!/usr/bin/env python3
# Copyright 2026 The streamdag authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layer rules of docs/design.md, checked on every #include "..." of the tree.

Reads the table under "## Layers" in docs/design.md (layer | folders | may include |
must not), then every .c and .h file in those folders, and prints TAP: one case per
layer (each of its quoted includes names a header of its own layer or of a layer it may
include) and one for the whole tree (no two modules include each other, directly or
round a longer loop). A failure names the file, the line and the rule broken. The
rules are changed in the document, never here.

    sdag-layers-check.py SOURCE_ROOT
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
DESIGN = os.path.join(ROOT, "docs", "design.md")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def module_of(path):
    """sdag-live.c, sdag-live.h and sdag-live-private.h are one module."""
    name = os.path.splitext(os.path.basename(path))[0]
    return name[: -len("-private")] if name.endswith("-private") else name


def read_table():
    """[(layer, [folders], [layers it may include])] in the document's order."""
    rows = []
    in_section = False
    with open(DESIGN, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                in_section = line.strip() == "## Layers"
                continue
            if not in_section or not line.startswith("|"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or cells[0] in ("layer", "") or set(cells[0]) <= set("-: "):
                continue
            layer = cells[0].strip("`* ")
            folders = re.findall(r"`([^`]+/)`", cells[1])
            may = [m for m in re.findall(r"`([a-z]+)`", cells[2])]
            rows.append((layer, folders, may))
    if not rows:
        sys.exit(f"Bail out! no layer table under '## Layers' in {DESIGN}")
    return rows


def sources(folder):
    path = os.path.join(ROOT, folder)
    if not os.path.isdir(path):
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(path):
        # a folder of its own in the table is another layer's (tests/plugins/ and the like)
        dirnames[:] = sorted(dirnames)
        for name in sorted(filenames):
            if name.endswith((".c", ".h", ".cpp")):
                out.append(os.path.relpath(os.path.join(dirpath, name), ROOT))
    return out


def main():
    table = read_table()
    names = {layer for layer, _, _ in table}
    cases = []  # (ok, description, [diagnostics])

    # each file belongs to the layer of its deepest folder in the table
    owner = {}
    for layer, folders, _ in table:
        for folder in folders:
            for path in sources(folder):
                prev = owner.get(path)
                if prev is None or len(folder) > len(prev[1]):
                    owner[path] = (layer, folder)
    header_layer = {}
    for path, (layer, _) in owner.items():
        if path.endswith(".h"):
            header_layer.setdefault(os.path.basename(path), set()).add(layer)

    # a source file of src/ outside every layer folder is a file in no layer
    stray = []
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "src")):
        for name in filenames:
            path = os.path.relpath(os.path.join(dirpath, name), ROOT)
            if name.endswith((".c", ".h")) and path not in owner:
                stray.append(f"{path}: in no layer folder of docs/design.md")
    cases.append((not stray, "every source file of src/ is in a layer folder", stray))

    edges = {}
    for layer, folders, may in table:
        unknown = [m for m in may if m not in names]
        allowed = set(may) | {layer}
        problems = [f"docs/design.md: layer {layer} may include unknown layer {m}" for m in unknown]
        files = [p for p, (l, _) in owner.items() if l == layer]
        count = 0
        for path in sorted(files):
            module = module_of(path)
            with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
                for lineno, text in enumerate(f, 1):
                    m = INCLUDE.match(text)
                    if not m:
                        continue
                    header = os.path.basename(m.group(1))
                    layers = header_layer.get(header)
                    if layers is None:
                        continue  # generated (config.h, resources) or a system header
                    count += 1
                    target = module_of(header)
                    if target != module:
                        edges.setdefault(module, {}).setdefault(target, f"{path}:{lineno}")
                    if not layers & allowed:
                        got = ", ".join(sorted(layers))
                        rule = ", ".join(sorted(may)) if may else "nothing but itself"
                        problems.append(
                            f"{path}:{lineno}: includes {header} of layer {got}; "
                            f"layer {layer} may include {rule}"
                        )
        cases.append((not problems, f"layer {layer}: {len(files)} files, {count} includes", problems))

    # include cycles between modules (Tarjan's strongly connected components)
    index = {}
    low = {}
    stack = []
    on_stack = set()
    loops = []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                loops.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    cycle_notes = []
    for comp in loops:
        where = [
            f"{edges[a][b]}: {a} includes {b}.h"
            for a in comp
            for b in sorted(edges.get(a, {}))
            if b in comp
        ]
        cycle_notes.append("cycle between " + ", ".join(comp) + ": " + "; ".join(where))
    cases.append((not loops, f"no include cycles between {len(edges)} modules", cycle_notes))

    print(f"1..{len(cases)}")
    failed = 0
    for i, (ok, desc, notes) in enumerate(cases, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {desc}")
        for n in notes:
            print(f"# {n}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
