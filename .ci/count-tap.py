#!/usr/bin/env python3
"""Counts individual GLib test cases in meson's test log and prints the
closing line 'N passed, N failed'. A test binary that died before it
reported all its cases counts as one more failure."""
import json
import sys

passed = failed = 0
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            ok = bad = 0
            for out in (entry.get("stdout") or "").splitlines():
                if out.startswith("ok "):
                    ok += 1
                elif out.startswith("not ok "):
                    bad += 1
            if entry.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL") and bad == 0:
                bad = 1
            passed += ok
            failed += bad
except FileNotFoundError:
    failed = 1
print(f"{passed} passed, {failed} failed")
