"""What the registry plugs into the adapters at start-up: the adapters cannot import the sharing module (it is
above them), so the sharing module registers a function instead.

- `set_grant_checker(fn)`: ``fn(grant_id) -> bool``, whether the grant is active now (approved, not withdrawn,
  within its period). The download adapter asks it for `status()` and for every download; without one, no
  download is served (fail closed).
"""
from __future__ import annotations

from collections.abc import Callable

GrantChecker = Callable[[int], bool]

_grant_checker: GrantChecker | None = None


def set_grant_checker(checker: GrantChecker | None) -> GrantChecker | None:
    """Register the function that says whether a grant is still active; returns the one it replaces (tests put
    it back). None unregisters."""
    global _grant_checker
    previous, _grant_checker = _grant_checker, checker
    return previous


def grant_checker() -> GrantChecker | None:
    """The registered checker, or None."""
    return _grant_checker
