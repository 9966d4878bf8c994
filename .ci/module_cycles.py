#!/usr/bin/env python3
"""List `crate::` import edges between top-level modules of a Rust crate and report cycles.

usage: module_cycles.py CRATE_SRC_DIR [...]   e.g. module_cycles.py crates/*/src
       module_cycles.py -v CRATE_SRC_DIR            also print every edge with the files that make it

A module file is any .rs under src. Its top-level module is the first path component
(`foo.rs`, `foo/mod.rs`, `foo/bar.rs` -> `foo`); lib.rs / main.rs are the crate root and are
left out of the graph (the root re-exporting everything is not a circle). Edges come from
every `crate::a...` path in the file (in `use` items, grouped `use crate::{a, b::c}`, and
inline paths such as `crate::a::f()`), and from `super::a` in a top-level module file
(where `super` is the crate root). Comments and string literals are stripped first.
Test modules (`#[cfg(test)] mod tests`) are left out. Exit status 1 when any crate has a
cycle (CI runs it: modules inside a crate form layers, no import circle).
Cycles are reported as strongly connected components (Tarjan) with one concrete cycle each.
"""
import os
import re
import sys
from collections import defaultdict

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def production_only(text):
    """The file up to its `#[cfg(test)] mod ... {` block: by convention the test module
    closes the file, and its imports are test scaffolding, not the crate's structure."""
    m = re.search(r"#\[cfg\(test\)\]\s*(pub(\(crate\))?\s+)?mod\s+\w+\s*\{", text)
    return text[:m.start()] if m else text

def strip_comments_and_strings(text):
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
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + len(m.group(0)))
            i = n if end < 0 else end + 1 + len(m.group(1))
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]) or (c == "'" and re.match(r"'\\[xu]", text[i:i + 3])):
            j = text.find("'", i + 2)
            i = j + 1
            out.append("' '")
        else:
            out.append(c)
            i += 1
    return "".join(out)


def brace_group(text, start):
    """Text inside the braces opening at text[start] == '{'."""
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:j]
    return text[start + 1:]


def split_top(group):
    parts, depth, cur = [], 0, []
    for ch in group:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def targets(text, prefix):
    """First path segments after every `prefix::` (prefix = crate or super)."""
    found = set()
    for m in re.finditer(r"\b" + prefix + r"\s*::\s*", text):
        rest = m.end()
        if rest < len(text) and text[rest] == "{":
            for part in split_top(brace_group(text, rest)):
                seg = re.match(IDENT, part)
                if seg and seg.group(0) not in ("self", "super", "crate"):
                    found.add(seg.group(0))
        else:
            seg = re.match(IDENT, text[rest:])
            if seg:
                found.add(seg.group(0))
    return found


def root_reexports(src):
    """Names the crate root re-exports (`pub use a::{X, Y}` / `pub use a::X as Z`) -> module a,
    so `crate::X` counts as an edge to `a`."""
    names = {}
    for root_file in ("lib.rs", "main.rs"):
        path = os.path.join(src, root_file)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            text = production_only(strip_comments_and_strings(f.read()))
        for m in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+(?:crate\s*::\s*|self\s*::\s*)?(" + IDENT + r")\s*::\s*", text):
            module, rest = m.group(1), m.end()
            if rest < len(text) and text[rest] == "{":
                items = split_top(brace_group(text, rest))
            else:
                items = [re.match(r"[^;]*", text[rest:]).group(0)]
            for item in items:
                alias = re.search(r"\bas\s+(" + IDENT + r")\s*$", item)
                last = re.findall(IDENT, item.split("{")[0])
                name = alias.group(1) if alias else (last[-1] if last else None)
                if name and name != "self":
                    names[name] = module
    return names


def crate_graph(src):
    reexports = root_reexports(src)
    modules = set()
    edges = defaultdict(lambda: defaultdict(set))  # a -> b -> {files}
    files = []
    for root, _dirs, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                files.append(os.path.join(root, name))
    for path in sorted(files):
        rel = os.path.relpath(path, src)
        parts = rel.split(os.sep)
        if len(parts) == 1:
            if parts[0] in ("lib.rs", "main.rs"):
                continue
            if parts[0] == "bin":
                continue
            top, is_top_file = parts[0][:-3], True
        else:
            if parts[0] == "bin":
                continue
            top, is_top_file = parts[0], parts[1:] == ["mod.rs"]
        modules.add(top)
        with open(path, encoding="utf-8") as f:
            text = production_only(strip_comments_and_strings(f.read()))
        used = targets(text, "crate")
        if is_top_file:
            used |= targets(text, "super")
        for b in used:
            b = reexports.get(b, b)
            if b != top:
                edges[top][b].add(rel)
    # keep only edges to real top-level modules (not items re-exported at the root)
    clean = {a: {b: fs for b, fs in bs.items() if b in modules} for a, bs in edges.items()}
    return modules, clean


def sccs(nodes, edges):
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
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
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def one_cycle(comp, edges):
    """A shortest cycle through the first module of the component (BFS)."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, {})):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def main(argv):
    verbose = "-v" in argv
    srcs = [a for a in argv if a != "-v"]
    if not srcs:
        print(__doc__)
        return 2
    total = 0
    for src in srcs:
        src = src.rstrip("/")
        crate = os.path.basename(os.path.dirname(src)) or src
        modules, edges = crate_graph(src)
        comps = sccs(modules, edges)
        total += len(comps)
        n_edges = sum(len(bs) for bs in edges.values())
        print(f"{crate}: {len(modules)} top-level modules, {n_edges} edges, "
              f"{len(comps)} cycle(s)")
        if verbose:
            for a in sorted(edges):
                for b in sorted(edges[a]):
                    print(f"    {a} -> {b}    ({', '.join(sorted(edges[a][b]))})")
        for comp in comps:
            cyc = one_cycle(comp, edges)
            print(f"  cycle among {{{', '.join(comp)}}}")
            print(f"    e.g. {' -> '.join(cyc)}")
            for a, b in zip(cyc, cyc[1:]):
                print(f"      {a} -> {b}: {', '.join(sorted(edges[a][b]))}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
