"""The data-access adapter interface (数据访问适配器): what the registry hands an approved grant to.

The registry decides and tracks who may have what; an adapter does the exchange itself: it provisions a grant
(issues a download link, registers a subscription at an exchange platform, creates a restricted database view,
opens a comparison service) and revokes it when it expires or is withdrawn.

    class MyAdapter:
        key = "my_gateway"                      # the name in the `catalog.adapters` entry-point group
        label = "某某网关"                      # what people read
        def __init__(self, config: Mapping): …  # the deployment's settings (the app's config)
        def provision(self, grant: GrantSpec) -> Handle: …
        def revoke(self, handle: Handle) -> None: …
        def status(self, handle: Handle) -> str: …   # "active" | "revoked" | "missing"

Rules every adapter keeps (the conformance suite in `conformance.py` checks them):
- `provision` is idempotent by grant id: called again for the same grant (a retry after a crash) it returns the
  same handle and provisions nothing twice.
- Only the approved items, for the approved period, are ever exposed.
- `revoke` is idempotent: revoking what is already revoked (or was never there) succeeds.
- A failure raises `AdapterError` (with a Chinese message and an English one) and leaves nothing half-made
  that a retry would trip over; it never returns as if it had succeeded.
- Calls come from the outbox in the background worker, never inside a web request, and may be retried.

Adapters know nothing of the ORM: they get plain values (`GrantSpec`) and return plain values (`Handle`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, runtime_checkable

ACTIVE, REVOKED, MISSING = "active", "revoked", "missing"


@dataclass(frozen=True)
class GrantSpec:
    """What was approved, as an adapter needs it."""

    grant_id: int
    entry_id: int
    resource_code: str
    resource_name: str
    provider_code: str  # the provider department's code
    consumer_code: str  # the consuming department's code
    consumer_name: str
    items: tuple[str, ...]  # the approved data items, by name, in the entry's order
    purpose: str
    valid_from: dt.date
    valid_until: dt.date
    # the provider's settings for this entry and adapter (e.g. postgres_view: table and item → column map)
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Handle:
    """What a provisioned grant is at the adapter: a reference, and details to show (a link, a role name…).
    Stored on the grant as JSON, so it must hold only JSON values."""

    adapter: str
    grant_id: int
    reference: str
    details: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict:
        return {"adapter": self.adapter, "grant_id": self.grant_id, "reference": self.reference,
                "details": dict(self.details)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Handle":
        return cls(data["adapter"], int(data["grant_id"]), str(data["reference"]), dict(data.get("details") or {}))


class AdapterError(Exception):
    """An adapter could not do what was asked. `retryable`: a passing condition (a server down) rather than a
    refusal that the same call will meet again (a bad setting)."""

    def __init__(self, message: str, message_en: str = "", *, retryable: bool = True):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.retryable = retryable


@runtime_checkable
class Adapter(Protocol):
    key: str
    label: str

    def provision(self, grant: GrantSpec) -> Handle: ...

    def revoke(self, handle: Handle) -> None: ...

    def status(self, handle: Handle) -> str: ...
