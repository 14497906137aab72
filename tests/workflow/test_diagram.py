"""The workflow diagram renderer: well-formed, accessible, escaped, laid out without overlaps, deterministic."""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.workflow.diagram import Edge, Node, render_mermaid, render_svg

SVG = "{http://www.w3.org/2000/svg}"
MODULE = Path(__file__).resolve().parents[2] / "app" / "workflow" / "diagram.py"

NODES = [Node("draft", "草稿"), Node("dept_review", "部门审核中"), Node("authority_review", "主管部门审核中"),
         Node("returned", "已退回"), Node("published", "现行发布版"), Node("superseded", "历史版本", final=True),
         Node("voided", "已作废", final=True)]
EDGES = [Edge(None, "draft", "登记"), Edge("draft", "draft", "修改"),
         Edge("draft", "dept_review", "提交审核"), Edge("returned", "dept_review", "提交审核"),
         Edge("dept_review", "draft", "撤回"), Edge("authority_review", "draft", "撤回"),
         Edge("dept_review", "authority_review", "部门审核通过"),
         Edge("dept_review", "returned", "退回修改"), Edge("authority_review", "returned", "退回修改"),
         Edge("authority_review", "published", "主管部门审核通过并发布"),
         Edge("draft", "published", "直接发布"), Edge("returned", "published", "直接发布"),
         Edge("returned", "returned", "修改"),
         Edge("published", "superseded", "被新版本取代", internal=True),
         Edge("draft", "voided", "作废", internal=True), Edge("returned", "voided", "作废", internal=True),
         Edge("dept_review", "voided", "作废", internal=True), Edge("authority_review", "voided", "作废", internal=True)]
LABEL = {n.key: n.label for n in NODES}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def state_boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """key -> (x0, y0, x1, y1) of the state's outer rectangle."""
    boxes = {}
    for g in root.iter(SVG + "g"):
        r = g.find(SVG + "rect")
        x, y, w, h = (float(r.get(a)) for a in ("x", "y", "width", "height"))
        boxes[g.get("data-state")] = (x, y, x + w, y + h)
    return boxes


def label_boxes(root: ET.Element) -> list[tuple[float, float, float, float]]:
    """The white rectangles behind transition labels."""
    out = []
    for r in root.iter(SVG + "rect"):
        if r.get("fill") == "#ffffff":
            x, y, w, h = (float(r.get(a)) for a in ("x", "y", "width", "height"))
            out.append((x, y, x + w, y + h))
    return out


def arrows(root: ET.Element) -> list[ET.Element]:
    return [p for p in root.iter(SVG + "path") if p.get("marker-end")]


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def centre(box):
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def sample(d: str, steps: int = 40) -> list[tuple[float, float]]:
    """Points along an SVG path made of M, L and C commands with absolute coordinates."""
    tokens = re.findall(r"[MLC]|-?\d+(?:\.\d+)?", d)
    points, pos, i = [], None, 0
    while i < len(tokens):
        cmd = tokens[i]
        n = {"M": 1, "L": 1, "C": 3}[cmd]
        coords = [(float(tokens[i + 1 + 2 * k]), float(tokens[i + 2 + 2 * k])) for k in range(n)]
        i += 1 + 2 * n
        if cmd == "L":
            points += [(pos[0] + (coords[0][0] - pos[0]) * t / steps, pos[1] + (coords[0][1] - pos[1]) * t / steps)
                       for t in range(steps + 1)]
        elif cmd == "C":
            (ax, ay), (bx, by), (cx, cy), (ex, ey) = pos, *coords
            for s in range(steps + 1):
                t = s / steps
                u = 1 - t
                points.append((u**3 * ax + 3 * u * u * t * bx + 3 * u * t * t * cx + t**3 * ex,
                               u**3 * ay + 3 * u * u * t * by + 3 * u * t * t * cy + t**3 * ey))
        pos = coords[-1]
    return points


@pytest.fixture(scope="module")
def example() -> str:
    return render_svg(NODES, EDGES, title="目录条目版本流程")


def test_svg_is_well_formed_and_shows_every_state_and_transition_label(example):
    shown = texts(parse(example))
    for n in NODES:
        assert n.label in shown
    for e in EDGES:
        assert any(e.label in t.split(" / ") for t in shown), e.label


def test_root_is_an_accessible_image_with_title_and_desc(example):
    root = parse(example)
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert list(root)[0] is title  # the accessible name comes first
    assert (title.get("id"), title.text) == (title_id, "目录条目版本流程")
    assert desc.get("id") == desc_id
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 0 and height > 0


def test_desc_names_every_transition_in_words(example):
    desc = parse(example).find(SVG + "desc").text
    for e in EDGES:
        source = "开始" if e.source is None else LABEL[e.source]
        assert f"{source} → {LABEL[e.target]}：{e.label}" in desc
    assert "历史版本、已作废" in desc  # the final states are named too
    assert "现行发布版 → 历史版本：被新版本取代（系统自动触发）" in desc


def test_no_style_script_or_external_reference(example):
    root = parse(example)
    for el in root.iter():
        assert el.tag.removeprefix(SVG) not in {"style", "script", "foreignObject", "image", "a", "use"}
        assert "style" not in el.attrib
        assert not any("href" in a for a in el.attrib)
        for value in el.attrib.values():
            assert "url(" not in value or re.fullmatch(r"url\(#[\w-]+\)", value)
    assert "http" not in example.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_labels_are_escaped_and_still_parse():
    nasty = '<script>&"'
    nodes = [Node("a", nasty), Node("b", "乙\x01")]
    svg = render_svg(nodes, [Edge(None, "a", "x" + nasty), Edge("a", "b", nasty + "'")], title=nasty)
    assert "<script>" not in svg
    root = parse(svg)
    assert not list(root.iter(SVG + "script"))
    shown = texts(root)
    assert nasty in shown and "x" + nasty in shown and nasty + "'" in shown
    assert "乙\ufffd" in shown  # a character XML cannot hold is replaced, not allowed to break the document
    assert root.find(SVG + "title").text == nasty
    assert f"{nasty} → 乙\ufffd：{nasty}'" in root.find(SVG + "desc").text


def test_no_two_boxes_or_labels_overlap(example):
    root = parse(example)
    boxes = list(state_boxes(root).values()) + label_boxes(root)
    assert len(boxes) == len(NODES) + len({(e.source, e.target) for e in EDGES})
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not overlap(a, b), (a, b)


# three rows 甲, 乙, 丙 one under the other: a straight line back from 丙 to 甲 would run through the wide 乙
CHAIN = ([Node("a", "甲"), Node("b", "乙（一个很长的状态名称）"), Node("c", "丙")],
         [Edge(None, "a", "建"), Edge("a", "b", "甲到乙"), Edge("b", "c", "乙到丙"), Edge("c", "a", "丙回甲")])


@pytest.mark.parametrize("graph", [(NODES, EDGES), CHAIN], ids=["example", "chain"])
def test_no_arrow_runs_through_a_state_box(graph):
    root = parse(render_svg(*graph, title="t"))
    boxes = [(x0 + 1, y0 + 1, x1 - 1, y1 - 1) for x0, y0, x1, y1 in state_boxes(root).values()]
    for path in arrows(root):
        for px, py in sample(path.get("d")):
            assert not any(x0 < px < x1 and y0 < py < y1 for x0, y0, x1, y1 in boxes), (path.get("d"), px, py)


@pytest.mark.parametrize("graph", [(NODES, EDGES), CHAIN], ids=["example", "chain"])
def test_every_label_sits_on_an_arrow(graph):
    root = parse(render_svg(*graph, title="t"))
    paths = [sample(p.get("d")) for p in arrows(root)]
    for x0, y0, x1, y1 in label_boxes(root):  # on its line, or (a self-loop's) just beside it
        assert any(any(x0 - 8 <= px <= x1 + 8 and y0 <= py <= y1 for px, py in points) for points in paths)


def test_rows_follow_the_distance_from_the_start():
    nodes = NODES + [Node("orphan", "孤立状态")]
    root = parse(render_svg(nodes, EDGES, title="t"))
    y = {k: centre(b)[1] for k, b in state_boxes(root).items()}
    dot = float(root.find(SVG + "circle").get("cy"))
    assert dot < y["draft"] < y["dept_review"] == y["published"] == y["voided"]
    assert y["dept_review"] < y["authority_review"] == y["returned"] == y["superseded"]
    assert y["orphan"] > y["authority_review"]  # unreachable: a last row of its own


def test_a_row_is_ordered_under_its_predecessors_to_avoid_crossings():
    nodes = [Node("a", "甲"), Node("b", "乙"), Node("x", "丙"), Node("y", "丁")]
    edges = [Edge(None, "a", "建甲"), Edge(None, "b", "建乙"), Edge("a", "y", "甲到丁"), Edge("b", "x", "乙到丙")]
    x = {k: centre(b)[0] for k, b in state_boxes(parse(render_svg(nodes, edges, title="t"))).items()}
    assert (x["a"] < x["b"]) == (x["y"] < x["x"])


def test_self_loops_and_parallel_edges_are_drawn_once():
    nodes = [Node("a", "甲"), Node("b", "乙")]
    edges = [Edge(None, "a", "登记"), Edge("a", "b", "提交"), Edge("a", "b", "直接提交"), Edge("a", "a", "修改"),
             Edge("a", "a", "修改")]
    root = parse(render_svg(nodes, edges, title="t"))
    assert len(arrows(root)) == 3
    shown = texts(root)
    assert shown.count("提交 / 直接提交") == 1 and shown.count("修改") == 1
    assert not any(t in ("提交", "直接提交") for t in shown)
    a = state_boxes(root)["a"]
    loops = [p for p in arrows(root) if all(px >= a[2] - 0.5 and a[1] < py < a[3] for px, py in sample(p.get("d")))]
    assert len(loops) == 1  # a small loop on the box's right side


def test_example_counts_one_arrow_per_source_target_pair(example):
    assert len(arrows(parse(example))) == len({(e.source, e.target) for e in EDGES})


def test_internal_transitions_are_dashed_and_final_states_double_bordered(example):
    root = parse(example)
    dashed = [p for p in arrows(root) if p.get("stroke-dasharray")]
    assert len(dashed) == len({(e.source, e.target) for e in EDGES if e.internal})
    for g in root.iter(SVG + "g"):
        final = g.get("data-state") in {"superseded", "voided"}
        assert len(g.findall(SVG + "rect")) == (2 if final else 1)


def test_box_width_counts_cjk_as_one_em_and_ascii_as_less():
    nodes = [Node("cjk", "审核" * 5), Node("ascii", "abcdefghij"), Node("short", "甲")]
    boxes = state_boxes(parse(render_svg(nodes, [], title="t")))
    width = {k: b[2] - b[0] for k, b in boxes.items()}
    assert width["cjk"] - width["ascii"] == pytest.approx(10 * 14 * 0.4, abs=1)
    assert width["short"] >= 40  # still a box, not a sliver


def test_output_is_deterministic(example):
    again = render_svg([Node(**vars(n)) for n in NODES], [Edge(**vars(e)) for e in EDGES], title="目录条目版本流程")
    assert again == example
    assert render_mermaid(NODES, EDGES) == render_mermaid(list(NODES), list(EDGES))


def test_output_does_not_depend_on_hash_randomisation(example):
    script = (f"import importlib.util, sys\nspec = importlib.util.spec_from_file_location('d', {str(MODULE)!r})\n"
              "d = importlib.util.module_from_spec(spec); sys.modules['d'] = d; spec.loader.exec_module(d)\n"
              f"N, E = d.Node, d.Edge\nnodes = {NODES!r}\nedges = {EDGES!r}\n"
              "sys.stdout.buffer.write((d.render_svg(nodes, edges, title='目录条目版本流程') "
              "+ d.render_mermaid(nodes, edges)).encode())\n").replace("Node(", "N(").replace("Edge(", "E(")
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout.decode() for seed in ("1", "2", "3")}
    assert outputs == {example + render_mermaid(NODES, EDGES)}


def test_two_diagrams_on_one_page_do_not_share_ids():
    ids = [{el.get("id") for el in parse(render_svg(NODES, EDGES, title=t)).iter() if el.get("id")} for t in "甲乙"]
    assert ids[0] and not ids[0] & ids[1]


def test_unknown_or_duplicate_states_are_refused():
    with pytest.raises(ValueError):
        render_svg([Node("a", "甲")], [Edge("a", "b", "去乙")], title="t")
    with pytest.raises(ValueError):
        render_mermaid([Node("a", "甲")], [Edge(None, "ghost", "建")])
    with pytest.raises(ValueError):
        render_svg([Node("a", "甲"), Node("a", "乙")], [], title="t")


def test_a_workflow_without_a_creating_transition_still_renders():
    root = parse(render_svg([Node("a", "甲"), Node("b", "乙")], [Edge("a", "b", "去乙"), Edge("b", "a", "回甲")], title="t"))
    assert root.find(SVG + "circle") is None
    boxes = state_boxes(root)
    assert centre(boxes["a"])[1] == centre(boxes["b"])[1] and not overlap(boxes["a"], boxes["b"])
    assert {"去乙", "回甲"} <= set(texts(root))
    assert parse(render_svg([], [], title="空")).find(SVG + "title").text == "空"


def test_mermaid_has_every_state_and_transition_line():
    text = render_mermaid(NODES, EDGES)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    for n in NODES:
        assert f'    state "{n.label}" as {n.key}' in lines
    merged: dict = {}
    for e in EDGES:
        merged.setdefault((e.source, e.target), []).append(e.label)
    for (source, target), labels in merged.items():
        line = f"    {'[*]' if source is None else source} --> {target} : {' / '.join(dict.fromkeys(labels))}"
        assert lines.count(line) == 1, line
    assert "    [*] --> draft : 登记" in lines
    assert "    dept_review --> voided : 作废" in lines
    assert {"    superseded --> [*]", "    voided --> [*]"} <= set(lines)
    assert "    published --> [*]" not in lines
    assert len(lines) == 1 + len(NODES) + len(merged) + 2


def test_mermaid_makes_keys_and_labels_safe():
    nodes = [Node("end", "结束"), Node("已作废", "已作废"), Node("has space", "甲"), Node("has-space", "乙")]
    edges = [Edge(None, "end", "a;b#c\n\"d\" <e>"), Edge("has space", "has-space", "x")]
    text = render_mermaid(nodes, edges)
    assert text == render_mermaid(nodes, edges)
    ids = re.findall(r'^    state "[^"\n]*" as (\S+)$', text, re.M)
    assert len(ids) == 4 and len(set(ids)) == 4
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", i) and i != "end" for i in ids)
    assert f"    [*] --> {ids[0]} : a#59;b#35;c #34;d#34; #60;e#62;" in text.splitlines()
    assert f"    {ids[2]} --> {ids[3]} : x" in text.splitlines()
