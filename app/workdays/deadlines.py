"""The deadline policy (期限设置): every deadline the rules give, as a setting with its default and its source.

The regulations disagree (SPEC §11), so each number is a default a deployment may change on the admin page
`/admin/deadlines`. A change applies to deadlines computed after it; deadlines already running keep theirs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from blinker import Namespace
from sqlalchemy import select

from app import audit
from app.core.db import utcnow
from app.core.errors import InvalidInput, PermissionDenied
from app.extensions import db
from catalog_schema import Problem

from . import policy, snapshot
from .models import DeadlineSetting

_signals = Namespace()

#: sent inside the transaction that changed the policy, with `keys` (the settings changed) and `actor`
deadline_policy_changed = _signals.signal("deadline-policy-changed")

BAOJI = "《宝鸡市政务信息资源共享管理暂行办法》"
GUANGZHOU = "《广州市政府信息共享管理规定实施细则》"
SICHUAN = "《四川省政务信息资源共享管理实施细则》"
SHANDONG = "《山东省政务信息资源共享管理办法》"
FEICHENG = "《肥城市政务信息资源共享管理暂行办法》（征求意见稿）"

UNITS = {"working_days": "个工作日", "months": "个月", "years": "年", "offsets": "个工作日"}


@dataclass(frozen=True)
class Setting:
    """One deadline setting: `unit` is working_days | months | years | offsets (working days before a deadline)."""

    key: str
    label: str
    unit: str
    default: int | tuple[int, ...]
    basis: str  # where the default comes from, as officials write it; or why there is none
    others: tuple[str, ...] = ()  # what the other regulations say
    help: str = ""
    minimum: int = 1
    maximum: int = 250
    choices: tuple[int, ...] = ()  # when only these values are allowed

    def text(self, value) -> str:
        """A value as people read it: "15 个工作日", "3 个月", "到期前 3、1 个工作日"."""
        if self.unit == "offsets":
            return f"到期前 {'、'.join(str(v) for v in value)} 个工作日"
        return f"{value} {UNITS[self.unit]}"

    def stored(self, value) -> str:
        return ",".join(str(v) for v in value) if self.unit == "offsets" else str(value)

    def parse(self, raw: str):
        return tuple(int(v) for v in raw.split(",")) if self.unit == "offsets" else int(raw)

    def rule(self) -> str:
        """What values are allowed, in words (the form's help and its error messages)."""
        if self.choices:
            return f"可选 {'、'.join(str(c) for c in self.choices)}"
        if self.unit == "offsets":
            return (f"填写 1 至 {self.maximum} 之间互不相同的正整数，用逗号分隔，最多 {MAX_OFFSETS} 个，"
                    f"如 3,1")
        return f"须为 {self.minimum} 至 {self.maximum} 之间的整数"


MAX_OFFSETS = 5

SETTINGS: tuple[Setting, ...] = (
    Setting("change_update_days", "法律法规修订或职能变化后更新目录", "working_days", 15,
            f"依据{BAOJI}第十条",
            (f"{SICHUAN}第十条：15 个工作日", f"{FEICHENG}第十条：15 个工作日"),
            "自有关法律法规作出修订或行政管理职能发生变化之日起计算。"),
    Setting("share_reply_days", "答复有条件共享申请", "working_days", 10,
            f"依据{BAOJI}第十六条",
            (f"{GUANGZHOU}第三十五条：10 个工作日", f"{SICHUAN}第二十三条：10 个工作日内受理",
             f"{FEICHENG}第十七条：10 个工作日"),
            "提供部门自收到申请起答复；不予共享的须说明理由。"),
    Setting("share_reply_days_on_platform", "答复有条件共享申请（资源已在共享平台上）", "working_days", 10,
            f"依据{GUANGZHOU}第三十五条（与一般答复期限相同，部署可缩短）", (),
            "资源已通过共享平台提供、提供部门无需先行发布的，可规定较短的答复期限。"),
    Setting("share_compliance_days", "主管部门合规审查共享申请", "working_days", 2,
            "无规定，系统默认值", (),
            "部署开启合规审查（CATALOG_SHARING_COMPLIANCE_CHECK）时，主管部门先行审查申请的期限（部分省份规定为 2 个工作日）。"),
    Setting("share_forward_days", "跨区共享申请转交提供部门", "working_days", 5,
            f"依据{GUANGZHOU}第三十七条", (),
            "区属部门跨区申请的，由共享平台管理机构转交信息提供部门。"),
    Setting("demand_answer_days", "答复共享需求", "working_days", 10,
            "无规定，系统默认值", (),
            "目标部门自收到需求（或主管部门指派）起答复：已有资源可满足、将登记新资源，或无法提供并说明理由。"),
    Setting("demand_register_days", "为共享需求登记新的信息资源", "working_days", 15,
            "无规定，系统默认值", (),
            "答复“将登记新资源”后，新资源应在此期限内发布，需求随之自动办结。"),
    Setting("share_provide_days", "批准后提供数据", "working_days", 5,
            f"依据{GUANGZHOU}第三十五条",
            (f"{BAOJI}第十六条未规定提供时限",
             f"{GUANGZHOU}第三十五条：经市政府审议决定应当共享的，5 个工作日内提供"),
            "自同意共享起计算。"),
    Setting("error_verify_days", "核查处理数据异议（校核）", "working_days", 10,
            f"依据{SICHUAN}第二十四条",
            (f"{GUANGZHOU}第四十四条：3 个工作日内核查，确定原因后 3 个工作日内更正（3 + 3 个工作日）",
             f"{SICHUAN}第二十四条：使用部门应在发现问题 5 个工作日内反馈"),
            "提供部门自收到异议起处理和回复。"),
    Setting("contacts_change_days", "报告联络人变更", "working_days", 5,
            f"依据{GUANGZHOU}第三十四条", (),
            "分管领导、信息共享责任人、技术实施责任人变更后报告。"),
    Setting("maintenance_period_months", "目录全面维护周期", "months", 3,
            f"依据{BAOJI}第十条（每季度应当至少进行一次全面维护）", (),
            "各部门每个周期至少对本部门目录全面维护一次。", choices=(1, 2, 3, 4, 6, 12)),
    Setting("log_retention_years", "日志保留年限", "years", 3,
            f"依据{BAOJI}第二十一条（不少于 3 年）",
            (f"{SICHUAN}第三十三条：不少于 2 年", f"{SHANDONG}第二十六条：5 年"),
            "审计和共享日志至少保留的年数。", maximum=30),
    Setting("review_step_days", "审核环节处理时限", "working_days", 5,
            "无规定，系统默认值", (),
            "部门审核、主管部门审核每个环节可等待的工作日数，逾期在审核队列中标出。"),
    Setting("reminder_offsets", "到期提醒", "offsets", (3, 1),
            "无规定，系统默认值", (),
            "在期限到期前第几个工作日发送提醒。", maximum=60),
)

SETTING_KEYS = frozenset(s.key for s in SETTINGS)
_BY_KEY = {s.key: s for s in SETTINGS}


def get(key: str) -> Setting:
    """The declaration of one setting (KeyError for an unknown key: a programming error)."""
    return _BY_KEY[key]


def setting(key: str):
    """The current value of a deadline setting: an int (working days, months, years) or, for
    `reminder_offsets`, a tuple of ints (working days before a deadline, largest first)."""
    declared = _BY_KEY[key]
    raw = snapshot.current().settings.get(key)
    if raw is None:
        return declared.default
    try:
        return declared.parse(raw)
    except ValueError:  # a row written by hand that the services would have refused
        return declared.default


@dataclass(frozen=True)
class SettingRow:
    setting: Setting
    value: int | tuple[int, ...]
    is_default: bool

    @property
    def text(self) -> str:
        return self.setting.text(self.value)

    @property
    def default_text(self) -> str:
        return self.setting.text(self.setting.default)

    @property
    def form_value(self) -> str:
        return self.setting.stored(self.value)


def settings_overview() -> list[SettingRow]:
    """Every setting with its current value (the admin page)."""
    rows = []
    for declared in SETTINGS:
        value = setting(declared.key)
        rows.append(SettingRow(declared, value, value == declared.default))
    return rows


_SEPARATORS = re.compile(r"[\s,，、;；]+")
_INTEGER = re.compile(r"[-+]?[0-9]{1,6}")


def _validate(declared: Setting, raw) -> tuple[object | None, Problem | None]:
    def problem(detail: str) -> Problem:
        return Problem(declared.key, declared.label, f"「{declared.label}」{detail}",
                       f"{declared.key}: invalid value")

    if isinstance(raw, (tuple, list)):
        raw = ",".join(str(v) for v in raw)
    text = ("" if raw is None else str(raw)).strip()
    if not text:
        return None, problem(f"不能为空，{declared.rule()}")
    if declared.unit == "offsets":
        parts = [p for p in _SEPARATORS.split(text) if p]
        if not parts or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
            return None, problem(f"“{text[:20]}”无效：{declared.rule()}")
        numbers = [int(p) for p in parts]
        if len(set(numbers)) != len(numbers):
            return None, problem(f"“{text[:20]}”中有重复的天数：{declared.rule()}")
        if len(numbers) > MAX_OFFSETS or not all(1 <= n <= declared.maximum for n in numbers):
            return None, problem(f"“{text[:20]}”无效：{declared.rule()}")
        return tuple(sorted(numbers, reverse=True)), None
    if not _INTEGER.fullmatch(text):
        return None, problem(f"“{text[:20]}”不是整数，{declared.rule()}")
    number = int(text)
    if declared.choices and number not in declared.choices:
        return None, problem(f"不能为 {number}，{declared.rule()}")
    if not declared.choices and not declared.minimum <= number <= declared.maximum:
        return None, problem(f"不能为 {number}，{declared.rule()}")
    return number, None


def set_settings(values: dict, user) -> list[str]:
    """Change deadline settings (admins only). `values` maps keys to what was typed; every value is checked
    first, so either all are written or none (InvalidInput names each bad field). Each change is audited with
    its before and after. Returns the keys whose value changed. Deadlines already running keep theirs."""
    if not policy.can_edit_deadlines(user):
        raise PermissionDenied("只有平台管理员可以修改期限设置", "only admins may change the deadline policy")
    problems, parsed = [], {}
    for key, raw in values.items():
        if key not in _BY_KEY:
            problems.append(Problem(key, key, f"「{key}」不是期限设置项", f"unknown setting {key}"))
            continue
        value, problem = _validate(_BY_KEY[key], raw)
        if problem is not None:
            problems.append(problem)
        else:
            parsed[key] = value
    if problems:
        raise InvalidInput(problems)
    rows = {row.key: row for row in db.session.scalars(
        select(DeadlineSetting).where(DeadlineSetting.key.in_(list(parsed))))}
    now, changed = utcnow(), []
    for declared in SETTINGS:  # in the page's order, so the audit log reads like the form
        if declared.key not in parsed:
            continue
        before, after = setting(declared.key), parsed[declared.key]
        if before == after:
            continue
        row = rows.get(declared.key)
        if row is None:
            row = DeadlineSetting(key=declared.key)
            db.session.add(row)
        row.value, row.changed_by_id, row.changed_at = declared.stored(after), getattr(user, "id", None), now
        audit.record("deadline_setting.change", row, actor=user,
                     summary=f"期限设置「{declared.label}」：{declared.text(before)} → {declared.text(after)}",
                     details={"key": declared.key, "before": declared.stored(before),
                              "after": declared.stored(after)})
        changed.append(declared.key)
    if changed:
        snapshot.invalidate()
        deadline_policy_changed.send("deadlines", keys=frozenset(changed), actor=user)
    return changed


def recent_changes(limit: int = 20) -> list:
    """The latest changes of the deadline policy, from the audit log (newest first)."""
    return db.session.scalars(select(audit.AuditEntry).where(audit.AuditEntry.action == "deadline_setting.change")
                              .order_by(audit.AuditEntry.at.desc(), audit.AuditEntry.id.desc())
                              .limit(limit)).all()
