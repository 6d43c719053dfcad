#!/usr/bin/env python3
"""House guards run by .ci/run: the rules that keep the code as it was built.

1. No Rust source file over 600 lines (src/, crates/*/src, tests/, crates/*/tests, benches/).
2. No module loop inside a crate. Every file is a module; a path `crate::a::b::X`,
   `super::x::Y` or `self::x` names the deepest module of the crate it reaches. An edge runs
   between the two *sibling* subtrees where the referring and the referred module part (so a
   child naming its parent, or a parent its child, is no edge: that is how Rust nests). A cycle
   among siblings is a loop: the layers no longer read top-down. Comments are stripped first.
   Test modules (`tests.rs`, `tests/` under a src tree) are left out: they may read anything.

3. No function over 80 lines outside tests (comments stripped), except those listed with a
   reason in `.ci/long-functions.txt` (`path fn-name: why`; data tables, mostly).

Exit 1 with one line per finding; 0 and a summary when the house is clean.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

MAX_LINES = 600
ROOT = Path(__file__).resolve().parent.parent


def rust_files(base: Path):
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in ("target", ".git", "snapshots")]
        for f in filenames:
            if f.endswith(".rs"):
                yield Path(dirpath) / f


def strip_comments(text: str) -> str:
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == '"':
            # Skip string literals (keep the quotes so code stays code).
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "r" and re.match(r'r#*"', text[i : i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            hashes = m.group(1)
            end = text.find('"' + hashes, i + len(m.group(0)))
            out.append('""')
            i = n if end < 0 else end + 1 + len(hashes)
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i : i + 5]):
            m = re.match(r"'(\\.|[^\\'])'", text[i : i + 5])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_lengths() -> list[str]:
    bad = []
    bases = [ROOT / "src", ROOT / "tests", ROOT / "benches"]
    bases += sorted((ROOT / "crates").glob("*/src")) + sorted((ROOT / "crates").glob("*/tests"))
    for base in bases:
        if not base.is_dir():
            continue
        for f in rust_files(base):
            n = sum(1 for _ in f.open(encoding="utf-8", errors="replace"))
            if n > MAX_LINES:
                bad.append(f"{f.relative_to(ROOT)}: {n} lines (at most {MAX_LINES})")
    return bad


def module_tree(src: Path, root_file: str):
    """Map module path (tuple) -> file, for a crate whose root is src/root_file."""
    mods = {}

    def visit(path: tuple, file: Path):
        mods[path] = file
        text = strip_comments(file.read_text(encoding="utf-8", errors="replace"))
        if file.name in ("mod.rs", root_file) and file.parent == (src if path == () else file.parent):
            folder = file.parent
        else:
            folder = file.parent / file.stem
        for m in re.finditer(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;", text):
            name = m.group(1)
            for cand in (folder / f"{name}.rs", folder / name / "mod.rs"):
                if cand.is_file():
                    visit(path + (name,), cand)
                    break

    visit((), src / root_file)
    return mods


PATH_RE = re.compile(r"\b(crate|super|self)((?:\s*::\s*(?:super|[A-Za-z_][A-Za-z0-9_]*))*)(\s*::\s*\{)?")


def expand_group(text: str, start: int) -> list[tuple[str, int]]:
    """From the `{` at `start`, the paths of a use group (nested groups flattened)."""
    out, depth, i, cur = [], 0, start, ""
    stack = [""]
    while i < len(text):
        c = text[i]
        if c == "{":
            stack.append(cur.strip().rstrip(":").strip())
            cur = ""
            depth += 1
        elif c == "}":
            if cur.strip():
                out.append("::".join(p for p in stack[1:] + [cur.strip()] if p))
            cur = ""
            stack.pop()
            depth -= 1
            if depth == 0:
                return [(p, i) for p in out]
        elif c == ",":
            if cur.strip():
                out.append("::".join(p for p in stack[1:] + [cur.strip()] if p))
            cur = ""
        else:
            cur += c
        i += 1
    return [(p, i) for p in out]


def references(text: str):
    """Every module path written in `text`: (anchor, [segments])."""
    for m in PATH_RE.finditer(text):
        anchor = m.group(1)
        segs = [s for s in re.split(r"\s*::\s*", m.group(2).strip()) if s]
        if m.group(3):
            brace = m.end() - 1
            for sub, _ in expand_group(text, brace):
                sub = re.sub(r"\s+as\s+\w+$", "", sub)
                yield anchor, segs + [s for s in re.split(r"\s*::\s*", sub) if s]
        else:
            yield anchor, segs


def resolve(mods: dict, here: tuple, is_dir_module: bool, anchor: str, segs: list[str]):
    if anchor == "crate":
        base = ()
    elif anchor == "self":
        base = here
    else:
        base = here[:-1]
    for s in segs:
        if s == "super":
            base = base[:-1]
        elif s in ("self",):
            continue
        else:
            if base + (s,) in mods:
                base = base + (s,)
            else:
                break
    return base


def find_cycles(edges: dict) -> list[list]:
    """Strongly connected components of size > 1 (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            strong(v)
    return out


def check_loops() -> tuple[list[str], int]:
    crates = [(ROOT / "src", "lib.rs")]
    crates += [(p, "lib.rs") for p in sorted((ROOT / "crates").glob("*/src")) if (p / "lib.rs").is_file()]
    bad, edges_seen = [], 0
    for src, root_file in crates:
        mods = module_tree(src, root_file)
        edges: dict = {}
        why: dict = {}
        for here, file in mods.items():
            if "tests" in here:
                continue
            text = strip_comments(file.read_text(encoding="utf-8", errors="replace"))
            # Inline test modules may read anything.
            cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
            if cut:
                text = text[: cut.start()]
            for anchor, segs in references(text):
                target = resolve(mods, here, file.name == "mod.rs", anchor, segs)
                # The sibling subtrees where the two part.
                k = 0
                while k < len(here) and k < len(target) and here[k] == target[k]:
                    k += 1
                if k >= len(here) or k >= len(target):
                    continue  # one contains the other: nesting, not a layer edge
                a, b = here[: k + 1], target[: k + 1]
                edges.setdefault(a, set()).add(b)
                why.setdefault((a, b), f"{file.relative_to(ROOT)} names {'::'.join(target) or 'crate'}")
                edges_seen += 1
        for comp in find_cycles(edges):
            names = ", ".join("::".join(c) for c in comp)
            detail = "; ".join(
                why[(a, b)] for a in comp for b in comp if (a, b) in why
            )
            bad.append(f"module loop in {src.relative_to(ROOT)}: {names} ({detail})")
    return bad, edges_seen


MAX_FN_LINES = 80
FN_RE = re.compile(
    r"(?m)^[ \t]*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)"
)


def long_functions() -> list[tuple[int, str, str]]:
    found = []
    for base in [ROOT / "src"] + sorted((ROOT / "crates").glob("*/src")):
        for f in rust_files(base):
            rel = f.relative_to(ROOT)
            if f.name == "tests.rs" or "tests" in rel.parts[:-1]:
                continue
            text = strip_comments(f.read_text(encoding="utf-8", errors="replace"))
            cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
            if cut:
                text = text[: cut.start()]
            for m in FN_RE.finditer(text):
                brace = text.find("{", m.end())
                semi = text.find(";", m.end())
                if brace < 0 or (0 <= semi < brace):
                    continue  # a declaration without a body
                depth, j = 0, brace
                while j < len(text):
                    if text[j] == "{":
                        depth += 1
                    elif text[j] == "}":
                        depth -= 1
                        if depth == 0:
                            break
                    j += 1
                n = text[m.start() : j].count("\n") + 1
                if n > MAX_FN_LINES:
                    found.append((n, str(rel), m.group(1)))
    return found


def check_functions() -> list[str]:
    allowed = {}
    listing = ROOT / ".ci" / "long-functions.txt"
    if listing.is_file():
        for line in listing.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            head, _, why = line.partition(":")
            parts = head.split()
            if len(parts) == 2 and why.strip():
                allowed[(parts[0], parts[1])] = why.strip()
    bad = []
    for n, path, name in sorted(long_functions(), reverse=True):
        if (path, name) not in allowed:
            bad.append(f"{path} fn {name}: {n} lines (at most {MAX_FN_LINES}; split it, or list it with why in .ci/long-functions.txt)")
    return bad


def main() -> int:
    bad = check_lengths()
    bad += check_functions()
    loops, edges = check_loops()
    bad += loops
    for b in bad:
        print(f"guard: {b}")
    if bad:
        print(f"guards: {len(bad)} finding(s)")
        return 1
    print(
        f"guards: every source file ≤ {MAX_LINES} lines; every function ≤ {MAX_FN_LINES} lines "
        f"or listed; no module loop ({edges} references read)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
