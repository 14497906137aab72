"""The docking workflow's rows of the permission matrix: scenarios and SPEC rows, which
`tests/workflow/test_permission_matrix.py` runs (with `_run_matrix`) and checks for completeness.

Same conventions as there: "own" is 市公安局, "other" 市民政局. A source belongs to no department: only platform admins
(平台管理员) register, edit, pause, resume and run sources, whatever their department.
"""
from __future__ import annotations

from app.harvest import HARVEST_SOURCE  # noqa: F401  (the docking workflows are declared on import)

SOURCE_VALUES = {"name": "金水区政务信息资源目录", "url": "http://127.0.0.1:9/jinshui", "schedule": "daily"}


def _services():
    from app.harvest import services
    return services


def _source(people, _own):
    return _services().register_source(SOURCE_VALUES, user=people["admin"])


def _paused(people, own):
    source = _source(people, own)
    _services().pause(source, user=people["admin"])
    return source


HARVEST_SCENARIOS = {
    ("harvest_source", "register"): (None, lambda _o, user, *_: _services().register_source(
        {**SOURCE_VALUES, "name": "中原区政务信息资源目录", "url": "http://127.0.0.1:9/zhongyuan"}, user=user)),
    ("harvest_source", "edit"): (_source, lambda s, user, *_: _services().update_source(
        s, {**SOURCE_VALUES, "schedule": "hourly"}, user=user)),
    ("harvest_source", "pause"): (_source, lambda s, user, *_: _services().pause(s, user=user)),
    ("harvest_source", "resume"): (_paused, lambda s, user, *_: _services().resume(s, user=user)),
    ("harvest_source", "run"): (_source, lambda s, user, *_: _services().request_run(s, user=user)),
}

# SPEC §2: platform configuration is the admin's (平台管理员: configuration)
HARVEST_SPEC = {key: ({"admin"}, {"admin"}) for key in HARVEST_SCENARIOS}
