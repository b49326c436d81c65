"""Read industry reports (HTML, Markdown with front matter, PDF, plain text) into paragraphs.

A report becomes a :class:`Report`: its metadata (title, date, URL, keywords, from the front
matter, the HTML head or the PDF's info) and its paragraphs in reading order, each with its
section (the heading it falls under) and a stable id. The id is a hash of the paragraph's text
(``p-`` and 10 hex digits, ``-2`` and so on for repeats), so a paragraph keeps its id when other
paragraphs of the report change.

Text files are decoded as UTF-8, else as whatever ``charset-normalizer`` finds (GB18030/GBK, Big5,
...). Scripts, styles and other non-text HTML elements are dropped; what remains is text, never
markup. A PDF without a text layer (a scan) is refused with a message saying so.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import yaml

from kg.ingest.limits import RecordCounter, check_file_size

try:  # the C loader bounds nesting depth itself; the pure-Python one hits RecursionError instead
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".pdf": "pdf",
            ".txt": "text", ".text": "text"}
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote", "pre", "dd", "dt",
           "figcaption", "caption", "div", "section", "article", "header", "footer", "tr", "ul", "ol", "table"}
_SKIP = {"script", "style", "svg", "noscript", "template", "iframe", "object", "head", "title", "math", "canvas"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class ReportError(Exception):
    """A report that cannot be read; the message says why and what to do."""


@dataclass
class Paragraph:
    """One paragraph: its stable id, its position, the section it is in, and its text."""

    id: str
    index: int  # 0-based position in the report
    section: str  # the heading above it ("" before the first heading)
    text: str
    heading: bool = False  # the paragraph is itself a heading


@dataclass
class Report:
    """A report's metadata and paragraphs."""

    path: str
    format: str
    title: str = ""
    date: str = ""
    url: str = ""
    keywords: list[str] = field(default_factory=list)
    description: str = ""
    encoding: str = "utf-8"
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The paragraphs joined by blank lines."""
        return "\n\n".join(p.text for p in self.paragraphs)


def read_report(path: Path, display: str | None = None) -> Report:
    """Read the report at ``path``; raise :class:`ReportError` when it cannot be read."""
    path = Path(path)
    name = display or str(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ReportError(f"{name}: unknown report format {path.suffix!r}; expected "
                          f"{', '.join(sorted(set(SUFFIXES)))}")
    check_file_size(path, name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{name}: cannot read file: {exc.strerror}") from exc
    if kind == "pdf":
        return _read_pdf(data, name)
    text, encoding = decode(data, name)
    report = Report(name, kind, encoding=encoding)
    if kind == "markdown":
        text = _front_matter(text, report)
        blocks = _html_blocks(text) if _looks_like_html(text) else _markdown_blocks(text)
    elif kind == "html":
        blocks = _html_blocks(text, report)
    else:
        blocks = [(False, squeeze(b)) for b in re.split(r"\n\s*\n", text)]
    _paragraphs(report, blocks)
    return report


def iter_paragraphs(path: Path, display: str | None = None, *, chunk: int = 1 << 20,
                    progress=None) -> Iterator[Paragraph]:
    """Yield a report's paragraphs; a plain-text report is read in chunks (bounded memory).

    Other formats are read whole (:func:`read_report`). ``progress(done_bytes, total_bytes)`` is
    called after each chunk of a text file.
    """
    path = Path(path)
    name = display or str(path)
    if SUFFIXES.get(path.suffix.lower()) != "text":
        yield from read_report(path, name).paragraphs
        return
    check_file_size(path, name)
    counter = RecordCounter(name)
    try:
        total = path.stat().st_size
        fh = open(path, "rb")
    except OSError as exc:
        raise ReportError(f"{name}: cannot read file: {exc.strerror}") from exc
    with fh:
        first = fh.read(chunk)
        if b"\x00" in first[:4096] and not first.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ReportError(f"{name}: binary data, not text; give a .pdf, .html, .md or .txt report")
        encoding = "utf-8-sig"
        try:
            codecs.getincrementaldecoder("utf-8-sig")().decode(first, final=False)
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(first).best()
            if best is None:
                raise ReportError(f"{name}: cannot tell the text encoding; re-save the file as UTF-8") from None
            encoding = best.encoding
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        seen: dict[str, int] = {}
        index, rest, done, data = 0, "", 0, first
        while True:
            final = not data
            try:
                rest += decoder.decode(data, final=final)
            except UnicodeDecodeError as exc:
                raise ReportError(f"{name}: not valid {encoding} near byte {done + exc.start}; "
                                  "re-save the file in one encoding (UTF-8)") from exc
            done += len(data)
            pieces = re.split(r"\n\s*\n", rest)
            rest = "" if final else pieces.pop()
            for piece in pieces:
                text = squeeze(piece)
                if text:
                    counter.add(where=f"{name}: paragraph {index + 1}")
                    yield _paragraph(text, index, "", False, seen)
                    index += 1
            if progress is not None and data:
                progress(done, total)
            if final:
                return
            data = fh.read(chunk)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode text: UTF-8 (with or without BOM), else the encoding charset-normalizer finds."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReportError(f"{name}: binary data, not text; give a .pdf, .html, .md or .txt report")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReportError(f"{name}: cannot tell the text encoding (not UTF-8, GB18030, Big5, ...); "
                          "re-save the file as UTF-8")
    return str(best), best.encoding


def _front_matter(text: str, report: Report) -> str:
    match = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", text, re.S)
    if not match:
        return text
    meta = _front_matter_fields(match.group(1))
    report.title = _text(meta.get("title"))
    report.date = _text(meta.get("date"))
    report.url = _text(meta.get("url")) or _text(meta.get("permalink")) or _text(meta.get("source"))
    report.description = _text(meta.get("description"))
    words = meta.get("keywords") or meta.get("tags") or []
    if isinstance(words, yaml.ScalarNode):
        words = re.split(r"[,，;；]\s*", words.value)
    elif isinstance(words, yaml.SequenceNode):
        words = [_text(w) for w in words.value]
    else:
        words = []
    report.keywords = [w.strip() for w in words if w.strip()]
    return text[match.end():]


def _front_matter_fields(source: str) -> dict[str, yaml.Node]:
    """The top-level fields of front matter as YAML nodes; malformed front matter gives none.

    Values are read as the text written (a date stays text) and never constructed as Python
    objects, so an out-of-range date, an unknown tag or an alias bomb cannot break the reader.
    """
    try:
        root = yaml.compose(source, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}


def _text(node) -> str:
    """A scalar node's text; anything else (a list, a mapping, nothing) is empty."""
    if isinstance(node, yaml.ScalarNode) and not node.tag.endswith(":null"):
        return node.value.strip()
    return ""


def _looks_like_html(text: str) -> bool:
    return len(re.findall(r"<(p|div|h[1-6]|article|section|li|br)\b", text[:20000], re.I)) >= 3


class _TextParser(HTMLParser):
    """Collect the text of block elements, dropping scripts, styles and other non-text parts."""

    def __init__(self, report: Report | None):
        super().__init__(convert_charrefs=True)
        self.report = report
        self.blocks: list[tuple[bool, str]] = []
        self.buffer: list[str] = []
        self.skip = 0
        self.heading = False
        self.in_title = False
        self.title: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag in _SKIP:
            self.skip += 1
            return
        if tag == "meta" and self.report is not None:
            attrs = dict(attrs)
            key = (attrs.get("name") or attrs.get("property") or "").lower()
            value = (attrs.get("content") or "").strip()
            if key == "keywords" and not self.report.keywords:
                self.report.keywords = [w.strip() for w in re.split(r"[,，;；]", value) if w.strip()]
            elif key in ("description", "og:description") and not self.report.description:
                self.report.description = value
            elif key in ("date", "article:published_time", "dc.date", "citation_publication_date") \
                    and not self.report.date:
                self.report.date = value
            elif key == "og:url" and not self.report.url:
                self.report.url = value
        if tag == "link" and self.report is not None:
            attrs = dict(attrs)
            if (attrs.get("rel") or "").lower() == "canonical" and not self.report.url:
                self.report.url = (attrs.get("href") or "").strip()
        if tag in _BLOCKS or tag == "br":
            self._flush()
            self.heading = tag in _HEADINGS

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in _BLOCKS:
            self._flush()
            self.heading = False

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        if not self.skip:
            self.buffer.append(data)

    def _flush(self):
        text = squeeze("".join(self.buffer))
        self.buffer = []
        if text:
            self.blocks.append((self.heading, text))


_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"


def squeeze(text: str) -> str:
    r"""Collapse whitespace; drop it between two CJK characters (a line break inside a sentence).

    >>> squeeze("问\n     题解决  能力 of  GPT-4")
    '问题解决能力 of GPT-4'
    """
    text = re.sub(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _html_blocks(text: str, report: Report | None = None) -> list[tuple[bool, str]]:
    parser = _TextParser(report)
    parser.feed(text)
    parser.close()
    parser._flush()
    if report is not None and not report.title:
        report.title = re.sub(r"\s+", " ", "".join(parser.title)).strip()
    return parser.blocks


def _markdown_blocks(text: str) -> list[tuple[bool, str]]:
    blocks = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines:
            continue
        for line in lines if any(re.match(r"#{1,6}\s", line) for line in lines) else ["\n".join(lines)]:
            heading = bool(re.match(r"#{1,6}\s", line))
            plain = re.sub(r"^#{1,6}\s+|^[-*+]\s+|^>\s*", "", line)
            plain = re.sub(r"!\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or m.group(2) or "", plain)
            plain = squeeze(re.sub(r"[*_`]{1,3}", "", plain))
            if plain:
                blocks.append((heading, html.unescape(plain)))
    return blocks


def _read_pdf(data: bytes, name: str) -> Report:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    import io

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ReportError(f"{name}: the PDF is encrypted; give a copy without a password")
            except NotImplementedError as exc:
                raise ReportError(f"{name}: the PDF is encrypted ({exc}); give a copy without a password") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except ReportError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{name}: not a readable PDF ({exc}); check that the file is a PDF") from exc
    report = Report(name, "pdf")
    report.title = str(info.get("/Title") or "").strip()
    created = str(info.get("/CreationDate") or "")
    if re.match(r"D:\d{8}", created):
        report.date = f"{created[2:6]}-{created[6:8]}-{created[8:10]}"
    report.keywords = [w.strip() for w in re.split(r"[,，;；]", str(info.get("/Keywords") or "")) if w.strip()]
    text = "\n\n".join(pages)
    if not text.strip():
        raise ReportError(f"{name}: the PDF has no text layer (a scanned or image-only PDF); run OCR on it "
                          "(e.g. ocrmypdf) and ingest the result")
    _paragraphs(report, [(False, squeeze(b)) for b in re.split(r"\n\s*\n", text)])
    return report


def _paragraph(text: str, index: int, section: str, heading: bool, seen: dict[str, int]) -> Paragraph:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    seen[digest] = seen.get(digest, 0) + 1
    pid = f"p-{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")
    return Paragraph(pid, index, section, text, heading)


def _paragraphs(report: Report, blocks: list[tuple[bool, str]]) -> None:
    seen: dict[str, int] = {}
    section = ""
    counter = RecordCounter(report.path)
    for heading, text in blocks:
        text = text.strip()
        if not text:
            continue
        counter.add(where=f"{report.path}: paragraph {len(report.paragraphs) + 1}")
        if heading:
            section = text
        report.paragraphs.append(_paragraph(text, len(report.paragraphs), section, heading, seen))
