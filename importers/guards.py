"""Checks on an uploaded file BEFORE any parsing, each refusing with a precise Chinese message.

`check_file(path, limits)` raises `WorkbookRejected` for: an empty or too large file; a file that is not a
ZIP at all (random bytes, a CSV or text file, an HTML page saved as .xls); an old Excel 97-2003 `.xls` or a
password-protected workbook (both are OLE2 compound files, whatever their extension); an OpenDocument or a
binary `.xlsb` workbook; a ZIP without an Excel workbook in it; a zip bomb (the declared uncompressed sizes
add up to more than `limits.max_uncompressed`, or one sizeable member is compressed more than
`limits.max_ratio` times); encrypted ZIP members; a sheet whose declared dimension has too many rows or
columns. The reader enforces the row and column limits again while streaming, for files without a
dimension record or with a false one.

Macros: an `.xlsm` (a workbook with `xl/vbaProject.bin`) is accepted and its macros are ignored — openpyxl
never executes VBA, it does not even load it (`keep_vba` stays False), and the annotated copy is saved
without it. Neither are external links followed (`keep_links=False`).

Text encodings are no concern inside an .xlsx: its parts are XML, so text is Unicode; characters XML
cannot carry make the sheet unparsable, which the reader reports as a problem of that sheet, and odd but
legal characters are checked per cell (see `values.check_text`).
"""
from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from openpyxl.utils.cell import range_boundaries

from .problems import WorkbookRejected

MB = 1024 * 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Za-z0-9:$]+)\"")
_SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s/>]")
_HEAD_BYTES = 64 * 1024

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Limits:
    """What an upload may be. The defaults suit a city catalog: 20 MB, 200,000 rows, 200 columns."""

    max_bytes: int = 20 * MB
    max_uncompressed: int = 200 * MB
    max_ratio: float = 100.0
    #: members smaller than this are not ratio-checked (a 200 KB XML part may compress 150 times, harmlessly)
    ratio_floor: int = 1 * MB
    max_rows: int = 200_000
    max_columns: int = 200
    max_members: int = 10_000


@dataclass
class FileCheck:
    """What the checks learnt: each sheet's declared (rows, columns), its part in the ZIP, and whether VBA
    macros are present."""

    sheets: dict[str, tuple[int, int]] = field(default_factory=dict)
    parts: dict[str, str] = field(default_factory=dict)
    has_macros: bool = False


def check_file(path: str | os.PathLike, limits: Limits | None = None) -> FileCheck:
    """Refuse, with a `WorkbookRejected`, any file the reader should not open; else what was learnt."""
    limits = limits or Limits()
    size = _check_size(path, limits)
    with open(path, "rb") as f:
        head = f.read(_HEAD_BYTES)
    if head.startswith(OLE2_MAGIC):
        raise _ole2_rejection(path)
    if not head.startswith(ZIP_MAGICS):
        raise _not_zip_rejection(head)
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, limits, size)
    except zipfile.BadZipFile as error:
        raise WorkbookRejected("文件不是有效的 .xlsx 工作簿：压缩包结构已损坏，请在 Excel/WPS 中重新保存",
                               f"the file is not a valid .xlsx workbook: damaged ZIP ({error})") from None


def _check_size(path, limits: Limits) -> int:
    size = os.path.getsize(path)
    if size == 0:
        raise WorkbookRejected("文件为空（0 字节），请重新选择要导入的 .xlsx 工作簿", "the file is empty")
    if size > limits.max_bytes:
        raise WorkbookRejected(
            f"文件大小 {size / MB:.1f} MB，超过上限 {limits.max_bytes / MB:g} MB，请分成多个文件导入",
            f"the file is {size / MB:.1f} MB, more than the limit of {limits.max_bytes / MB:g} MB")
    return size


def _ole2_rejection(path) -> WorkbookRejected:
    """An OLE2 compound file: an old .xls, or an .xlsx protected with a password (Excel encrypts it into OLE2)."""
    with open(path, "rb") as f:
        data = f.read()
    if ENCRYPTED_MARK in data:
        return WorkbookRejected(
            "工作簿设置了打开密码（已加密），无法读取：请在 Excel/WPS 中取消密码后另存为 .xlsx 再导入",
            "the workbook is password-protected (encrypted); remove the password and save it as .xlsx")
    return WorkbookRejected(
        "文件是旧版 Excel 97-2003 工作簿（.xls 格式，即使扩展名为 .xlsx）：请在 Excel/WPS 中打开，"
        "“另存为” Excel 工作簿（*.xlsx）后再导入",
        "the file is an old Excel 97-2003 .xls workbook (whatever its extension); save it as .xlsx")


def _not_zip_rejection(head: bytes) -> WorkbookRejected:
    """Not a ZIP: say whether it is a text (CSV) file, a web page, or just not a workbook."""
    text = _as_text(head)
    if text is not None:
        lowered = text.lstrip("\ufeff \r\n\t").lower()
        if lowered.startswith(("<html", "<!doctype", "<table", "<?xml", "<meta")):
            return WorkbookRejected(
                "文件是网页（HTML/XML）格式而不是 .xlsx 工作簿（一些系统导出的“.xls”实为网页）：请在 Excel/WPS 中打开，"
                "“另存为” Excel 工作簿（*.xlsx）后再导入",
                "the file is an HTML/XML page, not an .xlsx workbook; open it in Excel/WPS and save it as .xlsx")
        return WorkbookRejected(
            "文件是文本文件（如 CSV）而不是 .xlsx 工作簿：请在 Excel 或 WPS 中打开，“另存为” Excel 工作簿（*.xlsx）后再导入",
            "the file is a text (CSV) file, not an .xlsx workbook; open it in Excel or WPS and save it as .xlsx")
    return WorkbookRejected("文件不是有效的 .xlsx 工作簿，请选择用 Excel 或 WPS 保存的 .xlsx 文件",
                            "the file is not a valid .xlsx workbook")


def _as_text(head: bytes) -> str | None:
    """The start of the file as text, if it reads as UTF-8/UTF-16/GB18030 text without binary bytes."""
    if not head:
        return None
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head.decode(encoding, errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:      # not merely a character cut at the end of the sample
                continue
            text = head[:error.start].decode(encoding)
        if all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text):
            return text
    return None


# ---- inside the ZIP -------------------------------------------------------------------------------

def _check_archive(archive: zipfile.ZipFile, limits: Limits, size: int) -> FileCheck:
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise WorkbookRejected(f"压缩包内有 {len(members)} 个文件，超过上限 {limits.max_members} 个，不是正常的工作簿",
                               f"the archive holds {len(members)} members, more than {limits.max_members}")
    _check_bomb(members, limits)
    names = {m.filename for m in members}
    _check_kind(archive, names)
    check = FileCheck(has_macros=any(n.lower().endswith("vbaproject.bin") for n in names))
    for sheet, part in _sheet_parts(archive, names):
        check.parts[sheet] = part
        dims = _declared_dimension(archive, part)
        if dims is None:
            continue
        rows, cols = dims
        check.sheets[sheet] = dims
        check_sheet_size(sheet, rows, cols, limits)
    return check


def _check_bomb(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    encrypted = [m.filename for m in members if m.flag_bits & 0x1]
    if encrypted:
        raise WorkbookRejected("压缩包中的文件已加密，无法读取：请取消密码后另存为 .xlsx",
                               f"encrypted archive members: {', '.join(encrypted[:3])}")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise WorkbookRejected(
            f"文件解压后共 {total / MB:.0f} MB，超过上限 {limits.max_uncompressed / MB:g} MB（疑似“压缩炸弹”），已拒绝导入",
            f"the archive expands to {total / MB:.0f} MB, more than {limits.max_uncompressed / MB:g} MB (zip bomb?)")
    for m in members:
        if m.file_size >= limits.ratio_floor and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise WorkbookRejected(
                f"压缩包中的“{m.filename}”压缩比达 {ratio:.0f} 倍，超过上限 {limits.max_ratio:g} 倍（疑似“压缩炸弹”），已拒绝导入",
                f"member {m.filename} is compressed {ratio:.0f} times, more than {limits.max_ratio:g} (zip bomb?)")


def _check_kind(archive: zipfile.ZipFile, names: set[str]) -> None:
    """The ZIP must hold an SpreadsheetML workbook (not an .ods, an .xlsb, a .docx or any other ZIP)."""
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:100]
        if b"opendocument.spreadsheet" in mimetype:
            raise WorkbookRejected(
                "文件是 OpenDocument 表格（.ods）：请在 WPS/LibreOffice 中“另存为” Excel 工作簿（*.xlsx）后再导入",
                "the file is an OpenDocument spreadsheet (.ods); save it as .xlsx")
    if any(n.lower().endswith(".bin") and n.lower().startswith("xl/worksheets/") for n in names):
        raise WorkbookRejected("文件是 Excel 二进制工作簿（.xlsb）：请“另存为” Excel 工作簿（*.xlsx）后再导入",
                               "the file is a binary .xlsb workbook; save it as .xlsx")
    if "[Content_Types].xml" not in names or _workbook_part(archive, names) is None:
        raise WorkbookRejected("文件不是有效的 .xlsx 工作簿：压缩包中没有 Excel 工作簿（可能是 Word 文档或其他压缩包）",
                               "the file is not a valid .xlsx workbook: the archive holds no Excel workbook")


def _workbook_part(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    """The workbook part, from the package relationships (usually ``xl/workbook.xml``)."""
    if "_rels/.rels" in names:
        try:
            rels = ElementTree.fromstring(archive.read("_rels/.rels"))
        except ElementTree.ParseError:
            rels = None
        for rel in rels if rels is not None else ():
            if rel.get("Type", "").endswith("/officeDocument"):
                target = rel.get("Target", "").lstrip("/")
                return target if target in names else None
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(sheet name, worksheet part) for every worksheet the workbook lists; [] when that cannot be worked out."""
    workbook = _workbook_part(archive, names)
    base = workbook.rsplit("/", 1)[0] + "/" if workbook and "/" in workbook else ""
    rels_name = f"{base}_rels/{workbook.rsplit('/', 1)[-1]}.rels" if workbook else ""
    if not workbook or rels_name not in names:
        return []
    try:
        book = ElementTree.fromstring(archive.read(workbook))
        rels = ElementTree.fromstring(archive.read(rels_name))
    except ElementTree.ParseError:
        return []   # the reader reports the damage with the sheet's name
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{NS_PKG_REL}}}Relationship")}
    out = []
    for sheet in book.iter(f"{{{NS_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{NS_REL}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else base + target
        if part in names:
            out.append((sheet.get("name", ""), part))
    return out


def _declared_dimension(archive: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """(rows, columns) from the sheet's ``<dimension ref="A1:K20"/>``, read from the start of the part only."""
    with archive.open(part) as stream:
        head = stream.read(_HEAD_BYTES)
    data_at = _SHEET_DATA.search(head)
    match = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
    if not match:
        return None
    ref = match.group(1).decode("ascii").replace("$", "")
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref if ":" in ref else f"{ref}:{ref}")
    except (ValueError, TypeError):
        return None
    return (max_row or 0), (max_col or 0)


def check_sheet_size(sheet: str, rows: int, columns: int, limits: Limits) -> None:
    """Refuse a sheet with more rows or columns than the limits (also used while streaming)."""
    if rows > limits.max_rows:
        raise WorkbookRejected(
            f"工作表「{sheet}」有 {rows} 行，超过上限 {limits.max_rows} 行，请分成多个文件导入",
            f"sheet {sheet} has {rows} rows, more than the limit of {limits.max_rows}", sheet=sheet)
    if columns > limits.max_columns:
        raise WorkbookRejected(
            f"工作表「{sheet}」有 {columns} 列，超过上限 {limits.max_columns} 列，请删除多余的列后再导入",
            f"sheet {sheet} has {columns} columns, more than the limit of {limits.max_columns}", sheet=sheet)
