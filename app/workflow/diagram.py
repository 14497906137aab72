"""Draw a workflow (states and transitions) as a standalone SVG or as Mermaid `stateDiagram-v2` text.

Pure standard library and deterministic (same input, byte-identical output), so the admin page can inline
the SVG and `docs/workflows.md` can be regenerated and diffed. The SVG layout is a small Sugiyama scheme:
states sit in rows by BFS distance from the start dot; every arrow becomes a chain of points, one per row and
per "label row" between rows that it crosses, so its label and its bends take part in the packing like boxes
do. That is what keeps labels from overlapping and lines from running through boxes without a router.
The SVG carries no style, script or external reference (CSP-safe) and names every transition in `<desc>`.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from itertools import combinations

FONT, LABEL_FONT = 14, 13  # state labels, transition labels (px)
BOX_H, LABEL_H, GAP, MARGIN = 36, 18, 28, 16
NODE_GAP, LABEL_GAP, DUMMY_GAP, LOOP = 36, 20, 10, 26
TEXT, LINE, FILL, FINAL_FILL = "#212529", "#495057", "#e7f1ff", "#f1f3f5"


@dataclass(frozen=True)
class Node:
    key: str  # stable English key, e.g. "draft"
    label: str  # label shown, e.g. "草稿"
    final: bool = False  # terminal state: double border, and `--> [*]` in Mermaid


@dataclass(frozen=True)
class Edge:
    source: str | None  # None: the transition that creates the object (from the start dot)
    target: str
    label: str
    internal: bool = False  # fired by the system as a consequence of another transition: dashed


def _merge(nodes: list[Node], edges: list[Edge]) -> list[Edge]:
    """One edge per (source, target) pair, labels joined: parallel transitions are drawn as one arrow."""
    keys = [n.key for n in nodes]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate state key")
    groups: dict[tuple[str | None, str], tuple[list[str], list[bool]]] = {}
    for e in edges:
        if e.target not in keys or (e.source is not None and e.source not in keys):
            raise ValueError(f"transition {e.label!r} refers to an unknown state")
        labels, internal = groups.setdefault((e.source, e.target), ([], []))
        if e.label not in labels:
            labels.append(e.label)
        internal.append(e.internal)
    # dashed only when no user can fire any of the merged transitions
    return [Edge(s, t, " / ".join(ls), all(i)) for (s, t), (ls, i) in groups.items()]


def _text_width(text: str, size: float) -> float:
    return sum(size if unicodedata.east_asian_width(c) in "WF" else 0.6 * size for c in text)


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _esc(text: str) -> str:
    # characters XML 1.0 cannot carry at all become U+FFFD rather than breaking the document
    return _NOT_XML.sub("\ufffd", text).translate(_XML_ESCAPES)


def _n(v: float) -> str:
    return f"{round(v, 1) + 0.0:g}"  # +0.0 turns -0.0 into 0.0


def _ranks(nodes: list[Node], arrows: list[Edge]) -> dict[str, int]:
    succ: dict[str, list[str]] = {n.key: [] for n in nodes}
    for a in arrows:
        if a.source is not None:
            succ[a.source].append(a.target)
    queue = list(dict.fromkeys(a.target for a in arrows if a.source is None))
    rank = {k: 1 for k in queue}
    for k in queue:  # BFS: the queue grows while we walk it
        for t in succ[k]:
            if t not in rank:
                rank[t] = rank[k] + 1
                queue.append(t)
    last = max(rank.values(), default=0) + 1  # unreachable states share one last row
    return {n.key: rank.get(n.key, last) for n in nodes}


def _crossings(layers: list[list], links: list[tuple]) -> int:
    pos = {v: i for layer in layers for i, v in enumerate(layer)}
    by_layer: dict[int, list[tuple[int, int]]] = {}
    for upper, lower, li in links:
        by_layer.setdefault(li, []).append((pos[upper], pos[lower]))
    return sum((a1 - a2) * (b1 - b2) < 0
               for segs in by_layer.values() for (a1, b1), (a2, b2) in combinations(segs, 2))


def _order(layers: list[list], nbrs: dict, links: list[tuple]) -> list[list]:
    """Barycentre sweeps down and up; keep the order with the fewest crossings (ties: the earliest)."""
    best, best_c = [list(x) for x in layers], _crossings(layers, links)
    for sweep in range(8):
        down = sweep % 2 == 0
        for li in range(1, len(layers)) if down else range(len(layers) - 2, -1, -1):
            pos = {v: i for i, v in enumerate(layers[li - 1 if down else li + 1])}

            def bary(iv, pos=pos):
                ps = [pos[u] for u in nbrs[iv[1]] if u in pos]
                return (sum(ps) / len(ps) if ps else iv[0], iv[0])

            layers[li] = [v for _, v in sorted(enumerate(layers[li]), key=bary)]
        c = _crossings(layers, links)
        if c < best_c:
            best, best_c = [list(x) for x in layers], c
    return best


def _gap(a: tuple, b: tuple, ext: dict) -> float:
    # labels need clear air around them, or a reader cannot tell which line a label belongs to
    if a[0] == b[0] == "n":
        return NODE_GAP
    return LABEL_GAP if (a[0] == "d" and ext[a][0]) or (b[0] == "d" and ext[b][0]) else DUMMY_GAP


def _pack(layer: list, want: dict, ext: dict, x: dict) -> None:
    """Set x to the positions closest to `want` (least squares) that keep the layer's order and spacing.

    Subtracting each item's minimum offset turns this into isotonic regression: pool adjacent violators."""
    off = [0.0]
    for a, b in zip(layer, layer[1:]):
        off.append(off[-1] + ext[a][1] + ext[b][0] + _gap(a, b, ext))
    blocks: list[list[float]] = []
    for i, v in enumerate(layer):
        blocks.append([want[v] - off[i], 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    means = [s / c for s, c in blocks for _ in range(int(c))]
    x.update({v: m + o for v, m, o in zip(layer, means, off)})


def _path(points: list[tuple[float, float]]) -> str:
    # vertical tangents at every point, so lines leave and enter boxes and labels straight up or down
    d = [f"M{_n(points[0][0])},{_n(points[0][1])}"]
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if ay == by:
            d.append(f"L{_n(bx)},{_n(by)}")
        else:
            m = (by - ay) / 2
            d.append(f"C{_n(ax)},{_n(ay + m)} {_n(bx)},{_n(by - m)} {_n(bx)},{_n(by)}")
    return " ".join(d)


def _text(x: float, y: float, text: str, size: int) -> str:
    return (f'<text x="{_n(x)}" y="{_n(y + size * 0.35)}" font-size="{size}" text-anchor="middle" '
            f'fill="{TEXT}">{_esc(text)}</text>')


def _layout(nodes: list[Node], arrows: list[Edge]):
    """Rows, chains of dummies, order within rows, then x and y for every item."""
    rank = _ranks(nodes, arrows)
    nid = {n.key: ("n", n.key) for n in nodes}
    layers: list[list] = [[] for _ in range(2 * max(rank.values(), default=0) + 2)]
    layer_of: dict = {}

    def add(v, li):
        layers[li].append(v)
        layer_of[v] = li

    if any(a.source is None for a in arrows):
        add(("s",), 0)
    for n in nodes:
        add(nid[n.key], 2 * rank[n.key])
    # Each non-loop arrow becomes a chain: its source, one dummy per layer crossed, its target. Rows are the
    # even layers, label rows the odd ones; a same-row arrow dips into the label row below.
    chains, loops, label_at = [], {a.source: a for a in arrows if a.source == a.target}, {}
    for i, a in enumerate(arrows):
        if a.source != a.target:
            src = ("s",) if a.source is None else nid[a.source]
            s, t = layer_of[src], layer_of[nid[a.target]]
            mids = [s + 1] if s == t else list(range(s + (1 if t > s else -1), t, 1 if t > s else -1))
            for li in mids:
                add(("d", i, li), li)
            chains.append((a, [src] + [("d", i, li) for li in mids] + [nid[a.target]]))
    # the label rides on a dummy in a label row; a long arrow takes the least crowded of its label rows
    load: dict[int, int] = {}
    for a, pts in sorted(chains, key=lambda c: sum(v[0] == "d" and v[2] % 2 for v in c[1])):
        halves = [v for v in pts if v[0] == "d" and v[2] % 2]
        v = min(halves, key=lambda v: (load.get(v[2], 0), abs(halves.index(v) - (len(halves) - 1) / 2), v[2]))
        load[v[2]] = load.get(v[2], 0) + 1
        label_at[v] = a
    nbrs: dict = {v: [] for layer in layers for v in layer}
    links = []
    for _, pts in chains:
        for u, v in zip(pts, pts[1:]):
            nbrs[u].append(v)
            nbrs[v].append(u)
            links.append((u, v, layer_of[u]) if layer_of[u] < layer_of[v] else (v, u, layer_of[v]))
    layers = _order(layers, nbrs, links)

    # box widths: the label, and room for one port per line on the busier of top and bottom
    sides: dict = {}
    for _, pts in chains:
        for end, nxt in ((pts[0], pts[1]), (pts[-1], pts[-2])):
            sides.setdefault((end, layer_of[nxt] > layer_of[end]), []).append(nxt)
    width, ext = {}, {("s",): (7, 7)}
    for n in nodes:
        ports = max(len(sides.get((nid[n.key], below), [])) for below in (True, False))
        width[n.key] = w = max(_text_width(n.label, FONT) + 32, 72.0, 16.0 * ports + 16)
        loop = LOOP + 8 + _text_width(loops[n.key].label, LABEL_FONT) if n.key in loops else 0
        ext[nid[n.key]] = (w / 2, w / 2 + loop)  # a self-loop and its label take room on the right
    for v in nbrs:
        if v[0] == "d":
            half = _text_width(label_at[v].label, LABEL_FONT) / 2 + 4 if v in label_at else 0
            ext[v] = (half, half)

    # x: pack each layer, then repeatedly pull every item towards the mean of its neighbours
    x: dict = {}
    for layer in layers:
        _pack(layer, {v: 0.0 for v in layer}, ext, x)
    for it in range(60):
        for layer in layers if it % 2 == 0 else reversed(layers):
            _pack(layer, {v: sum(x[u] for u in nbrs[v]) / len(nbrs[v]) if nbrs[v] else x[v] for v in layer}, ext, x)
    shift = MARGIN - min((x[v] - ext[v][0] for v in x), default=MARGIN)
    x = {v: p + shift for v, p in x.items()}
    # y: a gap grows with the widest sideways run through it, so long diagonals stay steep enough to follow
    y, cursor = {}, MARGIN - GAP
    for li, layer in enumerate(layers):
        if layer:
            h = 14 if li == 0 else BOX_H if li % 2 == 0 else (LABEL_H if any(v in label_at for v in layer) else 0)
            runs = [abs(x[u] - x[v]) for u, v, lu in links if lu == li - 1] + [0]
            cursor += max(GAP, min(3 * GAP, max(runs) / 5)) + h / 2
            y.update({v: cursor for v in layer})
            cursor += h / 2
    size = (max((x[v] + ext[v][1] for v in x), default=0) + MARGIN, cursor + MARGIN)

    # ports: spread the lines along the box side, in the order of where they go, so none share a point
    port: dict = {}
    for (v, below), others in sides.items():
        w = 0 if v[0] == "s" else width[v[1]]
        edge_y = y[v] + (7 if v[0] == "s" else BOX_H / 2) * (1 if below else -1)
        for j, u in enumerate(sorted(others, key=lambda u: (x[u], u))):
            port[(v, u)] = (x[v] - w / 2 + w * (j + 1) / (len(others) + 1), edge_y)
    lines = []
    for a, pts in chains:
        points = [port[(pts[0], pts[1])]] + [(x[v], y[v]) for v in pts[1:-1]] + [port[(pts[-1], pts[-2])]]
        if layer_of[pts[0]] == layer_of[pts[-1]]:  # same row: a U whose bottom runs hidden behind the label
            (sx, _), (lx, ly), (tx, _) = points
            off = _text_width(a.label, LABEL_FONT) / 4 * (1 if tx >= sx else -1)
            points[1:2] = [(lx - off, ly), (lx + off, ly)]
        lines.append((a, _path(points)))
    labels = [(x[v], y[v], a.label) for v, a in label_at.items()]
    for a in loops.values():  # a small loop off the box's right side, its label beside it
        right, cy = x[nid[a.source]] + width[a.source] / 2, y[nid[a.source]]
        lines.append((a, f"M{_n(right)},{_n(cy - 8)} C{_n(right + LOOP + 6)},{_n(cy - 22)} "
                         f"{_n(right + LOOP + 6)},{_n(cy + 22)} {_n(right)},{_n(cy + 8)}"))
        labels.append((right + LOOP + 4 + _text_width(a.label, LABEL_FONT) / 2, cy, a.label))
    boxes = {k: (x[v], y[v], width[k]) for k, v in nid.items()}
    return size, boxes, (x[("s",)], y[("s",)]) if ("s",) in x else None, lines, labels


def render_svg(nodes: list[Node], edges: list[Edge], *, title: str) -> str:
    """A standalone, accessible SVG document; raises ValueError for duplicate or unknown state keys."""
    arrows = _merge(nodes, edges)
    (w, h), boxes, start, lines, labels = _layout(nodes, arrows)
    pid = "wf" + hashlib.sha1(repr((nodes, edges, title)).encode()).hexdigest()[:8]  # ids unique on a page
    name = {n.key: n.label for n in nodes} | {None: "开始"}
    # every transition in words, for screen readers (the drawing merges parallel ones; the words do not)
    desc = "；".join(f"{name[e.source]} → {name[e.target]}：{e.label}" + ("（系统自动触发）" if e.internal else "")
                    for e in dict.fromkeys(edges))
    finals = "、".join(n.label for n in nodes if n.final)
    desc += f"。终态：{finals}" if finals else ""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(w)}" height="{_n(h)}" viewBox="0 0 {_n(w)} {_n(h)}" '
           f'role="img" aria-labelledby="{pid}-title {pid}-desc" font-family="sans-serif">',
           f'<title id="{pid}-title">{_esc(title)}</title>', f'<desc id="{pid}-desc">{_esc(desc)}</desc>',
           f'<defs><marker id="{pid}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="10" markerHeight="10" '
           f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{LINE}"/></marker></defs>']
    for a, d in lines:
        dash = ' stroke-dasharray="6 4"' if a.internal else ""
        out.append(f'<path d="{d}" fill="none" stroke="{LINE}" stroke-width="1.5"{dash} '
                   f'marker-end="url(#{pid}-arrow)"/>')
    if start:
        out.append(f'<circle cx="{_n(start[0])}" cy="{_n(start[1])}" r="7" fill="{TEXT}"/>')
    for n in nodes:
        cx, cy, bw = boxes[n.key]
        out.append(f'<g data-state="{_esc(n.key)}">')  # a hook for the admin page (and the tests)
        out.append(f'<rect x="{_n(cx - bw / 2)}" y="{_n(cy - BOX_H / 2)}" width="{_n(bw)}" height="{BOX_H}" rx="6" '
                   f'fill="{FINAL_FILL if n.final else FILL}" stroke="{LINE}" stroke-width="1.5"/>')
        if n.final:  # double border
            out.append(f'<rect x="{_n(cx - bw / 2 + 3)}" y="{_n(cy - BOX_H / 2 + 3)}" width="{_n(bw - 6)}" '
                       f'height="{BOX_H - 6}" rx="4" fill="none" stroke="{LINE}" stroke-width="1"/>')
        out.append(_text(cx, cy, n.label, FONT) + "</g>")
    for lx, ly, text in labels:  # last, so they sit on top of every line
        lw = _text_width(text, LABEL_FONT) + 8
        out.append(f'<rect x="{_n(lx - lw / 2)}" y="{_n(ly - LABEL_H / 2)}" width="{_n(lw)}" height="{LABEL_H}" '
                   f'rx="3" fill="#ffffff"/>')  # the white backing keeps the text readable over lines
        out.append(_text(lx, ly, text, LABEL_FONT))
    return "\n".join(out + ["</svg>"]) + "\n"


_MERMAID_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_MERMAID_RESERVED = {"state", "note", "end", "direction", "class", "classdef", "style", "as", "left", "right", "of"}


def _mermaid_id(key: str) -> str:
    if _MERMAID_ID.match(key) and key.lower() not in _MERMAID_RESERVED:
        return key
    # anything else: a readable ASCII stem plus a hash of the key, so distinct keys stay distinct
    stem = re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")
    return "_".join(filter(None, ["s", stem, hashlib.sha1(key.encode()).hexdigest()[:6]]))


def _mermaid_text(text: str) -> str:
    # one line; Mermaid's entity codes for what it would read as syntax
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r'[#;"<>]', lambda m: f"#{ord(m.group())};", text)


def render_mermaid(nodes: list[Node], edges: list[Edge]) -> str:
    """`stateDiagram-v2` text for Markdown. Mermaid cannot dash a transition, so internal ones look like the rest."""
    arrows = _merge(nodes, edges)
    ids = {n.key: _mermaid_id(n.key) for n in nodes}
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(n.label)}" as {ids[n.key]}' for n in nodes]
    for a in arrows:
        src = "[*]" if a.source is None else ids[a.source]
        label = _mermaid_text(a.label)
        lines.append(f"    {src} --> {ids[a.target]}" + (f" : {label}" if label else ""))
    lines += [f"    {ids[n.key]} --> [*]" for n in nodes if n.final]
    return "\n".join(lines) + "\n"
