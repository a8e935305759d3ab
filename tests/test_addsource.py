"""``bot kb add-source``: a new document's text stored, its source added, its passages answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.addsource import SourceRequest, clerk_date, plan_source
from bot.cli import main
from bot.documents import document_text, tidy
from bot.errors import KnowledgeError
from tests.documents import chinese_pdf, notice_docx

TITLE = "襄垣县关于提高高龄老人津贴标准的通知"
PARAGRAPHS = [
    TITLE,
    "襄垣县民政局",
    "为进一步关爱高龄老年人，经县政府研究决定，自2025年1月1日起，全县80周岁以上老年人"
    "高龄津贴由每人每月50元提高到每人每月80元，由乡镇民政办按季度发放到社会保障卡。",
    "申请高龄津贴的老年人须持本人身份证、户口簿到户籍所在村（社区）提出申请，"
    "经乡镇审核后报县民政局审批。",
]
CELLS = ["百岁老人每人每月另发长寿补贴300元，由县财政全额保障，确保按时足额发放到位。"]


def add(kb: Path, document: Path, *extra: str, date: str = "2025-01") -> int:
    return main(
        [
            "kb",
            "add-source",
            str(document),
            "--knowledge",
            str(kb),
            "--title",
            TITLE,
            "--publisher",
            "襄垣县民政局",
            "--date",
            date,
            *extra,
        ]
    )


def ask(kb: Path, question: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["ask", "--knowledge", str(kb), "--json", question]) == 0
    answer: dict[str, object] = json.loads(capsys.readouterr().out)
    return answer


def test_a_docx_is_added_and_its_sentences_answer_at_once(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (kb_dir / "sources.toml").read_text(encoding="utf-8")
    assert ask(kb_dir, "百岁老人长寿补贴每月多少钱", capsys)["answered"] is False
    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS, CELLS)
    assert add(kb_dir, document, "--region", "襄垣") == 0
    out = capsys.readouterr().out
    assert out.startswith("已加入来源“doc-") and "3 段可供检索" in out
    assert "第一段：为进一步关爱高龄老年人" in out

    after = (kb_dir / "sources.toml").read_text(encoding="utf-8")
    assert after.startswith(before)  # appended: the clerk's file, comments and all, is kept
    block = after[len(before) :]
    assert f'title = "{TITLE}"' in block and 'date = "2025-01"' in block
    assert 'region = "襄垣县"' in block and 'notes = "原文件：通知.docx"' in block
    (article,) = [p for p in (kb_dir / "articles").iterdir() if p.name != "a.txt"]
    assert article.name.startswith("000_") and article.name.endswith(".txt")
    text = article.read_text(encoding="utf-8")
    assert CELLS[0] in text and PARAGRAPHS[2] in text  # verbatim, the table cell too

    answer = ask(kb_dir, "百岁老人长寿补贴每月多少钱", capsys)
    assert answer["answered"] is True
    first = answer["answers"][0]  # type: ignore[index]
    assert first["kind"] == "passage" and first["excerpt"] == CELLS[0]
    assert first["source"]["title"] == TITLE and first["source"]["date"] == "2025-01"
    assert first["source"]["publisher"] == "襄垣县民政局" and first["region"] == "襄垣县"
    assert main(["validate", "--knowledge", str(kb_dir)]) == 0


def test_plain_text_in_utf8_or_gb18030_and_a_clean_pdf(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gbk = tmp_path / "旧记事本.txt"
    gbk.write_bytes("\r\n".join(PARAGRAPHS).encode("gb18030"))
    assert add(kb_dir, gbk, "--id", "xy-elderly-allowance") == 0
    assert 'id = "xy-elderly-allowance"' in (kb_dir / "sources.toml").read_text(encoding="utf-8")
    assert tidy("\ufeff第一行\r\n\r\n\r\n\r\n第二\u200b行  \n") == "第一行\n\n第二行\n"
    pdf = tmp_path / "助餐.pdf"
    pdf.write_bytes(
        chinese_pdf(
            [
                "黎城县关于开展老年助餐服务的通知",
                "为方便老年人就近就餐，县民政局在全县各乡镇",
                "建设老年助餐点二十个，六十周岁以上老人每餐",
                "补贴三元。",
                "　　助餐点由各村委会负责日常管理。",
                "— 1 —",
            ]
        )
    )
    capsys.readouterr()
    command = ["kb", "add-source", str(pdf), "--knowledge", str(kb_dir), "--title", "老年助餐"]
    assert main([*command, "--publisher", "黎城县民政局", "--date", ""]) == 0
    assert "2 段可供检索" in capsys.readouterr().out
    stored = sorted((kb_dir / "articles").glob("001_*.txt"))[0].read_text(encoding="utf-8")
    # The PDF's broken lines are one paragraph again; the page number is left out.
    assert "各乡镇建设老年助餐点二十个，六十周岁以上老人每餐补贴三元。\n" in stored
    assert "— 1 —" not in stored
    spaced = chinese_pdf(
        ["助 餐 点 由 各 村 委 会 负 责 日 常 管 理 ， 县 民 政 局 每 季 度 检 查 。"]
    )
    assert document_text("a.pdf", spaced) == "助餐点由各村委会负责日常管理，县民政局每季度检查。\n"
    answer = ask(kb_dir, "老年助餐点每餐补贴几元", capsys)
    assert answer["answers"][0]["source"]["title"] == "老年助餐"  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("表格.xls", b"anything", "不支持这种文件（.xls）：请用 .txt、.docx 或 .pdf 文件。"),
        ("空.txt", b"", "文件里没有文字。"),
        ("空白.txt", b"  \r\n\n ", "文件里没有文字。"),
        ("乱码.txt", b"\x81\x30\xff\xfe\xfa" * 20, "读不出文件里的文字"),
        ("英文.txt", b"Only English words here.", "文件里几乎没有中文文字"),
        ("坏的.docx", b"PK\x03\x04 not really a zip", "这个 .docx 文件打不开"),
        ("坏的.pdf", b"%PDF-1.4 nothing else", "这个 PDF 文件打不开"),
        ("扫描件.pdf", None, "这个 PDF 里没有可以提取的文字（可能是扫描件）"),
        ("乱码.pdf", chinese_pdf(PARAGRAPHS, private_use=True), "提取出来有乱码"),
        (
            "标题.txt",
            "关于养老服务的通知\n县民政局办公室\n二〇二五年一月\n".encode(),
            "找不到可以引用的句子",
        ),
    ],
)
def test_documents_that_cannot_be_read_cleanly_are_refused(
    kb_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    data: bytes | None,
    message: str,
) -> None:
    if data is None:
        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.write(str(tmp_path / name))
    else:
        (tmp_path / name).write_bytes(data)
    before = sorted(p.name for p in kb_dir.rglob("*"))
    sources = (kb_dir / "sources.toml").read_bytes()
    assert add(kb_dir, tmp_path / name) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert sorted(p.name for p in kb_dir.rglob("*")) == before  # nothing written
    assert (kb_dir / "sources.toml").read_bytes() == sources


@pytest.mark.parametrize(
    ("date", "region", "message"),
    [
        ("2025/1", None, "日期“2025/1”不对：请写成 2024、2024-03 或 2024-03-05"),
        ("2025年13月", None, "日期“2025年13月”不对"),
        ("去年", None, "日期“去年”不对"),
        ("2025-02-30", None, "日期“2025-02-30”不对"),
        ("2025-01", "太原市", "没有“太原市”这个地区。可用的地区：长治市、襄垣县、潞州区。"),
    ],
)
def test_a_bad_date_or_an_unknown_region_is_refused(
    kb_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    date: str,
    region: str | None,
    message: str,
) -> None:
    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS)
    extra = ["--region", region] if region else []
    assert add(kb_dir, document, *extra, date=date) == 1
    assert message in capsys.readouterr().err
    assert not list((kb_dir / "articles").glob("000_*"))


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("2025年1月5日", "2025-01-05"),
        ("2025 年 3 月", "2025-03"),
        ("２０２５年", "2025"),
        ("11月25日", "--11-25"),
        ("2024-03-05", "2024-03-05"),
        ("", ""),
        ("1月", "1月"),  # a month without a year or a day is no date sources.toml takes
    ],
)
def test_a_date_typed_the_chinese_way_is_kept_as_the_same_date(typed: str, kept: str) -> None:
    assert clerk_date(typed) == kept


def test_the_same_document_or_title_twice_is_a_duplicate(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS)
    assert add(kb_dir, document) == 0
    source_id = capsys.readouterr().out.split("“")[1].split("”")[0]
    retyped = tmp_path / "通知.txt"
    retyped.write_text("\n".join(PARAGRAPHS), encoding="utf-8")
    for again in (document, retyped):
        assert add(kb_dir, again, "--id", "other-id") == 1
        assert f"这份原文已经加入过了：来源“{source_id}”《{TITLE}》" in capsys.readouterr().err
    other = notice_docx(tmp_path / "另一份.docx", [*PARAGRAPHS[:2], CELLS[0]])
    assert add(kb_dir, other) == 1  # another text under the same title
    assert "这份原文已经加入过了" in capsys.readouterr().err
    assert len(list((kb_dir / "articles").glob("*.txt"))) == 2


def test_quotes_and_backslashes_in_a_title_are_kept_in_valid_toml(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS)
    title = '关于“十四五”养老"规划"\\附件'
    command = ["kb", "add-source", str(document), "--knowledge", str(kb_dir), "--title", title]
    # A month and day without a year starts with "--": given as --date=--03-05.
    assert main([*command, "--publisher", "县民政局", "--date=--03-05"]) == 0
    capsys.readouterr()
    assert main(["validate", "--knowledge", str(kb_dir)]) == 0
    from bot.loader import load_knowledge

    sources = load_knowledge(kb_dir).sources.values()
    assert [(s.title, s.date) for s in sources if s.id.startswith("doc-")] == [(title, "--03-05")]


def test_a_missing_title_or_a_bad_id_is_refused(kb_dir: Path, tmp_path: Path) -> None:
    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS)
    data = document.read_bytes()
    for title, source_id, message in (
        ("  ", None, "缺少标题"),
        ("标题\n第二行", None, "标题只能写一行"),
        (TITLE, "大写ID", "编号“大写ID”不对"),
    ):
        request = SourceRequest("通知.docx", data, title, "县民政局", "2025", None, source_id)
        with pytest.raises(Exception, match=message):
            plan_source(kb_dir, request)


def test_a_knowledge_directory_with_problems_takes_no_new_source(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_dir / "jobs.toml").write_text("[[entries]\n", encoding="utf-8")
    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS)
    assert add(kb_dir, document) == 1
    assert "jobs.toml:1:" in capsys.readouterr().err
    request = SourceRequest("通知.docx", document.read_bytes(), TITLE, "县民政局", "2025")
    with pytest.raises(KnowledgeError) as caught:
        plan_source(kb_dir, request)
    assert all(str(kb_dir) in problem for problem in caught.value.problems)


def test_a_crash_between_the_two_writes_leaves_a_valid_directory(
    kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import addsource

    written = addsource._write_atomic

    def crash_at_sources(path: Path, text: str) -> None:
        if path.name == "sources.toml":
            raise OSError("power cut")
        written(path, text)

    document = notice_docx(tmp_path / "通知.docx", PARAGRAPHS)
    request = SourceRequest("通知.docx", document.read_bytes(), TITLE, "县民政局", "2025")
    monkeypatch.setattr(addsource, "_write_atomic", crash_at_sources)
    with pytest.raises(OSError):
        addsource.apply_source(kb_dir, request)
    # The article is there, but no source names it: the knowledge is as it was.
    assert len(list((kb_dir / "articles").glob("000_*.txt"))) == 1
    assert main(["validate", "--knowledge", str(kb_dir)]) == 0
    monkeypatch.setattr(addsource, "_write_atomic", written)
    plan = addsource.apply_source(kb_dir, request)  # the orphan is no duplicate: it is reused
    assert plan.article.startswith("000_") and len(plan.passages) == 2
    assert len(list((kb_dir / "articles").glob("*.txt"))) == 2
    assert not list(kb_dir.rglob(".*"))  # no temporary file left behind
