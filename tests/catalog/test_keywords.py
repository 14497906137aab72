"""关键字 through the entry form, on the entry pages (one chip per keyword, escaped) and in version diffs."""
import re

import pytest
from sqlalchemy import select

from app.catalog.models import Entry
from app.core.db import transaction
from app.extensions import db
from tests.catalog.test_views import GOOD, form_for
from tests.conftest import edit, valid_values
from tests.portal.test_portal import OPEN, login


@pytest.fixture
def editor(client, make_user):
    user = make_user("editor", "市公安局")
    login(client, user)
    return user


def post_new(client, keywords: str):
    return client.post("/manage/entries/new", data=form_for(client, "/manage/entries/new", **GOOD,
                                                            keywords=keywords))


def test_keywords_typed_in_one_input_are_saved_as_a_list(client, editor):
    response = post_new(client, " 户籍，人口、身份证;户籍 ")
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    assert entry.draft_version.data["keywords"] == ["户籍", "人口", "身份证"]
    html = client.get(f"/manage/entries/{entry.id}/edit").get_data(as_text=True)
    assert 'name="keywords" value="户籍、人口、身份证"' in html


def test_a_too_long_keyword_is_refused_naming_its_position_and_the_input_is_kept(client, editor):
    long = "户" * 21
    response = post_new(client, f"户籍、人口、{long}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"「关键字」第 3 个“{long}”超过 20 个字符（21 个）" in html
    assert f'name="keywords" value="户籍、人口、{long}"' in html
    assert db.session.scalar(select(Entry)) is None


def test_more_than_twenty_keywords_are_refused(client, editor):
    response = post_new(client, "、".join(f"词{n}" for n in range(21)))
    assert response.status_code == 422
    assert "「关键字」最多 20 个，现有 21 个" in response.get_data(as_text=True)


def test_the_entry_page_shows_each_keyword_as_an_escaped_chip(client, make_entry):
    entry = make_entry(**OPEN, keywords=["<script>x</script>", "人口"])
    html = client.get(f"/entries/{entry.id}").get_data(as_text=True)
    chips = re.search(r'<ul class="list-inline tag-list[^"]*" id="field-keywords">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'<a class="[^"]*\btag\b[^"]*" href="[^"]*">(.*?)</a>', chips) == [
        "&lt;script&gt;x&lt;/script&gt;", "人口"]
    assert "<script>x</script>" not in html


def test_an_entry_without_keywords_shows_no_keywords_row(client, make_entry):
    entry = make_entry(**OPEN)
    assert 'id="field-keywords"' not in client.get(f"/entries/{entry.id}").get_data(as_text=True)


def test_changed_keywords_show_in_the_version_diff(client, make_entry, make_user):
    editor = make_user("editor", "市公安局")
    entry = make_entry(user=editor, keywords=["户籍", "人口"])
    with transaction():
        edit(entry, valid_values(keywords="户籍、身份证"), user=editor)
    login(client, editor)
    html = client.get(f"/manage/entries/{entry.id}/compare?a=1&b=2").get_data(as_text=True)
    row = re.search(r'<tr data-field="keywords">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="diff-old">户籍、人口</td>' in row and '<td class="diff-new">户籍、身份证</td>' in row
    # reordering alone is a change too: the order is the editor's
    from app.catalog.diff import diff_values
    assert [c.key for c in diff_values({"keywords": ["a", "b"]}, {"keywords": ["b", "a"]}).fields] == ["keywords"]
    assert diff_values({"keywords": []}, {}).fields == []
