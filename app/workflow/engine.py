"""Workflows declared as data (流程声明): states, transitions, who may fire each, guards, audit, deadlines.

A `Workflow` describes one kind of object (an entry, a version, a review …). Each `Transition` names the states
it leaves from, the state it leads to, who may fire it (`Grant`s: a role, and optionally the relation the user's
department must have to the object, e.g. "own"), the guards it must pass, the audit action it writes and, where
the rules give one, its deadline. A transition without grants is *internal*: the system fires it as a
consequence of another (a published version supersedes the previous one).

Services fire transitions here and nowhere else: assigning a workflow's state attribute outside `fire` raises
`WorkflowViolation`. Each firing checks permission, then the current state, then the guards; sets the state;
writes one audit row per object (from → to); and sends the workflow's `fired` signal, to which other modules
subscribe inside the same transaction (the review records follow the version workflow that way).

The same declarations generate the permission test matrix, the admin page 流程说明 and `docs/workflows.md`.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

from blinker import Signal
from sqlalchemy import event

from app import audit, workdays
from app.accounts import ROLE_LABELS
from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.core.roles import roles_of
from catalog_schema import Problem

_firing: contextvars.ContextVar[bool] = contextvars.ContextVar("workflow_firing", default=False)

#: every declared workflow, by key (filled as the domain modules declare theirs)
REGISTRY: dict[str, "Workflow"] = {}


class WorkflowViolation(RuntimeError):
    """A workflow's state was assigned outside the engine: a programming error, never a user's."""


@dataclass(frozen=True)
class State:
    key: str
    label: str
    final: bool = False


@dataclass(frozen=True)
class Relation:
    """How a user relates to an object: `department_of(obj)` must equal the user's department — or, for a
    relation to the person (`of_user`, e.g. the uploader of an import), the user's own id."""

    label: str  # e.g. "本部门", "上传者本人"
    department_of: Callable[[object], int | None]
    of_user: bool = False


@dataclass(frozen=True)
class Grant:
    """A role may fire the transition: on any object (relation None), or only where the relation holds."""

    role: str
    relation: str | None = None


@dataclass(frozen=True)
class Guard:
    """A condition the object and the request must meet. `check(obj, context)` returns problems (→ 422, each
    naming its field) or raises a DomainError of its own; `description` is shown on the workflow page."""

    key: str
    description: str
    check: Callable[[object, dict], Iterable[Problem] | None]


@dataclass(frozen=True)
class Deadline:
    """A deadline starts when the transition fires. Its number is the deadline policy's `setting` (a key of
    `app.workdays.SETTING_KEYS`, changed on the admin page 期限设置), counted in working days through the
    working-day calendar — or in calendar days when `working_days` is False."""

    setting: str
    description: str
    working_days: bool = False

    def due(self, start: dt.date) -> workdays.Due:
        """When something that started on `start` is due (provisional when the calendar of a year it counts
        through has not been entered)."""
        days = workdays.setting(self.setting)
        if self.working_days:
            return workdays.deadline(start, days)
        return workdays.Due(start + dt.timedelta(days=days))


@dataclass(frozen=True)
class Transition:
    key: str
    label: str
    source: tuple[str, ...]  # () = the transition that creates the object
    target: str | None  # None = the object stays in its state (e.g. editing a draft)
    grants: tuple[Grant, ...] = ()
    guards: tuple[Guard, ...] = ()
    fired_by: str = ""  # internal transitions: what fires them, in words
    deadline: Deadline | None = None
    basis: str = ""  # the rule it implements, as officials write it (依据《…》第…条)

    @property
    def internal(self) -> bool:
        return not self.grants

    @property
    def creates(self) -> bool:
        return not self.source

    def target_from(self, state: str | None) -> str:
        return self.target if self.target is not None else state


@dataclass
class Workflow:
    key: str
    label: str
    model: type
    state_attr: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    relations: dict[str, Relation]
    describe: Callable[[object], str]  # how the audit log and messages name one object
    audit_department: Callable[[object], int | None]
    audit_details: Callable[[object], dict] = lambda _obj: {}
    description: str = ""
    state_enum: type[enum.Enum] | None = None
    fired: Signal = field(init=False)

    def __post_init__(self):
        self._states = {s.key: s for s in self.states}
        self._transitions = {t.key: t for t in self.transitions}
        problems = []
        if len(self._states) != len(self.states) or len(self._transitions) != len(self.transitions):
            problems.append("duplicate state or transition keys")
        for t in self.transitions:
            for key in (*t.source, *([t.target] if t.target else [])):
                if key not in self._states:
                    problems.append(f"{t.key} names unknown state {key!r}")
            for g in t.grants:
                if g.relation is not None and g.relation not in self.relations:
                    problems.append(f"{t.key} grants {g.role} on unknown relation {g.relation!r}")
                if g.role not in ROLE_LABELS:
                    problems.append(f"{t.key} grants unknown role {g.role!r}")
            if t.internal and not t.fired_by:
                problems.append(f"internal transition {t.key} must say what fires it")
            if t.deadline is not None and t.deadline.setting not in workdays.SETTING_KEYS:
                problems.append(f"{t.key}'s deadline names unknown setting {t.deadline.setting!r}")
        if self.state_enum is not None and {m.value for m in self.state_enum} != set(self._states):
            problems.append(f"states {sorted(self._states)} differ from the column's {self.state_enum.__name__}")
        if problems:
            raise ValueError(f"workflow {self.key}: " + "; ".join(problems))
        self.fired = Signal(f"{self.key}-fired")
        REGISTRY[self.key] = self
        _guard_state_attribute(self)

    # ---- reading the declaration --------------------------------------------------------------------

    def state(self, key: str) -> State:
        return self._states[key]

    def transition(self, key: str) -> Transition:
        return self._transitions[key]

    def state_of(self, obj) -> str:
        value = getattr(obj, self.state_attr)
        return value.value if isinstance(value, enum.Enum) else value

    def user_transitions(self) -> list[Transition]:
        return [t for t in self.transitions if not t.internal]

    def grants_text(self, transition: Transition) -> str:
        """Who may fire it, as a person reads it: "本部门的目录编目员、平台管理员"."""
        if transition.internal:
            return f"系统（{transition.fired_by}）"
        def one(g: Grant) -> str:
            if g.relation is None:
                return ROLE_LABELS[g.role]
            relation = self.relations[g.relation]
            # 本部门的目录编目员; 目录编目员（上传者本人）
            return f"{ROLE_LABELS[g.role]}（{relation.label}）" if relation.of_user else f"{relation.label}的{ROLE_LABELS[g.role]}"
        return "、".join(one(g) for g in transition.grants)

    # ---- permission -----------------------------------------------------------------------------------

    def granted(self, transition: Transition, actor, related: dict[str, int | None]) -> bool:
        """Whether one of the transition's grants matches the actor (its roles, its department or itself)."""
        roles = roles_of(actor)
        if not roles:
            return False
        for g in transition.grants:
            if g.role not in roles:
                continue
            if g.relation is None:
                return True
            own = getattr(actor, "id" if self.relations[g.relation].of_user else "department_id", None)
            if own is not None and related.get(g.relation) == own:
                return True
        return False

    def related(self, obj) -> dict[str, int | None]:
        return {name: relation.department_of(obj) for name, relation in self.relations.items()}

    def may(self, key: str, obj, actor) -> bool:
        """For buttons: the actor holds a grant and the object is in a source state (guards aside)."""
        t = self._transitions[key]
        return (not t.internal and self.state_of(obj) in t.source
                and self.granted(t, actor, self.related(obj)))

    def may_create(self, key: str, actor, related: dict[str, int | None]) -> bool:
        t = self._transitions[key]
        return t.creates and not t.internal and self.granted(t, actor, related)

    def check_create(self, key: str, *, actor, related: Sequence[dict[str, int | None]]) -> Transition:
        """The permission check `create` makes, before a service validates what it was given (so a person who
        may not act learns that first, not what was wrong with the form)."""
        t = self._transitions[key]
        for rel in related:
            self._require_grant(t, actor, rel)
        return t

    def _require_grant(self, t: Transition, actor, related: dict[str, int | None]) -> None:
        if t.internal:
            raise PermissionDenied(f"「{t.label}」由系统在{t.fired_by}时自动完成，不能直接执行",
                                   f"{self.key}.{t.key} is performed by the system only")
        if not self.granted(t, actor, related):
            raise PermissionDenied(f"您无权执行「{t.label}」：{self.grants_text(t)}可以执行此操作",
                                   f"you may not {t.key} this {self.key}")

    def _require_state(self, t: Transition, obj) -> str:
        current = self.state_of(obj)
        if current not in t.source:
            allowed = "、".join(f"“{self._states[s].label}”" for s in t.source)
            raise Conflict(f"{self.label}“{self.describe(obj)}”当前为“{self._states[current].label}”，"
                           f"不能{t.label}（仅{allowed}状态可以）",
                           f"cannot {t.key} a {self.key} in state {current}")
        return current

    @staticmethod
    def _run_guards(t: Transition, obj, context: dict) -> None:
        problems: list[Problem] = []
        for guard in t.guards:
            problems += list(guard.check(obj, context) or ())
        if problems:
            raise InvalidInput(problems)

    def check(self, key: str, obj, *, actor, **context) -> Transition:
        """Every check `fire` makes, without changing anything (dry runs, and forms before they save)."""
        t = self._transitions[key]
        self._require_grant(t, actor, self.related(obj))
        self._require_state(t, obj)
        self._run_guards(t, obj, context)
        return t

    # ---- firing ---------------------------------------------------------------------------------------

    def fire(self, key: str, obj, *, actor, **context) -> Transition:
        """Fire a user's transition on one object (see `fire_many`)."""
        return self.fire_many(key, [obj], actor=actor, **context)

    def fire_many(self, key: str, objects: Sequence, *, actor, **context) -> Transition:
        """Check every object first, then move them all: either all move or none does."""
        t = self._transitions[key]
        befores = []
        for obj in objects:
            self._require_grant(t, actor, self.related(obj))
            befores.append(self._require_state(t, obj))
            self._run_guards(t, obj, context)
        self._move(t, objects, befores, actor, context)
        return t

    def fire_internal(self, key: str, objects: Sequence, *, actor, **context) -> Transition:
        """Fire a system transition as the consequence of `actor`'s own (no grant to check; state and guards are)."""
        t = self._transitions[key]
        if not t.internal:
            raise WorkflowViolation(f"{self.key}.{key} is a user's transition: use fire()")
        befores = []
        for obj in objects:
            befores.append(self._require_state(t, obj))
            self._run_guards(t, obj, context)
        self._move(t, objects, befores, actor, context)
        return t

    def create(self, key: str, *, actor, related: Sequence[dict[str, int | None]],
               insert: Callable[[str], list[int]], names: Sequence[str],
               details: Sequence[dict] | Callable[[list[int]], Sequence[dict]] | None = None,
               departments: Sequence[int | None] | None = None, internal: bool = False,
               **context) -> list[int]:
        """Create objects in the transition's target state.

        `related` gives each new object's relations (its department); `insert(state)` writes the rows in that
        state and returns their ids (a bulk INSERT, or one ORM object); `names`, `departments` and `details` (or
        a function of the new ids giving them) are what the audit log records of each.
        """
        t = self._transitions[key]
        if not t.creates:
            raise WorkflowViolation(f"{self.key}.{key} does not create objects")
        if internal:
            if not t.internal:
                raise WorkflowViolation(f"{self.key}.{key} is a user's transition")
        else:
            for rel in related:
                self._require_grant(t, actor, rel)
        with firing():
            ids = insert(t.target)
        details = details(list(ids)) if callable(details) else (details or [{} for _ in ids])
        departments = departments or [None for _ in ids]
        audit.record_many([
            _audit_row(self, t, object_id, actor, None, t.target, department, f"{t.label}：{name}",
                       {**detail, **_context_details(context)})
            for object_id, name, detail, department in zip(ids, names, details, departments)])
        self.fired.send(t.key, ids=list(ids), objects=None, actor=actor, context=context)
        return list(ids)

    def _move(self, t: Transition, objects: Sequence, befores: list[str], actor, context: dict) -> None:
        if not objects:
            return
        with firing():
            for obj, before in zip(objects, befores):
                after = t.target_from(before)
                if after != before:
                    setattr(obj, self.state_attr, self.state_enum(after) if self.state_enum else after)
        audit.record_many([
            _audit_row(self, t, obj.id, actor, before, t.target_from(before), self.audit_department(obj),
                       f"{t.label}：{self.describe(obj)}", {**self.audit_details(obj), **_context_details(context)})
            for obj, before in zip(objects, befores)])
        self.fired.send(t.key, ids=[o.id for o in objects], objects=list(objects), actor=actor, context=context)

    # ---- deadlines ------------------------------------------------------------------------------------

    def due(self, key: str, start: dt.date) -> workdays.Due | None:
        """When something that entered by `key` on the day `start` is due (None: the transition has no deadline)."""
        t = self._transitions[key]
        return None if t.deadline is None else t.deadline.due(start)



def _context_details(context: dict) -> dict:
    """What of the request goes into the audit row: the person's own words (comments, reasons, notes)."""
    return {k: v for k, v in context.items() if k in ("comment", "reason", "note") and v}


def _audit_row(workflow: Workflow, t: Transition, object_id: int, actor, before: str | None, after: str,
               department_id: int | None, summary: str, details: dict) -> dict:
    note = details.get("comment") or details.get("reason") or details.get("note")
    if note:
        summary = f"{summary}（{str(note)[:100]}）"
    return {"action": f"{workflow.key}.{t.key}", "object_type": workflow.key, "object_id": object_id,
            "actor_id": getattr(actor, "id", None), "department_id": department_id, "summary": summary[:1000],
            "details": details, "from_state": before, "to_state": after}


@contextlib.contextmanager
def firing() -> Iterator[None]:
    token = _firing.set(True)
    try:
        yield
    finally:
        _firing.reset(token)


def _guard_state_attribute(workflow: Workflow) -> None:
    attribute = getattr(workflow.model, workflow.state_attr)
    if event.contains(attribute, "set", _refuse_outside_engine):
        return

    event.listen(attribute, "set", _refuse_outside_engine)


def _refuse_outside_engine(target, value, _old, _initiator):
    if not _firing.get():
        raise WorkflowViolation(f"{type(target).__name__}: workflow state changes only through its workflow "
                                f"(tried to set {value!r})")
    return value
