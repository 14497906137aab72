"""数据比对 through the registry: the provider names an allowed source and maps items to columns; the consumer's
records come back as 一致 / 不一致 only; an arbitrary source is refused."""
from __future__ import annotations

import re
import sqlite3

import pytest

from app import outbox, sharing
from app.core.db import transaction
from app.core.errors import InvalidInput
from app.extensions import db
from tests.portal.test_portal import login

from .conftest import ITEMS, ask, eight_items


@pytest.fixture
def source(app, tmp_path):
    path = tmp_path / "hukou.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE persons (xm TEXT, sfzh TEXT, xb TEXT)")
        conn.executemany("INSERT INTO persons VALUES (?, ?, ?)",
                         [("张三", "110101199001011234", "男"), ("李四", "110101199202023456", "女")])
    app.config["COMPARISON_SOURCES"] = f"户籍库=sqlite:///{path};其他=sqlite:///{tmp_path}/none.db"
    return path


def test_the_consumer_compares_records_and_learns_only_match_or_not(client, people, make_entry, clock, source):
    clock("2026-11-02")
    entry = make_entry(user=people["editor"], **eight_items(sharing_type="conditional", sharing_method_type="comparison"))
    with pytest.raises(InvalidInput) as error, transaction():
        sharing.save_settings(entry, people["responder"], "comparison",
                              {"source": "sqlite:////etc/passwd", "table": "persons", f"column-{ITEMS[0]}": "xm"},
                              [ITEMS[0]])
    assert "不在本部署允许比对的数据源中" in error.value.problems[0].message
    with transaction():
        sharing.save_settings(entry, people["responder"], "comparison",
                              {"source": "户籍库", "table": "persons", f"column-{ITEMS[0]}": "xm",
                               f"column-{ITEMS[1]}": "sfzh"}, ITEMS[:2])
    request = ask(entry, people["seeker"], ITEMS[:2])
    with transaction():
        grant = sharing.approve(db.session.get(type(request), request.id), people["responder"], {}, ITEMS[:2])
    outbox.drain()
    grant = db.session.get(type(grant), grant.id)
    assert (grant.state.value, grant.adapter) == ("active", "comparison"), grant.last_error

    login(client, people["seeker"])
    page = client.get(f"/sharing/grants/{grant.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    records = f"{ITEMS[0]},{ITEMS[1]}\n张三,110101199001011234\n张三,110101199202023456\n李四,110101199202023456"
    answer = client.post(f"/sharing/grants/{grant.id}/compare", data={"csrf_token": token, "records": records})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    results = re.findall(r"<td>(一致|不一致)</td>", html)
    assert results == ["一致", "不一致", "一致"]
    assert "男" not in html.split('id="compare-results"')[1]  # no value of the source comes back
    bad = client.post(f"/sharing/grants/{grant.id}/compare",
                      data={"csrf_token": token, "records": f"{ITEMS[2]}\n男"})  # an item not approved for comparing
    assert bad.status_code == 422
