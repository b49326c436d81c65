"""Report readers: the originating report (HTML inside Markdown), HTML, Markdown, text, PDF."""

from __future__ import annotations

import pytest

from conftest import SHARED
from kg.ingest.report import ReportError, read_report

REPORT = SHARED / "reports" / "china-aigc-industry-2023.md"


def test_the_originating_report_reads_into_paragraphs_with_its_front_matter():
    if not REPORT.is_file():
        pytest.fail(f"the originating report is not at {REPORT}; set KG_SHARED_DIR")
    report = read_report(REPORT)
    assert report.title == "2023年中国AIGC产业发展趋势与模型架构"
    assert report.date.startswith("2025-02-26")
    assert report.keywords == ["aigc的产业生态体系的预训练模型"]
    assert report.paragraphs[0].heading and report.paragraphs[0].text == report.title
    text = report.text
    # a line break inside a Chinese sentence is not a space; the svg and stylesheet links are gone
    assert "问题解决能力已超出一般人类水平" in text and "raphael-marker" not in text and "<" not in text
    assert "技术变革：模型层>工具层>算力层>应用层" in text  # entities decoded
    ids = [p.id for p in report.paragraphs]
    assert len(ids) == len(set(ids)) == 25
    assert read_report(REPORT).paragraphs[5].id == report.paragraphs[5].id  # stable


def test_paragraph_ids_do_not_move_when_another_paragraph_changes(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("# 标题\n\n第一段。\n\n第二段。\n", encoding="utf-8")
    b.write_text("# 标题\n\n新加的一段。\n\n第一段。\n\n第二段。\n", encoding="utf-8")
    ids_a = {p.text: p.id for p in read_report(a).paragraphs}
    ids_b = {p.text: p.id for p in read_report(b).paragraphs}
    assert ids_a["第一段。"] == ids_b["第一段。"] and ids_a["第二段。"] == ids_b["第二段。"]
    assert [p.section for p in read_report(b).paragraphs] == ["标题"] * 4


def test_html_head_metadata_and_no_executable_content(tmp_path):
    page = tmp_path / "r.html"
    page.write_text("""<html><head><title>AIGC 周报</title><meta name="keywords" content="AIGC, 大模型">
        <link rel="canonical" href="https://example.org/r"><script>alert(1)</script></head>
        <body><h2>概览</h2><p onclick="steal()">百度发布文心一言。<script>evil()</script></p>
        <p>&lt;script&gt;alert(2)&lt;/script&gt; is text here</p></body></html>""", encoding="utf-8")
    report = read_report(page)
    assert (report.title, report.url, report.keywords) == ("AIGC 周报", "https://example.org/r", ["AIGC", "大模型"])
    assert [(p.section, p.text) for p in report.paragraphs] == [
        ("概览", "概览"), ("概览", "百度发布文心一言。"), ("概览", "<script>alert(2)</script> is text here")]
    assert "evil" not in report.text and "steal" not in report.text


@pytest.mark.parametrize("encoding, text", [
    ("gb18030", "生成式人工智能服务管理暂行办法于2023年7月10日公布，8月15日起施行。\n\n国家互联网信息办公室等七部门联合发布。"),
    ("big5", "生成式人工智慧服務管理暫行辦法於2023年7月10日公布，8月15日起施行。\n\n國家互聯網信息辦公室等七部門聯合發布。"),
])
def test_text_in_chinese_encodings_is_decoded(tmp_path, encoding, text):
    path = tmp_path / f"r-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    report = read_report(path)
    assert report.encoding.replace("_", "").lower() in (encoding, "gbk", "gb2312", "cp950", "big5hkscs")
    assert [p.text for p in report.paragraphs] == text.split("\n\n")


def test_unreadable_inputs_are_refused_with_a_reason(tmp_path):
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"\x00\x01binary, not a pdf" * 10)
    with pytest.raises(ReportError, match="not a readable PDF"):
        read_report(fake)
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ReportError, match="binary data, not text"):
        read_report(binary)
    with pytest.raises(ReportError, match="unknown report format '.docx'"):
        read_report(tmp_path / "x.docx")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert read_report(empty).paragraphs == []


def test_a_pdf_without_a_text_layer_says_so(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "image-only.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(ReportError, match="no text layer .*run OCR"):
        read_report(path)


def test_a_50_mb_text_report_is_read_in_bounded_memory(tmp_path):
    import tracemalloc

    from kg.ingest.report import iter_paragraphs

    path = tmp_path / "big.txt"
    block = ("百度发布文心一言，阿里云推出通义千问。" * 20 + "\n\n" + "OpenAI released GPT-4 to developers. " * 10 + "\n\n")
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(50_000_000 // len(block.encode("utf-8")) + 1):
            fh.write(f"{i} " + block)
    size = path.stat().st_size
    assert size >= 50_000_000
    seen = []
    tracemalloc.start()
    count = 0
    for p in iter_paragraphs(path, chunk=1 << 20, progress=lambda done, total: seen.append(done)):
        count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 2 * (50_000_000 // len(block.encode("utf-8")) + 1)
    assert peak < 32 * 2**20  # well under the file's 50 MB: the text is never held whole
    assert seen[-1] == size and len(seen) >= 48  # progress after every 1 MB chunk
