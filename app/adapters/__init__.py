"""Data-access adapters (数据访问适配器): provision and revoke approved grants. What other modules may use.

- the interface and the registry: `Adapter`, `GrantSpec`, `Handle`, `AdapterError`, `ACTIVE`/`REVOKED`/`MISSING`,
  `available()`, `load(config)`;
- `bp`: the download link blueprint (``GET /downloads/<token>``), registered by the app;
- `set_grant_checker(fn)`: the sharing module says whether a grant is still active (``fn(grant_id) -> bool``).

The conformance suite is `app.adapters.conformance` (it imports pytest, so tests import it directly).
"""
from .base import ACTIVE, MISSING, REVOKED, Adapter, AdapterError, GrantSpec, Handle
from .hooks import grant_checker, set_grant_checker
from .registry import GROUP, available, broken, load
from .views import bp

__all__ = ["ACTIVE", "GROUP", "MISSING", "REVOKED", "Adapter", "AdapterError", "GrantSpec", "Handle", "available", "broken",
           "bp", "grant_checker", "load", "set_grant_checker"]
