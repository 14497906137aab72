"""The review loop with its context (issue 14, points 4 and 7): the return comment where the editor works, the
review trail and the diff against the returned version on resubmission, the department's decision before the
authority, decision buttons after the content; reviewers' queues, legal references and messages naming entries."""
import re

import pytest
from sqlalchemy import update

from app import catalog
from app.core.db import transaction
from app.core.legal import basis, chinese_numeral, official
from app.extensions import db
from app.review import services as review
from app.review.models import Review
from tests.catalog.test_views import token
from tests.conftest import FreshContextClient, edit, valid_values
from tests.portal.test_portal import login

RETURN_COMMENT = "共享条件过宽：请写明可使用的部门和用途。"
DEPARTMENT_COMMENT = "已核对信息项，同意报主管部门。"
NEW_CONDITION = "仅限公安、民政部门核验身份时使用，须经申请审核。"
ZHENGZHOU_15 = "依据《郑州市政府信息资源共享管理办法》第十五条"


@pytest.fixture
def people(make_user):
    return {"editor": make_user("editor", "市公安局"), "reviewer": make_user("department_reviewer", "市公安局"),
            "authority": make_user("authority_reviewer", "市政务服务数据管理局")}


def step(fn, *args, **kwargs):
    with transaction():
        return fn(*args, **kwargs)


@pytest.fixture
def returned(make_entry, people):
    """A new 市公安局 entry: submitted, approved by its department with a comment, returned by the authority."""
    entry = make_entry(publish=False, user=people["editor"])
    step(catalog.submit, [entry], user=people["editor"])
    step(review.approve, review.pending_review(entry), user=people["reviewer"], comment=DEPARTMENT_COMMENT)
    step(review.return_, review.pending_review(entry), user=people["authority"], comment=RETURN_COMMENT)
    return entry


@pytest.fixture
def resubmitted(returned, people):
    """The returned entry, its 共享条件 changed as asked, submitted again."""
    with transaction():
        edit(returned, valid_values(sharing_condition=NEW_CONDITION), user=people["editor"])
        catalog.submit([returned], user=people["editor"], note="已按意见修改共享条件")
    return returned


def signed_in(app, user):
    """Another person's browser: a new client signed in as `user`."""
    app.test_client_class = FreshContextClient
    other = app.test_client()
    login(other, user)
    return other


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id (up to its closing section), tags dropped."""
    match = re.search(rf'id="{element_id}".*?</section>', html, re.DOTALL)
    assert match, f"#{element_id} is not on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# ---- 1. the return comment where the editor works ----------------------------------------------------------

def test_edit_form_shows_the_return_comment_who_and_when_above_the_form(client, returned, people):
    login(client, people["editor"])
    html = page(client, f"/manage/entries/{returned.id}/edit")
    notes = text_of(html, "return-notes")
    decided = review.history_of(returned)[-1]
    assert RETURN_COMMENT in notes and "主管部门审核退回" in notes
    assert people["authority"].display_name in notes
    assert decided.decided_at is not None and str(decided.decided_at.year) in notes
    assert html.index('id="return-notes"') < html.index('id="entry-form"')


def test_edit_form_of_an_entry_never_returned_has_no_return_notes(client, make_entry, people):
    entry = make_entry(publish=False, user=people["editor"])
    login(client, people["editor"])
    assert 'id="return-notes"' not in page(client, f"/manage/entries/{entry.id}/edit")


def test_return_notes_go_once_the_version_is_submitted_again(client, resubmitted, people):
    assert review.returns_of_working_version(resubmitted) == []


# ---- 2. resubmission: the trail and the diff against the returned version ------------------------------------

def test_resubmission_is_no_new_entry_and_shows_the_diff_against_the_returned_version(client, resubmitted, people):
    pending = review.pending_review(resubmitted)
    assert "新登记资源" not in pending.reasons
    assert "退回后重新提交：与退回时相比有 1 处变化" in pending.reasons
    login(client, people["reviewer"])
    html = page(client, f"/review/{pending.id}")
    assert "新登记资源" not in html
    since = re.search(r'id="since-return".*?</section>', html, re.DOTALL).group(0)
    row = re.search(r'<tr data-field="sharing_condition">.*?</tr>', since, re.DOTALL).group(0)
    assert valid_values()["sharing_condition"] in row and NEW_CONDITION in row
    assert len(re.findall(r"<tr data-field=", since)) == 1  # nothing else changed
    assert RETURN_COMMENT in since


def test_resubmission_shows_the_full_review_trail(client, resubmitted, people):
    login(client, people["reviewer"])
    html = page(client, f"/review/{review.pending_review(resubmitted).id}")
    trail = text_of(html, "trail")
    assert "部门审核（第 1 版） 通过" in trail and DEPARTMENT_COMMENT in trail
    assert "主管部门审核（第 1 版） 退回" in trail and RETURN_COMMENT in trail
    assert people["reviewer"].display_name in trail and people["authority"].display_name in trail


def test_a_revision_returned_and_resubmitted_is_compared_with_both_versions(client, make_entry, people):
    entry = make_entry(user=people["editor"])  # published as version 1
    with transaction():
        edit(entry, valid_values(summary="第二版摘要。"), user=people["editor"])
        catalog.submit([entry], user=people["editor"])
    step(review.return_, review.pending_review(entry), user=people["reviewer"], comment="摘要再具体些。")
    with transaction():
        edit(entry, valid_values(summary="第二版摘要，含迁入迁出记录。"), user=people["editor"])
        catalog.submit([entry], user=people["editor"])
    login(client, people["reviewer"])
    html = page(client, f"/review/{review.pending_review(entry).id}")
    since = re.search(r'id="since-return".*?</section>', html, re.DOTALL).group(0)
    assert "第二版摘要。" in since and "第二版摘要，含迁入迁出记录。" in since
    published = re.search(r'id="diff".*?</section>', html, re.DOTALL).group(0)
    assert valid_values()["summary"] in published and "第二版摘要，含迁入迁出记录。" in published


# ---- 3. the authority sees the department's decision ---------------------------------------------------------

def test_authority_sees_the_department_reviewers_decision(client, resubmitted, people):
    step(review.approve, review.pending_review(resubmitted), user=people["reviewer"], comment="修改后同意。")
    login(client, people["authority"])
    html = page(client, f"/review/{review.pending_review(resubmitted).id}")
    decision = text_of(html, "department-decision")
    assert "通过" in decision and "修改后同意。" in decision and people["reviewer"].display_name in decision
    assert DEPARTMENT_COMMENT not in decision  # the latest department decision, not the one before the return


def test_department_review_page_has_no_department_decision(client, resubmitted, people):
    login(client, people["reviewer"])
    assert 'id="department-decision"' not in page(client, f"/review/{review.pending_review(resubmitted).id}")


def test_approval_comment_from_the_page_reaches_the_authority(app, client, resubmitted, people):
    login(client, people["reviewer"])
    pending = review.pending_review(resubmitted)
    html = page(client, f"/review/{pending.id}")
    done = client.post(f"/review/{pending.id}/approve", data={"csrf_token": token(html), "comment": "信息项齐全。"})
    assert done.status_code == 302
    client = signed_in(app, people["authority"])
    assert "信息项齐全。" in text_of(page(client, f"/review/{review.pending_review(resubmitted).id}"),
                                     "department-decision")


# ---- 4. decision buttons after the content ------------------------------------------------------------------

def test_decision_buttons_come_after_the_metadata_and_the_diffs(client, resubmitted, people):
    login(client, people["reviewer"])
    html = page(client, f"/review/{review.pending_review(resubmitted).id}")
    main = html[html.index("<main"):]
    content_end = max(main.index('id="data-items"'), main.index('id="since-return"'), main.index('id="trail"'))
    for button in ("通过，转主管部门审核", "退回修改", 'name="comment"'):
        assert main.index(button) > content_end, button
    assert main.index('id="decision"') > content_end


# ---- 5. reviewer pages --------------------------------------------------------------------------------------

def test_department_reviewer_queue_offers_no_department_filter(app, client, resubmitted, people):
    login(client, people["reviewer"])
    html = page(client, "/review/")
    assert "户籍人口基本信息" in html
    assert 'name="department"' not in html and "全部部门" not in html
    client = signed_in(app, people["authority"])
    authority = page(client, "/review/")
    assert 'name="department"' in authority
    assert len(re.findall(r'<option value="\d+"', authority.split('id="q-department"')[1].split("</select>")[0])) > 10


def test_bulk_column_only_when_more_than_one_review_can_be_approved_at_once(client, make_entry, people):
    plain = {"sharing_type": "unconditional", "sharing_condition": "", "sensitivity": []}
    first = make_entry(publish=False, user=people["editor"], **plain)
    step(catalog.submit, [first], user=people["editor"])
    login(client, people["reviewer"])
    html = page(client, "/review/")
    assert "户籍人口基本信息" in html and "批量" not in html and 'name="review"' not in html
    second = make_entry(publish=False, user=people["editor"], **{**plain, "name": "户籍迁移登记信息"})
    step(catalog.submit, [second], user=people["editor"])
    html = page(client, "/review/")
    assert ">批量</th>" in html and len(re.findall(r'name="review"', html)) == 2 and "批量通过所选" in html


def test_legal_references_are_written_as_officials_write_them(client, resubmitted, people):
    assert [chinese_numeral(n) for n in (1, 10, 15, 20, 23, 34, 100, 105, 110)] == [
        "一", "十", "十五", "二十", "二十三", "三十四", "一百", "一百零五", "一百一十"]
    assert basis("郑州", 15) == ZHENGZHOU_15 == basis("Zhengzhou", 15)
    assert official("须由主管部门确认（郑州 §15）") == f"须由主管部门确认（{ZHENGZHOU_15}）"
    assert official("Baoji §15(一)") == "依据《宝鸡市政务信息资源共享管理暂行办法》第十五条第（一）项"
    # a reason stored in the short form (as rows from before were) reads in full on the queue and the page
    pending = review.pending_review(resubmitted)
    with transaction():
        db.session.execute(update(Review).where(Review.id == pending.id).values(
            reasons=["有条件共享：须由主管部门确认共享条件（郑州 §15）"]))
    db.session.expire_all()
    login(client, people["reviewer"])
    for html in (page(client, "/review/"), page(client, f"/review/{pending.id}")):
        assert f"有条件共享：须由主管部门确认共享条件（{ZHENGZHOU_15}）" in html
        assert "§" not in html
    # the workflow declarations' bases come from the same mapping
    assert catalog.VERSION.transition("approve_authority").basis.startswith(ZHENGZHOU_15)


def test_authority_confirmation_cites_the_regulation_in_full(client, resubmitted, people):
    step(review.approve, review.pending_review(resubmitted), user=people["reviewer"])
    login(client, people["authority"])
    html = page(client, f"/review/{review.pending_review(resubmitted).id}")
    assert f"其共享条件适当（{ZHENGZHOU_15}）" in html and "§" not in html


def test_flash_messages_name_the_entry(app, client, resubmitted, people):
    name, code = "户籍人口基本信息", resubmitted.resource_code
    login(client, people["reviewer"])
    pending = review.pending_review(resubmitted)
    html = page(client, f"/review/{pending.id}")
    approved = client.post(f"/review/{pending.id}/approve", data={"csrf_token": token(html)}, follow_redirects=True)
    assert f"已通过：{name}（{code}），已转主管部门审核" in approved.get_data(as_text=True)
    client = signed_in(app, people["authority"])
    pending = review.pending_review(resubmitted)
    html = page(client, f"/review/{pending.id}")
    returned = client.post(f"/review/{pending.id}/return", data={"csrf_token": token(html), "comment": "再核对。"},
                           follow_redirects=True)
    assert f"已退回：{name}（{code}）" in returned.get_data(as_text=True)
    client = signed_in(app, people["editor"])
    html = page(client, f"/manage/entries/{resubmitted.id}")
    submitted = client.post(f"/review/entries/{resubmitted.id}/submit", data={"csrf_token": token(html)},
                            follow_redirects=True)
    assert f"已提交部门审核：{name}（{code}）" in submitted.get_data(as_text=True)
    withdrawn = client.post(f"/review/entries/{resubmitted.id}/withdraw", data={"csrf_token": token(html)},
                            follow_redirects=True)
    assert f"已撤回：{name}（{code}）" in withdrawn.get_data(as_text=True)
