"""``bot kb draft``: a source's passages as ready-to-fill rows of the 条目 sheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.cli import main
from bot.config import MatchingSettings
from bot.drafts import suggest_keywords
from bot.loader import load_knowledge
from bot.service import KnowledgeService
from bot.storage import QueryRecord, Store
from bot.workbook import ENTRIES
from tests.documents import notice_docx

TITLE = "襄垣县关于提高高龄老人津贴标准的通知"
ALLOWANCE = (
    "为进一步关爱高龄老年人，经县政府研究决定，全县80周岁以上老年人高龄津贴"
    "由每人每月50元提高到每人每月80元，由乡镇民政办按季度发放到社会保障卡。"
)
LONGEVITY = "百岁老人每人每月另发长寿补贴300元，由县财政全额保障，确保按时足额发放到位。"
APPLYING = "申请高龄津贴的老年人须持本人身份证、户口簿到户籍所在村（社区）提出申请。"
SOURCE_ID = "xy-elderly-allowance"


@pytest.fixture
def kb_with_notice(kb_dir: Path, tmp_path: Path) -> Path:
    document = notice_docx(tmp_path / "通知.docx", [TITLE, ALLOWANCE, LONGEVITY, APPLYING])
    command = ["kb", "add-source", str(document), "--knowledge", str(kb_dir), "--id", SOURCE_ID]
    command += ["--region", "襄垣县"]
    assert main([*command, "--title", TITLE, "--publisher", "襄垣县民政局", "--date", "2025"]) == 0
    return kb_dir


def log(store: Store, question: str, answered: bool, top_entry: str | None = None) -> None:
    store.record_query(
        QueryRecord(
            user_id=7,
            chat_type="private",
            question=question,
            answered=answered,
            top_entry=top_entry,
            top_category="",
            score=9.0 if answered else None,
            latency_ms=1.0,
        )
    )


def sheet_rows(path: Path) -> list[dict[str, str]]:
    """The drafted rows: the shaded ones after the knowledge's own entries."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[ENTRIES.name]
    header, *rows = sheet.iter_rows(values_only=True)
    assert list(header) == ENTRIES.headers()
    shaded = [
        {k: v or "" for k, v in zip(header, row, strict=True)}
        for number, row in enumerate(rows, 2)
        if sheet.cell(number, 1).fill.fgColor.rgb.endswith("FFF2CC")
    ]
    # The drafted rows come last, after every entry of the knowledge.
    assert [tuple(r.values()) for r in shaded] == [
        tuple(v or "" for v in r) for r in rows[-len(shaded) :]
    ]
    return shaded


def test_passages_that_answered_questions_come_first_ready_to_fill(
    kb_with_notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.db"
    store = Store(db, salt="s")
    log(store, "百岁老人长寿补贴每月多少", True, f"{SOURCE_ID}#2")
    log(store, "百岁老人长寿补贴每月多少", True, f"{SOURCE_ID}#2")
    log(store, "长寿补贴谁出钱", True, f"{SOURCE_ID}#2")
    log(store, "幸福食堂在哪", True, "elderly-canteens")  # another source's entry
    # Asked before the notice was added, unanswered then; the notice answers it now.
    log(store, "高龄津贴申请要带身份证户口簿吗", False)
    store.close()
    out = tmp_path / "草稿.xlsx"
    command = ["kb", "draft", SOURCE_ID, "--knowledge", str(kb_with_notice), "--db", str(db)]
    assert main([*command, "--out", str(out)]) == 0
    assert f"已写入 {out}：条目表最后的 3 行（黄色）是起草的，其中 2 段回答过提问" in (
        capsys.readouterr().out
    )

    rows = sheet_rows(out)
    assert [row["摘录"] for row in rows] == [LONGEVITY, APPLYING, ALLOWANCE]
    first, second, third = rows
    assert first["编号"] == f"{SOURCE_ID}-2" and first["标题"] == "" and first["类别"] == ""
    assert first["来源"] == SOURCE_ID and first["地区"] == "襄垣县"
    assert first["示例问题"].split("\n") == ["百岁老人长寿补贴每月多少", "长寿补贴谁出钱"]
    assert first["备注"].startswith(f"原文段落 {SOURCE_ID}#2，回答过 3 个提问")
    assert second["示例问题"] == "高龄津贴申请要带身份证户口簿吗"
    assert third["示例问题"] == "" and "还没有条目引用它" in third["备注"]
    article = next((kb_with_notice / "articles").glob("000_*.txt")).read_text(encoding="utf-8")
    for row in rows:
        assert row["摘录"] in article  # verbatim
        keywords = row["关键词"].split("\n")
        assert 1 <= len(keywords) <= 4
        assert all(keyword in row["摘录"] for keyword in keywords)
    # The residents' own words among the passage's specific ones come first.
    assert first["关键词"].split("\n")[:3] == ["百岁老人", "长寿", "补贴"]


def test_suggested_keywords_are_specific_words_not_regions_numbers_or_parts(
    kb_with_notice: Path,
) -> None:
    service = KnowledgeService(kb_with_notice, MatchingSettings())
    number = service.index.entry_numbers[f"{SOURCE_ID}#1"]
    keywords = suggest_keywords(service.index, number)
    assert "高龄津贴" in keywords or "高龄" in keywords
    assert not {"襄垣县", "襄垣", "80", "50元"} & set(keywords)
    assert not [a for a in keywords for b in keywords if a != b and a in b]


def test_without_a_database_every_uncovered_passage_is_listed(
    kb_with_notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "draft.xlsx"
    command = ["kb", "draft", SOURCE_ID, "--knowledge", str(kb_with_notice)]
    assert main([*command, "--db", str(tmp_path / "none.db"), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "没有找到提问记录" in captured.err and "3 行（黄色）是起草的，其中 0 段" in captured.out
    assert [row["摘录"] for row in sheet_rows(out)] == [ALLOWANCE, LONGEVITY, APPLYING]


def test_unknown_or_fully_covered_sources(
    kb_with_notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["kb", "draft", "--knowledge", str(kb_with_notice), "--db", str(tmp_path / "x.db")]
    assert main([*base, "src-9"]) == 1
    err = capsys.readouterr().err
    assert f"没有“src-9”这个来源。已有的来源：src-a、src-b、{SOURCE_ID}。" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main([*base, "src-b"]) == 1
    assert "来源“src-b”没有原文文件" in capsys.readouterr().err
    out = tmp_path / "a.xlsx"
    assert main([*base, "src-a", "--out", str(out)]) == 0  # both sentences are entries already
    assert "每一段原文都已经有条目引用了" in capsys.readouterr().out and not out.exists()


def test_a_draft_completed_by_the_clerk_imports_as_new_entries(
    kb_with_notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "draft.xlsx"
    command = ["kb", "draft", SOURCE_ID, "--knowledge", str(kb_with_notice)]
    assert main([*command, "--db", str(tmp_path / "none.db"), "--out", str(out)]) == 0
    workbook = openpyxl.load_workbook(out)
    sheet = workbook[ENTRIES.name]
    header = [cell.value for cell in sheet[1]]
    title, category = header.index("标题") + 1, header.index("类别") + 1
    drafted = [row for row in range(2, sheet.max_row + 1) if sheet.cell(row, title).value is None]
    assert len(drafted) == 3
    keep, *drop = drafted
    sheet.cell(keep, title).value = "高龄津贴提高到每月80元"
    sheet.cell(keep, category).value = "养老服务"
    for row in sorted(drop, reverse=True):
        sheet.delete_rows(row)
    workbook.save(out)
    capsys.readouterr()
    assert main(["kb", "import", str(out), "--knowledge", str(kb_with_notice)]) == 0
    assert "新增 1 条" in capsys.readouterr().out
    added = {e.id: e for e in load_knowledge(kb_with_notice).entries}[f"{SOURCE_ID}-1"]
    assert added.title == "高龄津贴提高到每月80元" and added.excerpt == ALLOWANCE
