"""`flask --app wsgi catalog harvest SOURCE_URL`: registers or finds the source, runs it now, prints the report."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.harvest import HarvestRun, HarvestSource


def test_the_command_registers_the_source_runs_it_and_prints_the_report(app, ckan, harvest_settings):
    ckan.add("bus-lines", "公交线路信息", "2026-03-01T08:00:00")
    ckan.add("bus-stops", "公交站点信息", "2026-03-01T09:00:00")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "harvest", ckan.url + "/", "--name", "某市开放数据平台"])
    assert result.exit_code == 0, result.output
    assert "已登记对接来源“某市开放数据平台”" in result.output
    assert "全量对接完成（某市开放数据平台）：新增 2、更新 0、撤销 0、未变 0、问题 0" in result.output
    source = db.session.scalar(select(HarvestSource))
    assert (source.url, source.schedule, source.created_by_id) == (ckan.url, "manual", None)

    del ckan.packages["bus-stops"]
    result = runner.invoke(args=["catalog", "harvest", ckan.url])
    assert result.exit_code == 0, result.output
    assert "已登记" not in result.output
    assert "增量对接完成（某市开放数据平台）：新增 0、更新 0、撤销 1、未变 0、问题 0" in result.output
    result = runner.invoke(args=["catalog", "harvest", ckan.url, "--full", "--token", "t-123"])
    assert "全量对接完成" in result.output and db.session.get(HarvestSource, source.id).api_token == "t-123"
    assert [r.trigger for r in db.session.scalars(select(HarvestRun))] == ["command"] * 3


def test_a_failed_run_exits_non_zero_with_the_reason(app, ckan):
    url = ckan.url
    ckan.stop()
    result = app.test_cli_runner().invoke(args=["catalog", "harvest", url])
    assert result.exit_code == 1
    assert "全量对接失败" in result.output and f"错误：无法连接来源 {url}" in result.output


def test_a_bad_address_is_refused_naming_the_argument(app):
    result = app.test_cli_runner().invoke(args=["catalog", "harvest", "data.example.gov.cn"])
    assert result.exit_code == 1
    assert "「来源地址 SOURCE_URL」须以 http:// 或 https:// 开头" in result.output
    assert db.session.scalar(select(HarvestSource)) is None
