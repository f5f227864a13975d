#!/usr/bin/env python3
# Copyright 2026 The streamdag authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No dead public functions: every function a header of src/ declares is called
somewhere other than the .c file that defines it.

A call from src/, plugins/ or bench/ counts; a call from tests/ counts too, since
the pure modules are API for their tests as much as for the daemon. A declaration
nobody calls outside its own file is either dead (delete it) or private (make it
static). Prints TAP, one case per layer folder of src/.

    sdag-dead-check.py SOURCE_ROOT
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
PROTO = re.compile(r"\b(sdag_[a-z0-9_]+)\s*\(")


def files(top, exts):
    for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
        for name in sorted(names):
            if name.endswith(exts):
                yield os.path.join(dirpath, name)


# a comment, or a string or character literal, which may hold "/*" ("/cameras/*")
LEXEME = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def strip_comments(text):
    return LEXEME.sub(lambda m: " " if m.group(0)[0] == "/" else m.group(0), text)


def main():
    sources = {}
    for top in ("src", "plugins", "bench", "tests"):
        for path in files(top, (".c", ".h", ".cpp")):
            with open(path, encoding="utf-8", errors="replace") as f:
                sources[os.path.relpath(path, ROOT)] = strip_comments(f.read())
    layers = sorted(d for d in os.listdir(os.path.join(ROOT, "src"))
                    if os.path.isdir(os.path.join(ROOT, "src", d)))
    cases = []
    for layer in layers:
        problems = []
        count = 0
        for header in sorted(p for p in sources if p.startswith(f"src/{layer}/") and p.endswith(".h")):
            stem = header[:-2]
            own = {stem + ".c", header}
            # a module split over several files (sdag-jobs-*.c) is one module
            base = os.path.basename(stem).removesuffix("-private")
            own |= {p for p in sources if os.path.dirname(p) == os.path.dirname(header)
                    and os.path.basename(p).startswith(base + "-")}
            declared = set()
            # named by a macro or an autoptr cleanup of the header: used wherever those are
            exempt = set(re.findall(r"#define[^\n]*\b(sdag_[a-z0-9_]+)\(", sources[header]))
            exempt |= set(re.findall(r"G_DEFINE_AUTOPTR_CLEANUP_FUNC\(\w+,\s*(sdag_[a-z0-9_]+)\)",
                                     sources[header]))
            for line in sources[header].split(";"):
                m = PROTO.search(line)
                if m and "#define" not in line and "typedef" not in line:
                    declared.add(m.group(1))
            for name in sorted(declared - exempt):
                count += 1
                pattern = re.compile(r"\b" + re.escape(name) + r"\b")
                if not any(pattern.search(text) for p, text in sources.items() if p not in own):
                    problems.append(f"{header}: {name} is called nowhere outside {stem}.c")
        cases.append((not problems, f"src/{layer}: {count} public functions, each called elsewhere", problems))
    print(f"1..{len(cases)}")
    for i, (ok, desc, notes) in enumerate(cases, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {desc}")
        for n in notes:
            print(f"# {n}")
    return 0 if all(ok for ok, _, _ in cases) else 1


if __name__ == "__main__":
    sys.exit(main())
