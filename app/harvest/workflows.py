"""The docking workflows, declared as data (目录对接): a source registry an admin configures, and each run.

A platform admin registers another registry (a district's, or any CKAN) as a source, edits it, pauses and resumes
its scheduled runs, and runs it at once; each of these is checked against the grants below and audited. A run is
the system's: it starts when an admin, the schedule or the command line asks, and ends succeeded or failed.
"""
from __future__ import annotations

from app.workflow import Grant, State, Transition, Workflow

from .models import (
    RUN_STATE_LABELS,
    SOURCE_STATE_LABELS,
    HarvestRun,
    HarvestSource,
    RunState,
    SourceState,
)

ADMINS = (Grant("admin"),)
BASIS = "依据《郑州市政府信息资源共享管理办法》第六条：县（市、区）共享平台应当与市共享平台对接"

HARVEST_SOURCE = Workflow(
    key="harvest_source",
    label="对接来源",
    description=("平台管理员登记其他目录系统（下级区县的目录，或任何 CKAN 兼容目录）为对接来源，按计划定时汇聚其目录；"
                 "汇聚的条目只读、注明来源，可检索。管理员可修改、暂停或恢复定时对接，也可立即对接一次。"),
    model=HarvestSource,
    state_attr="state",
    state_enum=SourceState,
    states=tuple(State(key, label) for key, label in SOURCE_STATE_LABELS.items()),
    relations={},
    describe=lambda s: s.name,
    audit_department=lambda _s: None,
    audit_details=lambda s: {"source": s.id, "url": s.url},
    transitions=(
        Transition("register", "登记对接来源", (), "active", ADMINS, basis=BASIS),
        Transition("register_by_command", "命令行登记对接来源", (), "active",
                   fired_by="命令行 catalog harvest 首次对接一个地址"),
        Transition("edit", "修改对接来源", ("active", "paused"), None, ADMINS),
        Transition("pause", "暂停定时对接", ("active",), "paused", ADMINS),
        Transition("resume", "恢复定时对接", ("paused",), "active", ADMINS),
        Transition("run", "立即对接", ("active", "paused"), None, ADMINS),
    ),
)

HARVEST_RUN = Workflow(
    key="harvest_run",
    label="对接运行",
    description=("每次对接：按修改时间增量获取来源目录中新增和修改的条目，核对来源已撤销的条目，"
                 "全部变更在运行结束时一次提交；访问来源出错则运行失败，不写入任何条目。同一来源同一时间只运行一次。"),
    model=HarvestRun,
    state_attr="state",
    state_enum=RunState,
    states=tuple(State(key, label, final=key != "running") for key, label in RUN_STATE_LABELS.items()),
    relations={},
    describe=lambda r: f"{r.source.name if r.source else ''}第 {r.id} 次对接",
    audit_department=lambda _r: None,
    audit_details=lambda r: {"source": r.source_id, "run": r.id},
    transitions=(
        Transition("start", "开始对接", (), "running", fired_by="管理员立即对接、定时对接到期或命令行 catalog harvest"),
        Transition("succeed", "对接完成", ("running",), "succeeded", fired_by="来源目录读取完毕，变更已提交"),
        Transition("fail", "对接失败", ("running",), "failed", fired_by="访问来源出错或来源的答复不是 CKAN 接口格式"),
        Transition("abandon", "中断的对接", ("running",), "failed",
                   fired_by="运行超过 HARVEST_RUN_STALE_MINUTES 分钟仍未结束，视为处理进程中断"),
    ),
)
