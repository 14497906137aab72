"""流程说明: the admin page and docs/workflows.md are generated from the declarations, and say what they enforce."""
import pathlib
import xml.etree.ElementTree as ET

import pytest

from app.admin import describe
from app.workflow import REGISTRY
from tests.portal.test_portal import login

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "workflows.md"


def test_docs_page_is_generated_from_the_current_declarations(app):
    assert DOC.read_text(encoding="utf-8") == describe.markdown(), (
        "docs/workflows.md is out of date: run `flask --app wsgi catalog workflows-doc`")


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_every_state_is_reachable_and_final_states_are_final(key):
    workflow = REGISTRY[key]
    reached = {t.target for t in workflow.transitions if t.creates}
    while True:
        more = {t.target_from(s) for t in workflow.transitions for s in t.source if s in reached} - reached
        if not more:
            break
        reached |= more
    assert reached == {s.key for s in workflow.states}
    finals = {s.key for s in workflow.states if s.final}
    assert not [t.key for t in workflow.transitions if set(t.source) & finals], "a final state has a way out"


def test_admins_and_the_authority_read_the_workflows_page(client, make_user):
    login(client, make_user("authority_reviewer", "市政务服务数据管理局"))
    response = client.get("/admin/workflows")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for workflow in REGISTRY.values():
        assert f'id="wf-{workflow.key}"' in html and workflow.label in html
        for row in describe.rows(workflow):
            assert row.label in html and row.audit in html
    assert "本部门的目录编目员、平台管理员" in html  # who may fire, in words
    assert "依据《郑州市政府信息资源共享管理办法》第十五条" in html
    svgs = html.count("<svg")
    assert svgs == len(REGISTRY)
    first = html[html.index("<svg"):html.index("</svg>") + len("</svg>")]
    ET.fromstring(first)  # well-formed, inline


def test_other_users_cannot_open_the_workflows_page(client, make_user):
    assert client.get("/admin/workflows").status_code == 302  # to sign in
    login(client, make_user("editor", "市公安局"))
    assert client.get("/admin/workflows").status_code == 403
    assert "流程说明" not in client.get("/").get_data(as_text=True)
