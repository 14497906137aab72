"""Docking fixtures: a foreign CKAN on loopback (fake_ckan.py), and sources registered through the services."""
from __future__ import annotations

import pytest

from app.core.db import transaction
from tests.harvest.fake_ckan import FakeCkan


@pytest.fixture
def ckan():
    server = FakeCkan().start()
    yield server
    server.stop()


@pytest.fixture
def harvest_settings(app):
    """Exact counts: no overlap before the high-water mark; small pages so paging is exercised."""
    app.config.update(HARVEST_OVERLAP_SECONDS=0, HARVEST_PAGE_SIZE=2, HARVEST_TIMEOUT_SECONDS=5.0)
    return app.config


@pytest.fixture
def make_source(app, admin):
    from app import harvest

    def make(url: str, name: str = "某市开放数据平台", schedule: str = "daily", token: str = ""):
        with transaction():
            source = harvest.register_source({"name": name, "url": url, "schedule": schedule, "api_token": token},
                                             user=admin)
        return source

    return make


def harvest_now(source_id: int, **kwargs):
    from app import harvest

    return harvest.run_source(source_id, trigger="command", **kwargs)
