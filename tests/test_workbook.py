"""kb export / kb import: the workbook's layout, a lossless round trip, and the clerk's mistakes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.config import MatchingSettings, load_config
from bot.loader import load_knowledge
from bot.service import KnowledgeService
from bot.storage import QueryRecord, open_store
from bot.workbook import ENTRIES, REGIONS, SOURCES, SYNONYMS, UNANSWERED
from tests.conftest import DEV_QUESTIONS, ROOT


def export(kb: Path, xlsx: Path, capsys: pytest.CaptureFixture[str], db: Path | None = None) -> str:
    db = db or kb.parent / "data" / "bot.db"
    assert main(["kb", "export", str(xlsx), "--knowledge", str(kb), "--db", str(db)]) == 0
    return capsys.readouterr().out


def run_import(
    kb: Path, xlsx: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    db = kb.parent / "data" / "bot.db"
    code = main(["kb", "import", str(xlsx), "--knowledge", str(kb), "--db", str(db), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*.toml")}


def test_export_layout(kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "data" / "bot.db"
    store = open_store(db, salt="s")
    assert store is not None
    for question in ("护照怎么办", "护照怎么办理", "护照怎么办", "火星移民"):
        store.record_query(QueryRecord(1, "private", question, False, None, None, None, 1.0))
    store.close()
    xlsx = tmp_path / "kb.xlsx"
    out = export(kb_dir, xlsx, capsys, db)
    assert "6 个条目" in out and "2 组未回答的问题" in out
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["条目", "来源", "同义词", "地区", "未回答"]
    for layout in (ENTRIES, SOURCES, SYNONYMS, REGIONS, UNANSWERED):
        sheet = workbook[layout.name]
        assert [cell.value for cell in sheet[1]] == layout.headers()
        assert sheet[1][0].font.bold and sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet.column_dimensions["A"].width == layout.columns[0].width
    entries = workbook["条目"]
    assert entries.auto_filter.ref == "A1:J7"  # 编号 … 备注, 怎么办
    first = [cell.value for cell in entries[2]]
    assert first[:4] == ["elderly-canteens", "幸福食堂", "养老服务", "长治市"]
    assert first[4] == "幸福食堂\n配餐点\n老年人 吃饭\n食堂"  # one keyword rule per line
    assert entries["F2"].alignment.wrap_text
    assert workbook["同义词"]["A2"].value == "老年人\n老人\n长者"
    unanswered = workbook["未回答"]
    assert unanswered.protection.sheet and not workbook["条目"].protection.sheet
    rows = [[cell.value for cell in row] for row in unanswered.iter_rows(min_row=2)]
    assert rows[0][:2] == [3, "护照怎么办"] and rows[0][3] == "护照怎么办\n护照怎么办理"
    assert rows[1][1] == "火星移民"


def test_export_without_database_has_an_empty_unanswered_sheet(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys, tmp_path / "none" / "bot.db")
    sheet = load_workbook(xlsx)["未回答"]
    assert sheet.max_row == 1 and sheet["A1"].value == "次数"
    assert not (tmp_path / "none").exists()


def questions_to_compare(knowledge_dir: Path) -> list[str]:
    questions = [q for entry in load_knowledge(knowledge_dir).entries for q in entry.questions]
    if DEV_QUESTIONS.is_file():
        lines = DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()
        questions += [json.loads(line)["q"] for line in lines if line.strip()]
    return questions


def answers(directory: Path, questions: list[str]) -> list[object]:
    settings = load_config(str(ROOT / "config.toml")).matching
    service = KnowledgeService(directory, settings)
    # The answer a resident reads: which entries, in which order, with which text and source.
    return [
        [(item.id, item.excerpt, item.source.id) for item in service.ask(q).answers]
        + service.ask(q).suggestions
        for q in questions
    ]


def test_round_trip_of_the_shipped_knowledge_is_lossless(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", kb)
    before = snapshot(kb)
    xlsx = tmp_path / "kb.xlsx"
    export(kb, xlsx, capsys)
    code, out, _ = run_import(kb, xlsx, capsys)
    assert code == 0 and "没有要更新的" in out
    assert snapshot(kb) == before  # not a byte changed: comments and layout stay

    # Every file written from the workbook alone (only the articles are there to begin with)
    # means the same: the same data, the same answer to every question.
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(ROOT / "knowledge" / "articles", rebuilt / "articles")
    code, out, err = run_import(rebuilt, xlsx, capsys)
    assert code == 0, err
    original, again = load_knowledge(kb), load_knowledge(rebuilt)
    assert original.fingerprints == again.fingerprints
    assert original.sources == again.sources and original.regions == again.regions
    assert original.synonym_groups == again.synonym_groups
    assert [p.id for p in original.passages] == [p.id for p in again.passages]
    questions = questions_to_compare(kb)
    assert len(questions) > 500
    assert answers(kb, questions) == answers(rebuilt, questions)


def edit(xlsx: Path, sheet: str, changes: dict[str, object]) -> None:
    workbook = load_workbook(xlsx)
    for cell, value in changes.items():
        workbook[sheet][cell] = value
    workbook.save(xlsx)


def test_import_applies_edits_into_the_right_files(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_dir / "elderly.toml").write_text(
        "# 养老服务的条目\n" + (kb_dir / "elderly.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    jobs_before = (kb_dir / "jobs.toml").read_bytes()
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    # Row 2 elderly-canteens: new title; row 8: a new entry of a new category; and one quote
    # mark and backslash in a note, which hand-written TOML would get wrong.
    edit(
        xlsx,
        "条目",
        {
            "B2": "幸福食堂助餐",
            "I2": '备注里有 "引号" 和 \\ 反斜杠',
            "A8": "new-entry",
            "B8": "新条目",
            "C8": "残疾人服务",
            "D8": "襄垣县",
            "E8": "残疾人\n康复 服务",
            "F8": "推进居家适老化改造。",
            "G8": "src-a",
            "H8": "残疾人康复有什么服务",
        },
    )
    code, out, err = run_import(kb_dir, xlsx, capsys, "--dry-run")
    assert code == 0, err
    assert "还没有写入" in out and "新增 1 条，删除 0 条，修改 1 条" in out
    assert (kb_dir / "elderly.toml").read_text(encoding="utf-8").count("幸福食堂助餐") == 0

    code, out, err = run_import(kb_dir, xlsx, capsys)
    assert code == 0, err
    assert "新增 1 条，删除 0 条，修改 1 条，共 7 条" in out
    assert "+ new-entry" in out and "~ elderly-canteens" in out and "第 1 版" in out
    elderly = (kb_dir / "elderly.toml").read_text(encoding="utf-8")
    assert elderly.startswith("# 养老服务的条目\n") and 'title = "幸福食堂助餐"' in elderly
    assert (kb_dir / "jobs.toml").read_bytes() == jobs_before  # untouched
    new_file = kb_dir / "can-ji-ren-fu-wu.toml"
    assert 'id = "new-entry"' in new_file.read_text(encoding="utf-8")
    knowledge = load_knowledge(kb_dir)
    notes = {entry.id: entry.notes for entry in knowledge.entries}
    assert notes["elderly-canteens"] == '备注里有 "引号" 和 \\ 反斜杠'
    service = KnowledgeService(kb_dir, MatchingSettings(cutoff=2.0))
    assert service.ask("残疾人康复有什么服务").answers[0].id == "new-entry"

    # Deleting the row removes the entry; a file left without entries goes.
    workbook = load_workbook(xlsx)
    workbook["条目"].delete_rows(8)
    workbook.save(xlsx)
    code, out, err = run_import(kb_dir, xlsx, capsys)
    assert code == 0, err
    assert "删除 1 条" in out and "- new-entry" in out
    assert not new_file.exists()


def test_an_entry_whose_category_changes_moves_to_that_categorys_file(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    edit(xlsx, "条目", {"C5": "养老服务"})  # jobs-xiangyuan, from jobs.toml
    code, out, err = run_import(kb_dir, xlsx, capsys)
    assert code == 0, err
    assert "修改 1 条" in out and "~ jobs-xiangyuan" in out
    knowledge = load_knowledge(kb_dir)
    assert knowledge.entry_files["jobs-xiangyuan"].endswith("elderly.toml")
    assert "jobs-xiangyuan" not in (kb_dir / "jobs.toml").read_text(encoding="utf-8")


def test_every_clerk_mistake_is_reported_at_once(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    before = snapshot(kb_dir)
    edit(
        xlsx,
        "条目",
        {
            "A3": None,  # missing id
            "A4": "elderly-canteens",  # duplicate of row 2
            "F5": "长" * 401,  # too long
            "D6": "火星市",  # unknown region
            "G7": "src-9",  # unknown source
            "F2": "扩容提质幸福食堂与配菜点。",  # not verbatim from its 11th character, 菜
        },
    )
    code, out, err = run_import(kb_dir, xlsx, capsys)
    assert code == 1
    problems = [line.strip() for line in err.splitlines()[1:]]
    assert problems == [
        '条目 第3行 「编号」: 编号不能为空，可以用 "ju-jia-shi-lao-hua-gai"',
        '条目 第4行 「编号」: 编号 "elderly-canteens" 和第2行重复',
        "条目 第5行 「摘录」: 摘录有 401 个字，最多 400 个字：只摘说明这项措施的一两句原文",
        '条目 第6行 「地区」: 未知地区 "火星市"',
        '条目 第7行 「来源」: 未知来源 "src-9"',
    ]
    assert "表格有 5 个问题，没有导入" in err
    warning = next(line for line in out.splitlines() if "第2行" in line)
    assert "从第 11 个字「菜」起和原文不同" in warning and "a.txt" in warning
    assert snapshot(kb_dir) == before


def test_an_excerpt_not_verbatim_warns_but_does_not_block(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    edit(xlsx, "条目", {"F2": "扩容提质幸福食堂与配餐点。\n推进居家适老化改变。"})
    code, out, _ = run_import(kb_dir, xlsx, capsys)
    assert code == 0 and "修改 1 条" in out
    assert "从第 23 个字「变」起和原文不同" in out


def test_dates_and_ids_as_a_spreadsheet_program_leaves_them(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    workbook = load_workbook(xlsx)
    assert workbook["来源"].column_dimensions["D"].number_format == "@"  # typed dates stay text
    workbook["条目"]["A2"] = "elderly-canteens "  # a space typed after the id
    workbook["来源"]["D2"] = dt.datetime(2024, 3, 5)  # a date Excel converted
    workbook.save(xlsx)
    code, out, _ = run_import(kb_dir, xlsx, capsys)
    assert code == 0 and "没有要更新的" in out


def test_an_empty_row_in_the_middle_is_a_warning(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    workbook = load_workbook(xlsx)
    for cell in workbook["条目"][4]:
        cell.value = None
    workbook.save(xlsx)
    code, out, _ = run_import(kb_dir, xlsx, capsys)
    assert code == 0
    assert "提醒：条目 第4行: 这是中间的一个空行，已跳过" in out
    assert "删除 1 条" in out and "- pension-insurance" in out


def test_other_sheets_are_checked_too(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    edit(xlsx, "来源", {"D2": "2024年3月", "E2": "missing.txt"})
    edit(xlsx, "同义词", {"A3": "就业\n老人"})
    edit(xlsx, "地区", {"B3": "山西省"})
    code, _, err = run_import(kb_dir, xlsx, capsys)
    assert code == 1
    assert "来源 第2行 「日期」: 日期写法不对" in err
    assert "来源 第2行 「文件」: 原文文件 missing.txt 不存在" in err
    assert '同义词 第3行 「同义词」: "老人" 已经在第2行那组里了' in err
    assert '地区 第3行 「上级」: 未知地区 "山西省"' in err


def test_bad_files_and_missing_sheets(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_import(kb_dir, tmp_path / "nothing.xlsx", capsys)
    assert code == 2 and "读不了这个文件" in err and "Traceback" not in err
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    code, _, err = run_import(kb_dir, text, capsys)
    assert code == 1 and "不是 Excel 工作簿" in err
    xlsx = tmp_path / "kb.xlsx"
    export(kb_dir, xlsx, capsys)
    workbook = load_workbook(xlsx)
    del workbook["地区"]
    workbook["条目"]["F1"] = "内容"
    workbook.save(xlsx)
    code, _, err = run_import(kb_dir, xlsx, capsys)
    assert code == 1
    assert "缺少工作表「地区」" in err
    assert "条目 第1行: 缺少「摘录」列" in err


def test_rows_are_as_tall_as_their_wrapped_text_and_sheets_print_on_the_page_width(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "kb.xlsx"
    export(ROOT / "knowledge", xlsx, capsys)
    sheet = load_workbook(xlsx)[ENTRIES.name]
    heights = [sheet.row_dimensions[row].height for row in range(2, sheet.max_row + 1)]
    # Every entry has several keywords (one per line): no row keeps the one-line default.
    assert all(height is not None and height >= 30 for height in heights)
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$1:$1"


def test_the_anonymous_county_keeps_its_flag_through_the_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", kb)
    xlsx = tmp_path / "kb.xlsx"
    export(kb, xlsx, capsys)
    regions = load_workbook(xlsx)[REGIONS.name]
    flags = {row[0]: row[3] for row in regions.iter_rows(min_row=2, values_only=True)}
    assert [name for name, flag in flags.items() if flag == "是"] == ["某县(原文匿名**)"]
    (kb / "regions.toml").unlink()
    code, _, _ = run_import(kb, xlsx, capsys)
    assert code == 0
    anonymous = [r.name for r in load_knowledge(kb).regions.values() if r.anonymous]
    assert anonymous == ["某县(原文匿名**)"]
