"""Sharing fixtures: a provider (市公安局) with an 8-item conditional entry served through the exchange platform,
a requester (市民政局), the authority, a clock the test moves, and a real exchange platform on 127.0.0.1."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from app.core.db import transaction
from app.extensions import db
from app.outbox import OutboxMessage
from tests.adapters.exchange_server import ExchangeServer
from tests.conftest import valid_values

PROVIDER, REQUESTER, AUTHORITY = "市公安局", "市民政局", "市政务服务数据管理局"
ITEMS = ["姓名", "公民身份号码", "性别", "民族", "出生日期", "户籍地址", "婚姻状况", "联系电话"]


def eight_items(**overrides) -> dict:
    return valid_values(**{"name": "常住人口基本信息", "sharing_method_category": "platform",
                           "sharing_method_type": "interface",
                           "data_items": [{"name": n, "data_type": "C", "length": "50"} for n in ITEMS], **overrides})


@pytest.fixture
def people(make_user):
    return {
        "seeker": make_user("seeker", REQUESTER),
        "responder": make_user("responder", PROVIDER),
        "editor": make_user("editor", PROVIDER),
        "authority": make_user("authority_reviewer", AUTHORITY),
        "admin": make_user("admin", AUTHORITY),
        "other_seeker": make_user("seeker", "市教育局"),
    }


@pytest.fixture
def exchange(app):
    server = ExchangeServer(key="sharing-test-key").start()
    app.config.update(EXCHANGE_URL=server.url, EXCHANGE_KEY="sharing-test-key", EXCHANGE_TIMEOUT_SECONDS=5.0)
    app.extensions.pop("catalog_adapters", None)  # made again with this config
    yield server
    server.stop()


@pytest.fixture
def conditional_entry(make_entry, people, clock):
    clock("2026-11-02")
    return make_entry(user=people["editor"], **eight_items())


def make_ready_now() -> None:
    """Every waiting outbox message's backoff has passed (instead of sleeping through it)."""
    db.session.execute(update(OutboxMessage).values(available_at=dt.datetime(2000, 1, 1)))
    db.session.commit()


def ask(entry, user, items, **overrides):
    from app import sharing

    values = {"purpose": "低保对象家庭经济状况核对", "scenario": "社会救助审批时核验申请人身份",
              "usage_scope": "市民政局社会救助科", "period_from": "2026-11-02", "period_until": "2027-11-01",
              **{f"basis-{n}": "《社会救助暂行办法》第十一条" for n in items}, **overrides}
    with transaction():
        return sharing.submit(entry, user, values, items)
