"""Random users doing random things to the catalog (a Hypothesis state machine), checked after every step.

Invariants, on SQLite and PostgreSQL alike:
- at most one published and one working version per entry, and the entry's pointers agree with the states;
- no pending review whose version is not in that review stage, and no version in review without one;
- every transition is audited: each object's audit rows chain from its creation to its current state;
- once the outbox has drained, the search index holds exactly the published entries.
Each example starts from an empty catalog; the users (every role, in two departments, some with two roles)
are made once.
"""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, initialize, invariant, multiple, rule,
                                 run_state_machine_as_test)
from sqlalchemy import delete, func, select, update

from app import catalog, indexing, outbox
from app.audit import AuditEntry
from app.catalog import REVIEW_STATES, WORKING_STATES, BaseRef, CodeSequence, Entry, EntryVersion
from app.core.db import transaction
from app.core.errors import DomainError
from app.extensions import db
from app.outbox import OutboxMessage
from app.review import Review
from app.review import services as review
from tests.conftest import valid_values

DEPARTMENTS = ("市公安局", "市民政局")
ROLE_SETS = (("editor",), ("department_reviewer",), ("seeker",), ("editor", "department_reviewer"))
SUMMARIES = ("本市户籍人口基本登记信息。", "季度维护：补充近三年数据。", "更正数据范围说明。")
EXAMPLES = 200


def _reset_catalog() -> None:
    """An empty catalog (users and reference data stay) and an empty index."""
    db.session.execute(update(Entry).values(published_version_id=None, draft_version_id=None))
    for model in (Review, AuditEntry, OutboxMessage, EntryVersion, Entry, CodeSequence):
        if model is AuditEntry:
            db.session.execute(delete(AuditEntry).where(AuditEntry.object_type != "user"))
        else:
            db.session.execute(delete(model))
    db.session.commit()
    indexing.backend().rebuild(iter(()))


@pytest.fixture
def users(make_user):
    pool = [make_user(roles, name) for name in DEPARTMENTS for roles in ROLE_SETS]
    pool += [make_user("authority_reviewer", "市政务服务数据管理局"), make_user("admin", "市政务服务数据管理局")]
    return [u.id for u in pool]


def test_random_work_keeps_the_invariants(app, users, department):
    department_ids = [department(name).id for name in DEPARTMENTS]
    seen: Counter = Counter()
    from app.accounts import User
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(users)))}
    editors = [next(i for i in users if people[i].role_keys == {"editor"} and people[i].department_id == d)
               for d in department_ids]
    reviewers = [next(i for i in users if people[i].role_keys == {"department_reviewer"}
                      and people[i].department_id == d) for d in department_ids]
    authority = next(i for i in users if people[i].role_keys == {"authority_reviewer"})
    admin = next(i for i in users if people[i].role_keys == {"admin"})
    anyone = st.sampled_from(users)
    anyone_or_compiler = st.one_of(anyone, st.sampled_from(editors + [u for u in users if "admin" in people[u].role_keys]))
    entries = Bundle("entries")

    class CatalogMachine(RuleBasedStateMachine):
        @initialize()
        def empty_catalog(self):
            _reset_catalog()
            self.steps = 0

        # ---- helpers ------------------------------------------------------------------------------------

        def _do(self, label: str, work):
            """One person's action as one unit of work: it happens whole, or is refused and changes nothing."""
            self.steps += 1
            try:
                with transaction():
                    result = work()
                seen[f"{label}: ok"] += 1
                return result
            except DomainError as refused:
                seen[f"{label}: {type(refused).__name__}"] += 1
                return None
            finally:
                db.session.expire_all()

        @staticmethod
        def _user(user_id: int):
            return db.session.get(User, user_id)

        @staticmethod
        def _right_person(entry: Entry, action: str) -> int:
            """Who would normally do this to this entry (the rules also try anyone at all)."""
            index = department_ids.index(entry.department_id)
            stage = entry.draft_version.state.value if entry.draft_version is not None else None
            if action == "publish":
                return admin
            if action in ("approve", "return"):
                return authority if stage == "authority_review" else reviewers[index]
            return editors[index]

        def _actor(self, entry: Entry, action: str, who: int, right: bool):
            return self._user(self._right_person(entry, action) if right else who)

        # ---- what people do -----------------------------------------------------------------------------

        @rule(target=entries, who=anyone_or_compiler, where=st.integers(0, 1), open_data=st.booleans())
        def register(self, who, where, open_data):
            values = valid_values(provider=department_ids[where], name=f"资源{self.steps}")
            if open_data:
                values.update(sharing_type="unconditional", sensitivity=[], sharing_condition=None,
                              open_to_public=True, open_condition="注明来源即可", data_items=[
                                  {"name": "站点", "data_type": "C", "length": "20"}], category_code="201001")
            entry = self._do("register", lambda: catalog.create_entry(values, user=self._user(who)))
            return entry.id if entry is not None else multiple()

        @rule(entry_id=entries, who=anyone, right=st.booleans(), summary=st.sampled_from(SUMMARIES),
              stale=st.booleans())
        def edit(self, entry_id, who, right, summary, stale):
            entry = db.session.get(Entry, entry_id)
            base = BaseRef.of(entry.base_version)
            if stale and base is not None:
                base = BaseRef(base.version_id, base.lock_version - 1)
            values = {**entry.base_version.data, "summary": summary} if entry.base_version else valid_values()
            user = self._actor(entry, "edit", who, right)
            self._do("edit", lambda: catalog.update_draft(entry, values, user=user, base=base))

        @rule(entry_id=entries, confirm=st.booleans())
        def the_right_person_takes_the_next_step(self, entry_id, confirm):
            """Drive entries forward as their department and the authority would."""
            entry = db.session.get(Entry, entry_id)
            working = entry.draft_version
            state = working.state.value if working is not None else None
            index = department_ids.index(entry.department_id)
            if state in ("draft", "returned"):
                self._do("submit", lambda: catalog.submit([entry], user=self._user(editors[index])))
            elif state == "department_review":
                self._do("approve", lambda: review.approve(review.pending_review(entry),
                                                           user=self._user(reviewers[index])))
            elif state == "authority_review":
                self._do("approve", lambda: review.approve(review.pending_review(entry), user=self._user(authority),
                                                           confirm=confirm))

        @rule(entry_id=entries, who=anyone)
        def submit(self, entry_id, who):
            entry = db.session.get(Entry, entry_id)
            self._do("submit", lambda: catalog.submit([entry], user=self._user(who)))

        @rule(entry_id=entries, who=anyone, right=st.booleans())
        def withdraw(self, entry_id, who, right):
            entry = db.session.get(Entry, entry_id)
            user = self._actor(entry, "withdraw", who, right)
            self._do("withdraw", lambda: catalog.withdraw([entry], user=user))

        @rule(entry_id=entries, who=anyone, right=st.booleans(), confirm=st.booleans())
        def approve(self, entry_id, who, right, confirm):
            entry = db.session.get(Entry, entry_id)
            user = self._actor(entry, "approve", who, right)
            # straight to the service, as a script or the API would, whatever the version's state
            self._do("approve", lambda: catalog.approve([entry], user=user, confirm=confirm))

        @rule(entry_id=entries, who=anyone, right=st.booleans(), comment=st.sampled_from(["", "请补充信息项。"]))
        def return_(self, entry_id, who, right, comment):
            entry = db.session.get(Entry, entry_id)
            user = self._actor(entry, "return", who, right)
            self._do("return", lambda: catalog.return_([entry], user=user, comment=comment))

        @rule(entry_id=entries, who=anyone, right=st.booleans())
        def publish_directly(self, entry_id, who, right):
            entry = db.session.get(Entry, entry_id)
            user = self._actor(entry, "publish", who, right)
            self._do("publish", lambda: catalog.publish_directly([entry], user=user, reason="集中发布存量目录"))

        @rule(entry_id=entries, who=anyone, right=st.integers(0, 3).map(lambda n: n == 0))
        def retire(self, entry_id, who, right):
            entry = db.session.get(Entry, entry_id)
            user = self._actor(entry, "retire", who, right)
            self._do("retire", lambda: catalog.retire([entry], user=user, reason="职能调整"))

        # ---- what must always hold ----------------------------------------------------------------------

        @invariant()
        def one_published_and_one_working_version_per_entry(self):
            for states in (("published",), WORKING_STATES):
                crowded = db.session.execute(select(EntryVersion.entry_id, func.count()).where(
                    EntryVersion.state.in_(states)).group_by(EntryVersion.entry_id).having(func.count() > 1)).all()
                assert crowded == [], states
            for entry in db.session.scalars(select(Entry)):
                if entry.published_version is not None:
                    assert entry.published_version.state.value == "published"
                if entry.draft_version is not None:
                    assert entry.draft_version.state.value in WORKING_STATES
                working = db.session.scalar(select(func.count()).where(
                    EntryVersion.entry_id == entry.id, EntryVersion.state.in_(WORKING_STATES)))
                assert working == (1 if entry.draft_version is not None else 0)
                assert (entry.status.value == "published") == (entry.published_version is not None
                                                               and entry.status.value != "retired")
                if entry.status.value == "retired":
                    assert entry.draft_version is None

        @invariant()
        def pending_reviews_match_versions_in_review(self):
            pending = db.session.execute(select(Review.stage, EntryVersion.state).join(
                EntryVersion, Review.version_id == EntryVersion.id).where(Review.state == "pending")).all()
            for stage, state in pending:
                assert state.value == stage.version_state, (stage, state)
            in_review = db.session.scalar(select(func.count()).where(EntryVersion.state.in_(REVIEW_STATES)))
            assert in_review == len(pending)

        @invariant()
        def every_transition_is_audited(self):
            current = {("entry", e.id): e.status.value for e in db.session.scalars(select(Entry))}
            current.update({("entry_version", v.id): v.state.value for v in db.session.scalars(select(EntryVersion))})
            current.update({("review", r.id): r.state.value for r in db.session.scalars(select(Review))})
            replayed: dict[tuple, str | None] = {}
            rows = db.session.execute(select(AuditEntry.object_type, AuditEntry.object_id, AuditEntry.from_state,
                                             AuditEntry.to_state).where(AuditEntry.to_state.is_not(None))
                                      .order_by(AuditEntry.id)).all()
            for kind, object_id, before, after in rows:
                key = (kind, object_id)
                assert replayed.get(key) == before, f"{key}: audit says it left {before}, it was {replayed.get(key)}"
                replayed[key] = after
            assert replayed == current

        @invariant()
        def the_index_holds_exactly_the_published_entries(self):
            outbox.drain()
            assert outbox.pending() == 0
            published = set(db.session.scalars(select(Entry.id).where(Entry.status == "published")))
            assert indexing.indexed_ids() == published

    run_state_machine_as_test(CatalogMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=20, deadline=None, database=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    # the runs did real work, not only refusals: every action succeeded somewhere, and was refused somewhere
    for label in ("register", "edit", "submit", "withdraw", "approve", "return", "publish", "retire"):
        assert seen[f"{label}: ok"] > 0, (label, seen)
    assert seen["edit: EditConflict"] > 0 and seen["approve: PermissionDenied"] > 0, seen
