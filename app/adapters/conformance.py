"""The conformance suite every data-access adapter passes (ours and a third party's), run with pytest.

It checks the rules in `app.adapters.base`: provisioning gives a handle of this adapter for this grant, the grant is
then active and exposes exactly the approved data items (never more); provisioning again for the same grant gives
the same handle and provisions nothing twice; revoking makes the grant unreachable, and revoking again succeeds;
grants are independent; a failure raises `AdapterError` (never another exception) and leaves nothing that would
trip a retry.

How to use it — subclass `AdapterConformance` in your own tests (a class whose name starts with ``Test``) and
implement the hooks below; pytest runs every ``test_*`` method of this class against your adapter:

    # tests/test_my_gateway.py (in the third party's package)
    import pytest
    from app.adapters.conformance import AdapterConformance

    class TestMyGatewayConformance(AdapterConformance):
        @pytest.fixture(autouse=True)
        def _gateway(self, tmp_path):            # set up what your adapter talks to; keep it on self
            self.gateway = FakeOrRealGateway(tmp_path).start()
            yield
            self.gateway.stop()

        def make_adapter(self):
            return MyGatewayAdapter({"MY_GATEWAY_URL": self.gateway.url})

        def make_grant(self, grant_id):          # approve a strict subset of the resource's items
            return GrantSpec(grant_id=grant_id, ..., items=("姓名", "公民身份号码"), settings={...})

        def exposed(self, handle):               # what the consumer can really get, asked of the other side
            return set(self.gateway.columns_visible_to(handle.reference))

        def is_reachable(self, handle):
            return self.gateway.consumer_can_connect(handle.reference)

        def break_adapter(self, adapter):        # make the next call fail (server down, bad password …)
            self.gateway.stop()

Optional hooks make the checks sharper: `provisioned_count(grant)` (how many things exist for the grant on the
other side, to prove a second provision made nothing), `repair_adapter(adapter)` (undo `break_adapter`, to prove a
retry after a failure succeeds and leaves one thing), and `withdraw(grant)` (what the registry does before it asks
the adapter to revoke: marks the grant withdrawn in its own records — for adapters whose access is checked against
the registry at use time, such as `download`).

Each test gets a fresh instance of the class, so fixtures may keep state on ``self``. This module imports pytest:
tests import it (``from app.adapters.conformance import AdapterConformance``); the app never does.
"""
from __future__ import annotations

import json
import re

import pytest

from .base import ACTIVE, MISSING, REVOKED, Adapter, AdapterError, GrantSpec, Handle

_CHINESE = re.compile(r"[\u4e00-\u9fff]")

#: the grant ids the suite uses (a test that needs two grants takes the first two)
GRANT_IDS = (90_001, 90_002)


class AdapterConformance:
    """Base class of an adapter's conformance tests. Not collected itself (its name does not start with Test)."""

    # ---- hooks the implementer provides -------------------------------------------------------------------

    def make_adapter(self) -> Adapter:
        """The adapter under test, made with a working configuration."""
        raise NotImplementedError

    def make_grant(self, grant_id: int) -> GrantSpec:
        """A grant the adapter can provision, with id `grant_id`, approving a strict subset of the resource's data
        items (so that "never more than the approved items" means something), valid from today for a while."""
        raise NotImplementedError

    def exposed(self, handle: Handle) -> set[str]:
        """The data items the consumer can actually get through `handle`, found out from the other side (the
        platform's record, the view's columns, the downloaded file's header) — not from the handle's details."""
        raise NotImplementedError

    def is_reachable(self, handle: Handle) -> bool:
        """Whether the consumer can still get at the data through `handle`."""
        raise NotImplementedError

    def break_adapter(self, adapter: Adapter) -> Adapter | None:
        """Make the next calls of `adapter` fail (stop its server, take its file away, wrong password …). Return
        the adapter to use from now on, or None to keep using `adapter`."""
        raise NotImplementedError

    # ---- optional hooks -----------------------------------------------------------------------------------

    def provisioned_count(self, grant: GrantSpec) -> int | None:
        """How many things (subscriptions, roles, views, links) exist for `grant` on the other side; None when the
        adapter provisions nothing countable."""
        return None

    def repair_adapter(self, adapter: Adapter) -> Adapter | None:
        """Undo `break_adapter`; return the adapter to use, or None for the same one. Raise NotImplementedError
        (the default) when it cannot be undone: the retry check is then skipped."""
        raise NotImplementedError

    def withdraw(self, grant: GrantSpec) -> None:
        """What the registry does just before it asks the adapter to revoke `grant` (marks it withdrawn in its
        own records). Nothing by default."""

    # ---- the checks ---------------------------------------------------------------------------------------

    def _provisioned(self, grant_id: int = GRANT_IDS[0]) -> tuple[Adapter, GrantSpec, Handle]:
        adapter = self.make_adapter()
        grant = self.make_grant(grant_id)
        return adapter, grant, adapter.provision(grant)

    def test_adapter_declares_key_and_label(self):
        adapter = self.make_adapter()
        assert isinstance(adapter, Adapter)
        assert isinstance(adapter.key, str) and re.fullmatch(r"[a-z][a-z0-9_]*", adapter.key), adapter.key
        assert isinstance(adapter.label, str) and adapter.label.strip()

    def test_grant_approves_a_subset_of_the_items(self):
        """(A check of the test's own grant: the rest of the suite means little without it.)"""
        grant = self.make_grant(GRANT_IDS[0])
        assert grant.grant_id == GRANT_IDS[0]
        assert grant.items and len(set(grant.items)) == len(grant.items)
        assert grant.valid_from <= grant.valid_until

    def test_provision_returns_a_handle_of_this_adapter_for_this_grant(self):
        adapter, grant, handle = self._provisioned()
        assert isinstance(handle, Handle)
        assert handle.adapter == adapter.key
        assert handle.grant_id == grant.grant_id
        assert isinstance(handle.reference, str) and handle.reference
        stored = json.loads(json.dumps(handle.as_dict()))  # JSON values only: it is stored on the grant
        again = Handle.from_dict(stored)
        assert again == handle and dict(again.details) == dict(handle.details)

    def test_status_is_active_after_provision(self):
        adapter, _grant, handle = self._provisioned()
        assert adapter.status(handle) == ACTIVE
        assert self.is_reachable(handle)

    def test_exactly_the_approved_items_are_exposed(self):
        _adapter, grant, handle = self._provisioned()
        assert self.exposed(handle) == set(grant.items)

    def test_provisioning_twice_gives_the_same_handle_and_provisions_once(self):
        adapter, grant, first = self._provisioned()
        second = adapter.provision(grant)
        assert second == first
        assert adapter.status(second) == ACTIVE
        assert self.exposed(second) == set(grant.items)
        count = self.provisioned_count(grant)
        if count is not None:
            assert count == 1

    def test_a_new_adapter_instance_finds_what_the_first_provisioned(self):
        """A retry after a crash runs in another process: the adapter keeps no state of its own that matters."""
        _adapter, grant, first = self._provisioned()
        other = self.make_adapter()
        assert other.provision(grant) == first
        assert other.status(first) == ACTIVE
        count = self.provisioned_count(grant)
        if count is not None:
            assert count == 1

    def test_revoke_makes_it_unreachable(self):
        adapter, grant, handle = self._provisioned()
        self.withdraw(grant)
        adapter.revoke(handle)
        assert adapter.status(handle) in (REVOKED, MISSING)
        assert not self.is_reachable(handle)
        assert not self.exposed(handle)

    def test_revoking_twice_succeeds(self):
        adapter, grant, handle = self._provisioned()
        self.withdraw(grant)
        adapter.revoke(handle)
        adapter.revoke(handle)
        self.make_adapter().revoke(handle)
        assert adapter.status(handle) in (REVOKED, MISSING)

    def test_grants_are_independent(self):
        adapter = self.make_adapter()
        first, second = (self.make_grant(grant_id) for grant_id in GRANT_IDS)
        first_handle, second_handle = adapter.provision(first), adapter.provision(second)
        assert first_handle != second_handle
        self.withdraw(first)
        adapter.revoke(first_handle)
        assert adapter.status(second_handle) == ACTIVE
        assert self.is_reachable(second_handle)
        assert self.exposed(second_handle) == set(second.items)
        assert not self.is_reachable(first_handle)

    def test_a_failure_raises_adapter_error(self):
        adapter = self.make_adapter()
        grant = self.make_grant(GRANT_IDS[0])
        adapter = self.break_adapter(adapter) or adapter
        with pytest.raises(AdapterError) as raised:
            adapter.provision(grant)
        _check_error(raised.value)

    def test_revoke_and_status_fail_only_with_adapter_error(self):
        """They may still work while the adapter is broken (a revocation can be local), but if they fail, the
        failure is an `AdapterError`."""
        adapter, _grant, handle = self._provisioned()
        adapter = self.break_adapter(adapter) or adapter
        for call in (lambda: adapter.status(handle), lambda: adapter.revoke(handle)):
            try:
                call()
            except AdapterError as error:
                _check_error(error)
            except Exception as error:  # noqa: BLE001 - the point of the check
                pytest.fail(f"{type(error).__name__} raised instead of AdapterError: {error}")

    def test_a_retry_after_a_failure_provisions_once(self):
        adapter = self.make_adapter()
        grant = self.make_grant(GRANT_IDS[0])
        broken = self.break_adapter(adapter) or adapter
        with pytest.raises(AdapterError):
            broken.provision(grant)
        try:
            repaired = self.repair_adapter(broken) or broken
        except NotImplementedError:
            pytest.skip("the adapter's test provides no repair_adapter()")
        handle = repaired.provision(grant)
        assert repaired.status(handle) == ACTIVE
        assert self.exposed(handle) == set(grant.items)
        count = self.provisioned_count(grant)
        if count is not None:
            assert count == 1


def _check_error(error: AdapterError) -> None:
    """An AdapterError a person can read: a Chinese message, an English one, and whether a retry may help."""
    assert _CHINESE.search(error.message), error.message
    assert error.message_en
    assert isinstance(error.retryable, bool)
