#!/usr/bin/env python3
# Copyright 2026 The streamdag authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The man pages and the bash completion, held to what the programs say they do.

    sdag-docs-check.py drift SOURCE_ROOT STREAMDAGD STREAMDAGCTL
    sdag-docs-check.py completion SOURCE_ROOT STREAMDAGD STREAMDAGCTL

drift: every command and long option that `streamdagctl --help` shows has its entry in
man/streamdagctl.1.scd and is offered by completions/streamdagctl (an option whose help
starts "jobs submit:" after `streamdagctl jobs submit`); every long option of
`streamdagd --help` has its entry in man/streamdagd.8.scd; every key of
data/streamdag.conf (set, or commented out as "#key=") has its entry under its group's
section of man/streamdag.conf.5.scd. The help and the shipped file are the truth: a new
option or key fails here until it is documented.

completion: what the completion offers in the cases an operator meets.

Prints TAP; a failure names each thing missing and where.
"""
import os
import re
import subprocess
import sys
import tempfile


def run_help(program):
    # in C, so that the help's words are the ones the pages quote
    env = dict(os.environ, LC_ALL="C")
    return subprocess.run(
        [program, "--help"], check=True, capture_output=True, text=True, env=env
    ).stdout


def long_options(help_text):
    """[(option, description)] of every "  -x, --name=ARG  text" line of a GOption help"""
    found = []
    for line in help_text.splitlines():
        m = re.match(r"^\s+(?:-\w, )?(--[a-z0-9][a-z0-9-]*)(?:=\S+)?\s*(.*)$", line)
        if m:
            found.append((m.group(1), m.group(2)))
    return found


def ctl_commands(help_text):
    """["health", "pipelines list", ...]: the command and, if any, subcommand of each line
    under "Commands:" of streamdagctl's help"""
    commands = []
    inside = False
    for line in help_text.splitlines():
        if line.strip() == "Commands:":
            inside = True
            continue
        if inside and not line.strip():
            break
        if inside:
            words = re.split(r"\s{2,}", line.strip())[0].split()
            name = words[0]
            if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
                name += " " + words[1]
            commands.append(name)
    if not commands:
        sys.exit("Bail out! no 'Commands:' list in streamdagctl --help")
    return commands


def has_term(scd, phrase):
    """Whether @phrase starts an entry of the page: a line "*phrase*...", or
    "*-x*, *phrase*..." for an option with a short form"""
    return re.search(r"^(?:\*-[A-Za-z]\*, )?\*" + re.escape(phrase) + r"\*", scd, re.M) is not None


def read(root, *path):
    with open(os.path.join(root, *path), encoding="utf-8") as f:
        return f.read()


def conf_keys(text):
    """[(group, key)] of the shipped config file, commented-out keys ("#key=") included"""
    keys = []
    group = None
    for line in text.splitlines():
        m = re.match(r"^\[([A-Za-z0-9_-]+)\]\s*$", line)
        if m:
            group = m.group(1)
            continue
        m = re.match(r"^#?\s*([a-z][a-z0-9_]*)\s*=", line)
        if m and group is not None:
            keys.append((group, m.group(1)))
    return keys


def man_sections(scd):
    """{title: text} of each "# TITLE" section of a scdoc page"""
    sections = {}
    title = None
    for line in scd.splitlines(keepends=True):
        if line.startswith("# "):
            title = line[2:].strip()
            sections[title] = ""
        elif title is not None:
            sections[title] += line
    return sections


def complete(root, words, cwd=None):
    """What the completion offers with the cursor at the end of @words (the last one is the
    word being completed, "" for a new one), as bash would call it"""
    script = r"""
source "$1"
shift
spec=$(complete -p streamdagctl) || exit 3
fn=${spec##*-F }
fn=${fn%% *}
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
"$fn" streamdagctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""
    p = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script, "bash",
         os.path.join(root, "completions", "streamdagctl"), "streamdagctl"] + words,
        capture_output=True, text=True, cwd=cwd,
    )
    if p.returncode != 0:
        raise RuntimeError(f"bash exited {p.returncode}: {p.stderr.strip()}")
    return [w for w in p.stdout.split("\n") if w]


def drift(root, streamdagd, streamdagctl):
    cases = []
    ctl_help = run_help(streamdagctl)
    ctl_man = read(root, "man", "streamdagctl.1.scd")
    commands = ctl_commands(ctl_help)
    ctl_opts = long_options(ctl_help)

    missing = [c for c in commands if not has_term(ctl_man, c)]
    missing += [o for o, _ in ctl_opts if not has_term(ctl_man, o)]
    cases.append((not missing, f"man/streamdagctl.1.scd has the {len(commands)} commands and "
                  f"{len(ctl_opts)} long options of streamdagctl --help",
                  [f"missing from man/streamdagctl.1.scd: {m}" for m in missing]))

    missing = []
    offered = {(): complete(root, [""])}
    for c in commands:
        words = c.split()
        if words[0] not in offered[()]:
            missing.append(f"command '{words[0]}' after 'streamdagctl'")
        if len(words) > 1:
            before = tuple(words[:1])
            if before not in offered:
                offered[before] = complete(root, list(before) + [""])
            if words[1] not in offered[before]:
                missing.append(f"subcommand '{words[1]}' after 'streamdagctl {words[0]}'")
    anywhere = complete(root, ["--"])
    for opt, desc in ctl_opts:
        if opt not in anywhere:
            missing.append(f"option '{opt}' after 'streamdagctl'")
        # "jobs submit: analyse every Nth frame": offered after that command too
        m = re.match(r"^([a-z-]+(?: [a-z-]+)?): ", desc)
        if m and m.group(1) in commands:
            if opt not in complete(root, m.group(1).split() + ["--"]):
                missing.append(f"option '{opt}' after 'streamdagctl {m.group(1)}'")
    cases.append((not missing, "completions/streamdagctl offers every command, subcommand "
                  "and long option of streamdagctl --help",
                  [f"missing from completions/streamdagctl: {m}" for m in missing]))

    d_opts = long_options(run_help(streamdagd))
    d_man = read(root, "man", "streamdagd.8.scd")
    missing = [o for o, _ in d_opts if not has_term(d_man, o)]
    cases.append((not missing and len(d_opts) > 0,
                  f"man/streamdagd.8.scd has the {len(d_opts)} long options of streamdagd --help",
                  [f"missing from man/streamdagd.8.scd: {m}" for m in missing]))

    keys = conf_keys(read(root, "data", "streamdag.conf"))
    sections = man_sections(read(root, "man", "streamdag.conf.5.scd"))
    missing = []
    for group, key in keys:
        section = sections.get(f"[{group}]")
        if section is None:
            missing.append(f"[{group}] {key} (no section '# [{group}]')")
        elif re.search(r"(?:^|, )\*" + re.escape(key) + r"\*=", section, re.M) is None:
            missing.append(f"[{group}] {key}")
    cases.append((not missing and len(keys) > 0,
                  f"man/streamdag.conf.5.scd has the {len(keys)} keys of data/streamdag.conf",
                  [f"missing from man/streamdag.conf.5.scd: {m}" for m in missing]))
    return cases


def completion(root):
    cases = []

    def case(words, expected, exact=True, cwd=None):
        got = complete(root, words, cwd)
        line = "streamdagctl " + " ".join(words)
        ok = sorted(got) == sorted(expected) if exact else set(expected) <= set(got)
        notes = []
        if not ok:
            notes = [f"offered: {' '.join(got) or '(nothing)'}",
                     f"expected {'exactly' if exact else 'at least'}: {' '.join(expected)}"]
        cases.append((ok, f"'{line}' offers {' '.join(expected) or 'nothing'}", notes))

    case(["jo"], ["jobs"])
    case([""], ["health", "node-types", "metrics", "history", "pipelines", "jobs", "cameras",
                "admin", "token"])
    case(["admin", ""], ["fsck", "backup"])
    case(["jobs", "prune", "--status", ""], ["completed", "failed", "cancelled"])
    case(["jobs", "prune", "--be"], ["--before"])
    case(["cameras", ""], ["list", "get", "put", "delete", "enable", "disable", "snapshot", "tail"])
    case(["cameras", "get", ""], [])
    case(["token", ""], ["new"])
    case(["token", "new", "ha", "--scope", "j"], ["jobs:write"])
    case(["token", "new", "ha", "--s"], ["--scope"])
    # a secret is the user's; a token file or a CA is a file
    case(["--token", ""], [])
    case(["jobs", ""], ["submit", "submit-batch", "get", "watch", "tail", "list", "cancel",
                        "delete", "results", "frames", "snapshot", "metrics", "prune"])
    case(["jobs", "list", "--status", ""], ["queued", "running", "completed", "failed",
                                            "cancelled"])
    case(["jobs", "list", "--cam"], ["--camera"])
    case(["jobs", "submit", "--l"], ["--live"])
    case(["jobs", "frames", "x", "--"], ["--limit", "--cursor"], exact=False)
    case(["history", "--ac"], ["--actor", "--action"])
    case(["history", "--action", "job.c"], ["job.cancel", "job.completed", "job.cancelled"])
    case(["pipelines", "stats", "x", "--s"], ["--since"])
    case(["jobs", "tail", ""], [])
    case(["jobs", "submit-batch", "--pa"], ["--partial"])
    case(["jobs", "submit-batch", "--pi"], ["--pipeline"])
    case(["jobs", "w"], ["watch"])
    case(["pipelines", ""], ["list", "get", "add", "validate", "delete", "stats", "run"])
    case(["--json", "jobs", "l"], ["list"])
    # "--url=URL" reaches the function as "--url" "=" "URL"
    case(["--url", "=", "http://127.0.0.1:8080", "jobs", "c"], ["cancel"])
    case(["-u", "http://127.0.0.1:8080", "pipelines", "d"], ["delete"])
    case(["jobs", "submit", "--st"], ["--stride"])
    case(["jobs", "list", "--"], ["--limit", "--cursor"], exact=False)
    case(["pipelines", "add", "--d"], ["--dry-run"])
    case(["--max"], ["--max-frames"])
    # option values and ids are the user's
    case(["--stride", ""], [])
    case(["jobs", "list", "--limit", "="], [])
    case(["jobs", "get", ""], [])
    case(["health", ""], [])
    with tempfile.TemporaryDirectory() as d:
        for name in ["people.json", "cars.json", "notes.txt", "frame.jpg"]:
            open(os.path.join(d, name), "w").close()
        os.mkdir(os.path.join(d, "more"))
        # pipeline definitions: the JSON files and the directories
        case(["pipelines", "add", ""], ["people.json", "cars.json", "more"], cwd=d)
        case(["pipelines", "add", "cars.json", "p"], ["people.json"], cwd=d)
        # no JSON file there: any file
        case(["pipelines", "add", "n"], ["notes.txt"], cwd=d)
        case(["pipelines", "validate", "c"], ["cars.json"], cwd=d)
        # an image to run: JPEG or PNG, else any file
        case(["pipelines", "run", "people_v1", ""], ["frame.jpg", "more"], cwd=d)
        # a camera's definition: a JSON file, with or without its NAME before it
        case(["cameras", "put", "p"], ["people.json"], cwd=d)
        case(["cameras", "put", "front", "c"], ["cars.json"], cwd=d)
        # a job's SOURCE may be a file; its PIPELINE is an id
        case(["jobs", "submit", "people_v1", "no"], ["notes.txt"], cwd=d)
        case(["jobs", "submit", "p"], [], cwd=d)
        # a batch's sources: directories and files, each word
        case(["jobs", "submit-batch", "--pipeline", "x", "notes.txt", "m"], ["more"], cwd=d)
        case(["--cacert", "no"], ["notes.txt"], cwd=d)
        case(["--token-file", "=", "no"], ["notes.txt"], cwd=d)
    return cases


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("drift", "completion"):
        sys.exit(__doc__)
    mode, root, streamdagd, streamdagctl = sys.argv[1:]
    root = os.path.abspath(root)
    cases = drift(root, streamdagd, streamdagctl) if mode == "drift" else completion(root)
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
