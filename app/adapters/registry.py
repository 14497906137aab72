"""Finding the adapters: the `catalog.adapters` entry-point group (ours are declared in setup.cfg; a third
party's package declares its own), each made once per app with the deployment's config.

One adapter that cannot be imported or made (a third party's broken release, a missing driver) does not take the
others down: it is left out, logged, and listed by `broken()`; a grant that needs it fails with a clear message
("未安装数据访问适配器…") and can be retried once it is fixed.
"""
from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Mapping

from .base import Adapter

GROUP = "catalog.adapters"
log = logging.getLogger(__name__)
_BROKEN: dict[str, str] = {}


def available() -> dict[str, object]:
    """Entry-point name → the adapter class (or factory), not yet made."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load(config: Mapping) -> dict[str, Adapter]:
    """Every installed adapter that loads, made with the deployment's config, by key."""
    out: dict[str, Adapter] = {}
    _BROKEN.clear()
    for name, ep in sorted(available().items()):
        try:
            adapter = ep.load()(config)
            if getattr(adapter, "key", None) != name:
                raise ValueError(f"entry point {name!r} made an adapter whose key is {getattr(adapter, 'key', None)!r}")
        except Exception as error:  # noqa: BLE001 — any failure of a plug-in leaves it out, loudly
            log.exception("data-access adapter %r could not be loaded", name)
            _BROKEN[name] = f"{type(error).__name__}: {error}"
            continue
        out[name] = adapter
    return out


def broken() -> dict[str, str]:
    """The adapters the last `load` left out, with why."""
    return dict(_BROKEN)
