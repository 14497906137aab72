"""Fixtures of the adapter tests: grants as the sharing module hands them over, the exchange platform on 127.0.0.1,
the grant checker the sharing module registers, and the download blueprint."""
from __future__ import annotations

import datetime as dt

import pytest

from app import adapters
from app.adapters import GrantSpec

from .exchange_server import ExchangeServer

EXCHANGE_KEY = "test-exchange-key-0123456789"
#: the resource's items; a grant approves only some of them
RESOURCE_ITEMS = ("姓名", "公民身份号码", "性别", "出生日期", "户籍地址")
APPROVED = ("姓名", "公民身份号码")


def grant_spec(grant_id: int = 7, **overrides) -> GrantSpec:
    """A grant of 市公安局's 户籍人口基本信息 to 市民政局, approving two of its five items, valid for a year."""
    today = dt.date.today()
    values = dict(grant_id=grant_id, entry_id=3, resource_code="101001/000001", resource_name="户籍人口基本信息",
                  provider_code="006", consumer_code="007", consumer_name="市民政局", items=APPROVED,
                  purpose="核验低保申请人身份", valid_from=today - dt.timedelta(days=1),
                  valid_until=today + dt.timedelta(days=365), settings={})
    values.update(overrides)
    return GrantSpec(**values)


@pytest.fixture
def exchange_server():
    """The exchange platform, listening on 127.0.0.1 (a free port), checking signatures with EXCHANGE_KEY."""
    server = ExchangeServer(key=EXCHANGE_KEY).start()
    yield server
    server.stop()


class GrantChecker:
    """The sharing module's answer to "is grant N still active?", as a set of active grant ids."""

    def __init__(self):
        self.active: set[int] = set()
        self.calls: list[int] = []

    def __call__(self, grant_id: int) -> bool:
        self.calls.append(grant_id)
        return grant_id in self.active


@pytest.fixture
def grant_checker():
    """Registered with `set_grant_checker` for the test, and the previous one put back after."""
    checker = GrantChecker()
    previous = adapters.set_grant_checker(checker)
    yield checker
    adapters.set_grant_checker(previous)


@pytest.fixture
def downloads(app, tmp_path):
    """The app with the download blueprint (registered by `create_app` once the app wires it; here otherwise)
    and its attachments in a folder of the test's own."""
    if "adapters" not in app.blueprints:
        app.register_blueprint(adapters.bp)
    root = tmp_path / "attachments"
    root.mkdir()
    app.config["ATTACHMENTS_PATH"] = str(root)
    return root
