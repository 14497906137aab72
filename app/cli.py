"""`flask --app wsgi catalog …` commands. Each command is one edge: it commits once or changes nothing."""
from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup
from flask_migrate import upgrade

from app.core.db import transaction
from app.core.errors import DomainError, InvalidInput

catalog_cli = AppGroup("catalog", help="政务信息资源目录管理命令 (catalog administration).")


def _fail(error: DomainError) -> None:
    click.echo(f"错误：{error.message}", err=True)
    for problem in getattr(error, "problems", []):
        click.echo(f"  - {problem.message}", err=True)
    sys.exit(1)


@catalog_cli.command("init-db")
def init_db():
    """Create or upgrade the database schema (Alembic migrations)."""
    upgrade()
    click.echo("数据库已是最新结构。")


@catalog_cli.command("load-classification")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def load_classification_command(file):
    """Load the classification tree from a CSV (code,name,parent_code)."""
    from app.catalog import load_classification
    try:
        with transaction():
            result = load_classification(file)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"分类树导入完成：共 {result['total']} 个节点，新增 {result['added']}，更新 {result['updated']}。")


@catalog_cli.command("load-topics")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def load_topics_command(file):
    """Load the topic vocabulary 主题分类 from a CSV (name, optionally code and parent_code): nodes of the
    classification's topic class; rows without a code get the next free code under their parent."""
    from app.catalog import load_topics
    try:
        with transaction():
            result = load_topics(file)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"主题分类导入完成：共 {result['total']} 个节点，新增 {result['added']}，更新 {result['updated']}。")
    if result["assigned"]:
        click.echo("按名称分配的代码：" + "、".join(f"{name} {code}" for name, code in result["assigned"]))


@catalog_cli.command("load-regions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def load_regions_command(file):
    """Load the regions 行政区划 (province, cities, districts) from a CSV (code,name,level,parent_code,category_code)."""
    from app.org import load_regions
    try:
        with transaction():
            result = load_regions(file)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"行政区划导入完成：共 {result['total']} 个，新增 {result['added']}，更新 {result['updated']}。")


@catalog_cli.command("load-departments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def load_departments_command(file):
    """Load departments from a CSV (code,name,short_name,aliases,credit_code,region_level,parent_code[,region_code])."""
    from app.org import load_departments
    try:
        with transaction():
            result = load_departments(file)
    except InvalidInput as error:
        _fail(error)
    click.echo(f"部门导入完成：共 {result['total']} 个，新增 {result['added']}。")
    if result["credit_code_missing"]:
        click.echo(f"其中 {result['credit_code_missing']} 个部门的统一社会信用代码待补充"
                   "（系统管理 → 统一社会信用代码待补充，/admin/departments/credit-codes）。")


@catalog_cli.command("demo")
@click.option("--entries", default=800, show_default=True, type=click.IntRange(1, 1_000_000),
              help="number of published entries to generate")
@click.option("--seed", default=None, type=int, help="random seed (the default gives the documented demo)")
@click.option("--force", is_flag=True, help="add entries even when the catalog is not empty")
def demo(entries, seed, force):
    """Load the demo city 示例市 (departments, classification, users) and a demo catalog, if the database is empty."""
    from app import demo as demo_data
    if not demo_data.is_empty() and not force:
        click.echo("目录中已有信息资源，跳过演示数据（使用 --force 追加）。")
        from app import indexing
        if not indexing.health()["in_step"]:  # e.g. a new version changed the index's layout, which clears it
            click.echo("检索索引与数据库不一致，正在重建……")
            _reindex()
        return
    started = time.perf_counter()
    try:
        demo_data.load_reference_data()
        with click.progressbar(length=entries, label="生成演示目录") as bar:
            stats = demo_data.generate(entries, seed=seed or demo_data.DEFAULT_SEED, progress=bar.update)
        demo_data.generate_deadlines()
        demo_data.generate_requests()
    except DomainError as error:
        _fail(error)
    _reindex()
    elapsed = time.perf_counter() - started
    click.echo(f"演示目录已生成：发布 {stats['published']} 条（其中修订中 {stats['revised']}，停用 {stats['retired']}），"
               f"用时 {elapsed:.1f} 秒。")
    click.echo(f"演示账号（密码均为 {demo_data.DEMO_PASSWORD}）："
               + "、".join(u[0] for u in demo_data.DEMO_USERS))


@catalog_cli.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="display name (姓名)")
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice(
    ["editor", "department_reviewer", "authority_reviewer", "seeker", "admin"]),
    help="a role; repeat for several (e.g. --role editor --role department_reviewer)")
@click.option("--department", "department_code", required=True, help="department code (部门代码)")
@click.password_option(help="password (asked when omitted)")
def create_user_command(username, display_name, roles, department_code, password):
    """Create a user in one department with one or more roles."""
    from app.accounts import create_user
    try:
        with transaction():
            user = create_user(username=username, display_name=display_name, roles=list(roles),
                               department_code=department_code, password=password)
            click.echo(f"已创建用户 {user.username}（{user.roles_label}，{user.department.name}）。")
    except InvalidInput as error:
        _fail(error)


def _reindex() -> int:
    from app import indexing
    total = indexing.published_count()
    with click.progressbar(length=total, label="重建检索索引") as bar:
        return indexing.reindex(progress=bar.update)


@catalog_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the database (searches keep working on the old index meanwhile)."""
    started = time.perf_counter()
    written = _reindex()
    click.echo(f"检索索引已重建：{written} 条，用时 {time.perf_counter() - started:.1f} 秒。")


@catalog_cli.command("search-health")
def search_health_command():
    """Compare the search index with the database and show the outbox backlog; exit status 1 on drift."""
    from app import indexing
    report = indexing.health()
    harvested = sum(report.get("provided", {}).values())  # documents of harvested records (目录对接)
    click.echo(f"索引文档 {report['documents']}，数据库已发布 {report['published']}"
               + (f"，汇聚条目 {harvested}" if harvested else "") + f"，待索引 {report['pending']}。")
    _print_backlog(report["backlog"])
    if not report["in_step"]:
        click.echo("索引与数据库不一致：请运行 flask --app wsgi catalog reindex", err=True)
        sys.exit(1)


def _print_backlog(backlog: list[dict]) -> None:
    if not backlog:
        click.echo("发件箱（outbox）为空：所有提交后的处理均已完成。")
        return
    click.echo("发件箱（outbox）待处理：")
    for row in backlog:
        line = f"  {row['topic']}：{row['count']} 条，最早写入于 {row['oldest']:%Y-%m-%d %H:%M:%S} UTC"
        if row["failing"]:
            line += f"，其中 {row['failing']} 条处理失败待重试（最近错误：{(row['last_error'] or '')[:200]}）"
        click.echo(line)


@catalog_cli.command("outbox")
@click.option("--drain", is_flag=True, help="handle every ready message now, then show what is left")
def outbox_command(drain):
    """Show the outbox backlog (after-commit work waiting or failing), optionally handling it now."""
    from app import outbox
    if drain:
        result = outbox.drain()
        click.echo(f"已处理 {result.handled} 条，失败 {result.failed} 条，等待 {result.waiting} 条。")
    _print_backlog(outbox.backlog())


@catalog_cli.command("workflows-doc")
@click.argument("file", type=click.Path(dir_okay=False, writable=True), default="docs/workflows.md")
def workflows_doc_command(file):
    """Write docs/workflows.md (diagrams and transition tables) from the workflow declarations."""
    from app.admin import workflows_markdown
    with open(file, "w", encoding="utf-8") as handle:
        handle.write(workflows_markdown())
    click.echo(f"流程说明已写入 {file}")


@catalog_cli.command("template")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def template_command(file):
    """Write the Excel import template (entries, data items, code lists, instructions)."""
    from app import imports
    imports.write_template(file)
    click.echo(f"导入模板已写入 {file}")


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="check the file and report, write nothing")
@click.option("--user", "username", default="admin", show_default=True, help="act as this user (permissions apply)")
@click.option("--publish-reason", default=None, help="admins: publish directly instead of submitting for review")
@click.option("--max-mb", type=click.IntRange(1, 2000), default=None,
              help="accept a file larger than the upload limit (CATALOG_IMPORT_MAX_BYTES), e.g. a whole-catalog export")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="when the file has problems, write a copy with the problem cells marked and commented (as the "
                   "import page offers) to this .xlsx")
def import_command(file, dry_run, username, publish_reason, max_mb, report_file):
    """Import entries from an .xlsx: all rows or none. Exit status 1 when the file has problems."""
    from app import imports
    from app.accounts import User
    from app.extensions import db

    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        click.echo(f"错误：用户“{username}”不存在", err=True)
        sys.exit(2)
    try:
        max_bytes = max_mb * 1024 * 1024 if max_mb else None
        if dry_run:
            report, _plan = imports.check(file, user=user, max_bytes=max_bytes, publish=publish_reason is not None)
            counts = None
        else:
            report, counts = imports.import_file(file, user=user, publish_reason=publish_reason, max_bytes=max_bytes)
    except DomainError as error:
        _fail(error)
    if report.rejected:
        click.echo(f"错误：{report.rejected}", err=True)
        sys.exit(1)
    click.echo(report.summary)
    if report.problems:
        click.echo(f"发现 {len(report.problems)} 处问题，未导入：", err=True)
        for problem in report.problems:
            click.echo(f"  - {problem.line}", err=True)
        if report_file and imports.write_report(file, report, report_file):
            click.echo(f"已写出标注了问题单元格的工作簿：{report_file}", err=True)
        sys.exit(1)
    if report_file:
        click.echo(f"未发现问题，未写出标注工作簿 {report_file}。")
    if counts is not None:
        click.echo(f"已导入：新增 {counts.get('created', 0)}，修改 {counts.get('updated', 0)}"
                   + ("，已直接发布。" if publish_reason else "，已提交审核。"))
    else:
        click.echo("校验通过（试运行，未写入）。")


@catalog_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--query", "query_string", default="", help="a search as on /search, e.g. 'q=户籍&sharing_type=conditional'")
def export_command(file, query_string):
    """Export published entries (all, or a search's results) in the import template's layout."""
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    from app import imports
    from app.portal import matching_ids, parse_search
    try:
        plain, filters = parse_search(MultiDict(parse_qsl(query_string)))
    except DomainError as error:
        _fail(error)
    ids = matching_ids(plain, filters, public_only=False)
    imports.export(file, ids)
    click.echo(f"已导出 {len(ids)} 条到 {file}")


@catalog_cli.command("sweep-deadlines")
@click.option("--today", "day", default=None, help="take this day (YYYY-MM-DD) as today")
def sweep_deadlines_command(day):
    """Send the reminders and overdue notices due today (what the worker does every hour), and flag entries
    whose expected update has passed."""
    from flask import current_app

    from app.changes import run_sweep

    if day:
        current_app.config["TODAY"] = day
    result = run_sweep()
    click.echo(f"提醒 {result.reminders} 条，逾期通知 {result.overdue} 条，新标记逾期未更新的信息资源 {result.entries_flagged} 条。")


@catalog_cli.command("harvest")
@click.argument("source_url")
@click.option("--name", default=None, help="name of the source when it is new (来源名称), e.g. 金水区政务信息资源目录")
@click.option("--full", is_flag=True, help="read the source's whole catalog, not only what changed since the last run")
@click.option("--token", default=None, help="an API token of the source, to read its government catalog (stored "
                                            "with the source: a secret)")
def harvest_command(source_url, name, full, token):
    """Harvest another registry's catalog (ours or any CKAN) once, now (目录对接): the source at SOURCE_URL is found,
    or registered (manual schedule). Prints the run report; exit status 1 when the run failed."""
    from app import harvest

    try:
        with transaction():
            source, created = harvest.source_for_url(source_url, name=name, token=token)
            source_id, source_name, url = source.id, source.name, source.url
    except InvalidInput as error:
        _fail(error)
    if created:
        click.echo(f"已登记对接来源“{source_name}”（{url}，仅手动对接；定时对接可在“系统管理 › 目录对接”中设置）。")
    run = harvest.run_source(source_id, full=full, trigger="command")
    if run is None:
        click.echo(f"错误：“{source_name}”正在对接中（另一进程），请稍后再试", err=True)
        sys.exit(1)
    kind = "全量" if run.full else "增量"
    click.echo(f"{kind}对接{'完成' if run.state == harvest.RunState.succeeded else '失败'}（{source_name}）："
               f"{run.summary()}")
    for problem in run.problems:
        click.echo(f"  - {problem['package'] + '：' if problem.get('package') else ''}{problem['message']}")
    if run.state != harvest.RunState.succeeded:
        click.echo(f"错误：{run.error}", err=True)
        sys.exit(1)


@catalog_cli.command("worker")
@click.option("--workers", default=1, show_default=True, help="worker threads")
def worker_command(workers):
    """Run the background worker until interrupted: the job queue (Excel imports) and the outbox drain loop
    (search indexing, job starts, and whatever else waits to happen after a commit)."""
    import threading

    from flask import current_app

    from app import outbox
    from app.imports import job_queue as queue
    from app.imports import reap_stale_jobs

    app = current_app._get_current_object()
    stop = threading.Event()
    drainer = threading.Thread(target=outbox.run_forever, args=(app, stop, [reap_stale_jobs]), name="outbox",
                               daemon=True)
    drainer.start()
    consumer = queue().create_consumer(workers=workers, worker_type="thread")
    click.echo(f"后台任务处理进程已启动（{workers} 个线程，发件箱每 {app.config['OUTBOX_POLL_SECONDS']} 秒检查一次）。")
    try:
        consumer.run()
    finally:
        stop.set()
        drainer.join(timeout=10)
