"""A workflow declaration as people read it: the transition table, the diagram, and the Markdown page
`docs/workflows.md`. Everything here is generated from the declarations, never written by hand."""
from __future__ import annotations

from dataclasses import dataclass

from app import catalog, changes, demands, imports, review, sharing  # noqa: F401  (their workflows are declared, and registered, on import)
from app.workflow import REGISTRY, Edge, Node, Workflow, render_mermaid, render_svg

# the order the page and the docs show them in; workflows declared later are appended
ORDER = ("entry", "entry_version", "review", "import_job", "change_event", "change_task", "maintenance",
         "department_contact", "share_request", "share_grant", "sharing_suspension", "error_report",
         "demand", "harvest_source", "harvest_run")


def workflows() -> list[Workflow]:
    known = [REGISTRY[key] for key in ORDER if key in REGISTRY]
    return known + [w for key, w in sorted(REGISTRY.items()) if key not in ORDER]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    source: str
    target: str
    who: str
    guards: str
    deadline: str
    basis: str
    audit: str


def rows(workflow: Workflow) -> list[Row]:
    out = []
    for t in workflow.transitions:
        source = "（新建）" if t.creates else "、".join(workflow.state(s).label for s in t.source)
        target = workflow.state(t.target).label if t.target else "（状态不变）"
        deadline = ""
        if t.deadline is not None:
            deadline = f"{t.deadline.description}（设置项 {t.deadline.setting}）"
        out.append(Row(t.key, t.label, source, target, workflow.grants_text(t),
                       "；".join(g.description for g in t.guards), deadline, t.basis,
                       f"{workflow.key}.{t.key}"))
    return out


def graph(workflow: Workflow) -> tuple[list[Node], list[Edge]]:
    nodes = [Node(s.key, s.label, s.final) for s in workflow.states]
    edges = []
    for t in workflow.transitions:
        if t.creates:
            edges.append(Edge(None, t.target, t.label, t.internal))
        else:
            edges += [Edge(s, t.target_from(s), t.label, t.internal) for s in t.source]
    return nodes, edges


def svg(workflow: Workflow) -> str:
    nodes, edges = graph(workflow)
    return render_svg(nodes, edges, title=f"{workflow.label}（{workflow.key}）流程图")


def markdown() -> str:
    """docs/workflows.md: every workflow's description, diagram (Mermaid) and transition table."""
    lines = [
        "# 流程说明 · Workflows",
        "",
        "Generated from the declarations in `app/*/workflows.py` by `flask --app wsgi catalog workflows-doc`;",
        "do not edit by hand (a test fails when this page and the declarations differ). The same tables and",
        "diagrams are on the admin page 流程说明 (`/admin/workflows`). How the core works: `docs/workflow-core.md`.",
        "",
        "虚线为系统在其他操作后自动完成的流转（内部流转），不能由用户直接执行。",
        "",
    ]
    for workflow in workflows():
        nodes, edges = graph(workflow)
        lines += [f"## {workflow.label} (`{workflow.key}`)", "", workflow.description, "",
                  "```mermaid", render_mermaid(nodes, edges).rstrip(), "```", "",
                  "| 操作 | key | 从 | 到 | 谁可以执行 | 条件 | 期限 | 依据 | 审计动作 |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in rows(workflow):
            cells = [r.label, f"`{r.key}`", r.source, r.target, r.who, r.guards, r.deadline, r.basis,
                     f"`{r.audit}`"]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
