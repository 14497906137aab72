"""A file grant end to end: approved, waiting for the provider's file, attached, provisioned by the download
adapter, downloaded by the consumer through its signed link — and by no one else, and not after revocation."""
from __future__ import annotations

import io
import re

from app import outbox, sharing
from app.core.db import transaction
from app.extensions import db
from tests.portal.test_portal import login

from .conftest import ITEMS, ask, eight_items


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def logout(client):
    client.post("/logout", data={"csrf_token": csrf(client, "/")})


def test_the_provider_attaches_the_file_and_only_the_consumer_downloads_it(
        app, client, people, make_entry, clock, tmp_path):
    app.config["ATTACHMENTS_PATH"] = str(tmp_path / "attachments")
    clock("2026-11-02")
    entry = make_entry(user=people["editor"], **eight_items(sharing_method_type="file"))
    request = ask(entry, people["seeker"], ITEMS[:2])
    with transaction():
        grant = sharing.approve(db.session.get(type(request), request.id), people["responder"], {}, ITEMS[:2])
    outbox.drain()
    grant = db.session.get(type(grant), grant.id)
    assert (grant.adapter, grant.state.value) == ("download", "failed")  # no file yet: the provider is told
    assert "文件" in grant.last_error

    login(client, people["responder"])
    token = csrf(client, f"/sharing/grants/{grant.id}")
    response = client.post(f"/sharing/grants/{grant.id}/attach", data={
        "csrf_token": token, "file": (io.BytesIO("姓名,公民身份号码\n张三,110101199001011234\n".encode()), "户籍.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    outbox.drain()
    grant = db.session.get(type(grant), grant.id)
    assert grant.state.value == "active", grant.last_error
    link = grant.handle["details"]["path"]
    logout(client)

    login(client, people["seeker"])
    assert link in client.get(f"/sharing/grants/{grant.id}").get_data(as_text=True)
    with client.get(link) as download:
        assert download.status_code == 200 and "张三".encode() in download.data
    logout(client)
    login(client, people["other_seeker"])
    with client.get(link) as refused:
        assert refused.status_code == 403
    logout(client)

    with transaction():
        sharing.revoke(db.session.get(type(grant), grant.id), people["responder"], "超范围使用")
    login(client, people["seeker"])
    with client.get(link) as gone:
        assert gone.status_code == 410
