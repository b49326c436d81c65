"""Every ingester fed hostile and broken input: a clear error or a located, skipped record, never a crash.

Property-based (hypothesis): random bytes, truncations and mutations of valid files, wrong
encodings, huge fields, deep nesting, alias bombs, ragged CSV with formula cells, HTML with
scripts. A reader may raise its own error (``InputError`` and subclasses, ``ReportError``) or
report findings; any other exception is a bug. The hand-made corpus in ``tests/data/bad/hostile``
goes through ``kg build``/``kg ingest`` too: exit 0 or 1, no traceback, the store as it was.
The number of cases each ingester ran is written to ``test-output/fuzz-counts.json``
(docs/security.md quotes a run).
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BAD, KITCHEN_SINK, ROOT
from kg.cli import main
from kg.errors import Finding, KGError, LimitError
from kg.ingest.csv_generic import read_csv
from kg.ingest.curated import read_curated_file
from kg.ingest.ecosystem_graphs import read_ecosystem_graphs
from kg.ingest.epoch import read_epoch
from kg.ingest.limits import Limits, applied
from kg.ingest.report import ReportError, iter_paragraphs, read_report
from kg.ingest.resolve import NameIndex

HOSTILE = BAD / "hostile"
COUNTS: collections.Counter = collections.Counter()
EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
GRAPH = "https://w3id.org/aigc-kg/graph/fuzz/x"

SINK_YAML = (KITCHEN_SINK / "models.yaml").read_bytes()
EPOCH_CSV = (b"Model,Organization,Publication date,Parameters,Training compute (FLOP),Model accessibility,"
             b"Domain,Base model,Link,Organization categorization,Country (from Organization)\n"
             b"GPT-4,OpenAI,2023-03-14,1.8e12,2.1e25,API access,Language,,https://openai.com/gpt-4,"
             b"Industry,United States of America\n"
             b"\"Qwen, 72B\",Alibaba,2023-09,7.2e10,,Open weights (unrestricted),\"Language,Vision\",GPT-4,"
             b"https://qwenlm.github.io,Industry,China\n")
CARDS_YAML = ("- type: model\n  name: GLM-130B\n  organization: Tsinghua University and Zhipu AI\n"
              "  created_date: 2022-08-04\n  size: 130B parameters (dense)\n  access: open\n"
              "  modality: text; text\n  dependencies: [The Pile, WuDao]\n  url: https://example.org/glm\n"
              "- type: application\n  name: ChatGLM\n  organization: Zhipu AI\n  dependencies: [GLM-130B]\n"
              "- type: dataset\n  name: WuDao\n  organization: BAAI\n").encode()
GENERIC_CSV = ("id,kind,label_zh,label_en,aliases,sources,developedBy,releaseDate,parameterCount\n"
               "acme,Company,艾克米,Acme,ACME Inc.;艾克米公司,https://example.org/acme,,,\n"
               "acme-1,Model,,Acme-1,=HYPERLINK(\"http://x\"),https://example.org/a1,acme,2024-05,7000000000\n"
               ).encode()
REPORT_MD = ("---\ntitle: 报告\ndate: 2023-05-01\nkeywords: [AIGC, 大模型]\n---\n# 第一章\n\n"
             "百度发布文心一言。<script>alert(1)</script>\n\n- OpenAI released GPT-4.\n").encode()
REPORT_HTML = (b"<html><head><title>T</title><meta name=keywords content='a,b'><script>alert(1)</script>"
               b"</head><body><h1>H</h1><p onclick='x()'>Baidu <b>ERNIE</b><img src=x onerror=alert(1)></p>"
               b"<style>p{}</style><iframe src=javascript:alert(1)></iframe><p>&lt;script&gt;</p></body></html>")


# --- what a reader may do with bad input --------------------------------------------------------

def _check_findings(findings: list[Finding], name: str) -> None:
    for f in findings:
        assert f.level in ("ERROR", "WARNING")
        assert f.message and "Traceback" not in f.message
        assert f.file == name, f  # every finding names the file it is about


def _reader(kind: str):
    """Return ``read(path) -> findings`` for one ingester; allowed errors are re-raised as themselves."""
    def curated(path):
        findings: list[Finding] = []
        read_curated_file(path, findings, display=path.name)
        return findings

    def epoch(path):
        findings: list[Finding] = []
        read_epoch(path, GRAPH, NameIndex(), findings, display=path.name)
        return findings

    def csv_(path):
        findings: list[Finding] = []
        read_csv(path, GRAPH, NameIndex(), findings, display=path.name)
        return findings

    def ecosystem(path):
        findings: list[Finding] = []
        read_ecosystem_graphs(path, GRAPH, NameIndex(), findings, display_root=path.parent)
        return findings

    def report(path):
        read_report(path, path.name)
        if path.suffix == ".txt":
            list(iter_paragraphs(path, path.name, chunk=64))
        return []

    return {"curated": curated, "epoch": epoch, "csv": csv_, "ecosystem-graphs": ecosystem, "report": report}[kind]


def run_reader(kind: str, path: Path, data: bytes) -> None:
    """Feed ``data`` to one ingester; fail on anything but a clear error or located findings."""
    path.write_bytes(data)
    COUNTS[kind] += 1
    try:
        findings = _reader(kind)(path)
    except ReportError as exc:
        assert kind == "report" and str(exc).startswith(path.name), exc
        return
    except KGError as exc:
        assert exc.message and exc.exit_code == 1, exc
        return
    _check_findings(findings, path.name)


# --- strategies ---------------------------------------------------------------------------------

def mutations(base: bytes):
    """Valid input, then truncated, spliced with random bytes, or with a byte range repeated."""
    def mutate(args):
        cut, junk, where, times = args
        data = base[:cut % (len(base) + 1)] if times == 0 else base
        if junk:
            i = where % (len(data) + 1)
            data = data[:i] + junk + data[i:]
        if times > 1:
            i = where % (len(data) + 1)
            data = data[:i] + data[i:i + 40] * times + data[i:]
        return data
    return st.tuples(st.integers(0, 10_000), st.binary(max_size=16), st.integers(0, 10_000),
                     st.integers(0, 200)).map(mutate)


ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "gb18030", "big5", "latin-1", "cp1252", "utf-32", "shift_jis"]


def reencoded(base: bytes):
    """The same content in another encoding (what a spreadsheet or an old editor writes)."""
    text = base.decode("utf-8")
    return st.sampled_from(ENCODINGS).map(lambda enc: text.encode(enc, errors="replace"))


def unicode_text():
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=200)


def any_input(base: bytes):
    return st.one_of(st.binary(max_size=2048), mutations(base), reencoded(base),
                     unicode_text().map(lambda t: t.encode("utf-8")))


_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    unicode_text(), st.dates().map(str), st.sampled_from(["=1+1", "@SUM(A1)", "+1", "-1", "~", "*x"]))
yaml_values = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                           st.dictionaries(st.one_of(unicode_text(), st.sampled_from(
                               ["id", "kind", "label", "sources", "type", "name", "organization",
                                "dependencies", "developedBy", "zh", "en"])), inner, max_size=5)), max_leaves=30)


def yaml_documents():
    """Generated YAML: random structure dumped by PyYAML, sometimes nested deeply (written as text)."""
    def nest(args):
        value, depth, flow = args
        body = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True).strip()
        if flow:
            return ("[" * depth + body + "]" * depth).encode("utf-8")
        lines = "".join(" " * i + "- k:\n" for i in range(0, 2 * depth, 2))
        return (lines + " " * 2 * depth + "- " + body + "\n").encode("utf-8")
    return st.tuples(yaml_values, st.sampled_from([0, 0, 1, 5, 50, 2000]), st.booleans()).map(nest)


cells = st.one_of(unicode_text(), st.sampled_from(["=cmd|'/C calc'!A0", "+SUM(1)", "-2+3", "@A1", '"', '""', "\r\n",
                                                   ",", ";", "acme", "Company", "https://example.org", "x" * 200_000]))


def csv_documents(header: list[str]):
    """Rows of random cells (ragged, quoted or not, formula prefixes), under a plausible header."""
    import csv
    import io

    def render(rows):
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue().encode("utf-8")
    return st.lists(st.lists(cells, max_size=len(header) + 2), max_size=6).map(render)


html_parts = st.sampled_from(["<script>alert(1)</script>", "<p>", "</p>", "<img src=x onerror=alert(1)>", "<h2>",
                              "</h2>", "<!--", "-->", "<![CDATA[", "<style>", "&#x0;", "&lt;b&gt;", "<svg onload=x>",
                              "<div>", "<table><tr><td>", "<iframe src=javascript:1>", "百度", "\n\n", "<"])


def html_documents():
    return st.lists(st.one_of(html_parts, unicode_text()), max_size=40).map(lambda p: "".join(p).encode("utf-8"))


# --- the fuzz tests, one per ingester -----------------------------------------------------------

@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(data=st.one_of(any_input(SINK_YAML), yaml_documents()))
def test_curated_reader_survives_any_input(work, data):
    run_reader("curated", work / "x.yaml", data)


@FUZZ
@given(data=st.one_of(any_input(EPOCH_CSV), csv_documents(EPOCH_CSV.split(b"\n")[0].decode().split(","))))
def test_epoch_reader_survives_any_input(work, data):
    run_reader("epoch", work / "epoch.csv", data)


@FUZZ
@given(data=st.one_of(any_input(GENERIC_CSV), csv_documents(GENERIC_CSV.split(b"\n")[0].decode().split(","))))
def test_generic_csv_reader_survives_any_input(work, data):
    run_reader("csv", work / "rows.csv", data)


@FUZZ
@given(data=st.one_of(any_input(CARDS_YAML), yaml_documents()))
def test_ecosystem_graphs_reader_survives_any_input(work, data):
    folder = work / "assets"
    folder.mkdir(exist_ok=True)
    run_reader("ecosystem-graphs", folder / "cards.yaml", data)


@FUZZ
@given(suffix=st.sampled_from([".md", ".html", ".txt", ".pdf"]),
       data=st.one_of(any_input(REPORT_MD), any_input(REPORT_HTML), html_documents(),
                      st.binary(max_size=64).map(lambda b: b"%PDF-1.4\n" + b)))
def test_report_reader_survives_any_input(work, suffix, data):
    run_reader("report", work / f"report{suffix}", data)


# --- specific hostile shapes: the reader's answer is asserted exactly --------------------------

def _findings(kind: str, path: Path) -> list[Finding]:
    return _reader(kind)(path)


def test_alias_bomb_in_asset_cards_is_skipped_with_its_location(tmp_path):
    folder = tmp_path / "assets"
    folder.mkdir()
    (folder / "bomb.yaml").write_bytes((HOSTILE / "billion_laughs_cards.yaml").read_bytes())
    findings = _findings("ecosystem-graphs", folder / "bomb.yaml")
    assert [str(f) for f in findings] == [
        "[WARNING] bomb.yaml:5:8 asset card repeats a YAML alias (*name); skipped: aliases can expand a "
        "small file into billions of values"]


def test_alias_bomb_in_curated_data_is_refused_without_expanding(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_bytes((HOSTILE / "billion_laughs_curated.yaml").read_bytes())
    messages = [str(f) for f in _findings("curated", path)]
    # one error per alias written (9 items of 'aliases', the 'anchors' mapping), not one per expanded value
    assert 1 < len(messages) <= 10 and all(m.startswith("[ERROR] bomb.yaml:") for m in messages), messages


def test_alias_bomb_in_report_front_matter_is_ignored(tmp_path):
    path = tmp_path / "bomb.md"
    path.write_bytes((HOSTILE / "billion_laughs_front_matter.md").read_bytes())
    report = read_report(path)
    assert report.title == "" and report.keywords == [] and [p.text for p in report.paragraphs] == ["Body text."]


def test_front_matter_with_an_impossible_date_keeps_it_as_text(tmp_path):
    # Found by fuzzing: yaml.safe_load raised ValueError (month must be in 1..12), a traceback.
    path = tmp_path / "r.md"
    path.write_text("---\ntitle: T\ndate: 2023-13-45\n---\nBody.\n", encoding="utf-8")
    assert read_report(path).date == "2023-13-45"


def test_deep_yaml_nesting_is_a_located_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("- " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    [finding] = _findings("curated", path)
    assert finding.level == "ERROR" and finding.file == "deep.yaml" and "malformed YAML" in finding.message


def test_csv_formula_cells_are_kept_as_text_never_evaluated(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes((HOSTILE / "formulas.csv").read_bytes())
    findings: list[Finding] = []
    pairs, stats = read_csv(path, GRAPH, NameIndex(), findings, display="rows.csv")
    [rec] = [r for r, _ in pairs]
    assert rec.label["en"].text == "=HYPERLINK(\"http://evil.example\",\"click\")"
    assert [v.text for v in rec.aliases] == ["+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3"]
    assert findings == []


def test_ragged_csv_rows_are_skipped_with_their_line(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes((HOSTILE / "ragged.csv").read_bytes())
    findings: list[Finding] = []
    pairs, stats = read_csv(path, GRAPH, NameIndex(), findings, display="rows.csv")
    assert [r.id for r, _ in pairs] == ["acme"]
    assert [str(f) for f in findings] == [
        "[WARNING] rows.csv:3:1 row has 7 fields, the header 6; skipped: quote cells that hold commas",
        "[WARNING] rows.csv:4:1 row has 3 fields, the header 6; skipped: quote cells that hold commas"]
    assert (stats.rows, stats.created, stats.unresolved) == (3, 1, 2)


def test_a_huge_csv_field_is_a_located_error(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("id,kind,label_en,sources\nacme,Company,\"" + "x" * (2 << 20) + "\",https://e.org\n",
                    encoding="utf-8")
    findings: list[Finding] = []
    pairs, _ = read_csv(path, GRAPH, NameIndex(), findings, display="rows.csv")
    assert pairs == [] and len(findings) == 1
    assert str(findings[0]).startswith("[ERROR] rows.csv:2 malformed CSV: field larger than field limit")


def test_html_scripts_styles_and_handlers_never_reach_the_text(tmp_path):
    path = tmp_path / "r.html"
    path.write_bytes(HOSTILE.joinpath("scripts.html").read_bytes())
    text = read_report(path).text
    assert "alert" not in text and "onerror" not in text and "color" not in text
    assert "Baidu released ERNIE Bot" in text and "<script>is text</script>" in text


# --- resource bounds ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind,name", [("curated", "x.yaml"), ("epoch", "e.csv"), ("csv", "g.csv"),
                                       ("ecosystem-graphs", "c.yaml"), ("report", "r.txt"), ("report", "r.md")])
def test_a_file_over_max_file_mb_is_refused_before_reading(tmp_path, kind, name):
    path = tmp_path / name
    with open(path, "wb") as fh:  # sparse: 3 MB of nothing, written in no time
        fh.truncate(3 << 20)
    with applied(Limits(max_file_mb=2)), pytest.raises(LimitError) as err:
        _reader(kind)(path)
    assert err.value.message == (f"{name}: the file is 3.0 MB, larger than the limit max_file_mb = 2; "
                                 "raise [limits] max_file_mb in kg.toml or split the file")


@pytest.mark.parametrize("kind,name,content", [
    ("curated", "x.yaml", "".join(f"- id: c{i}\n  kind: Company\n  label: {{en: C{i}}}\n  sources: [https://e.org]\n"
                                  for i in range(4))),
    ("epoch", "e.csv", EPOCH_CSV.decode() + "M3,O,2023-01-01\nM4,O,2023-01-01\nM5,O,2023-01-01\n"),
    ("csv", "g.csv", "id,kind,label_en,sources\n" + "".join(f"c{i},Company,C{i},https://e.org\n" for i in range(4))),
    ("ecosystem-graphs", "c.yaml", CARDS_YAML.decode() + "- type: dataset\n  name: D\n"),
    ("report", "r.txt", "".join(f"para {i}\n\n" for i in range(4))),
    ("report", "r.md", "".join(f"para {i}\n\n" for i in range(4))),
])
def test_more_records_than_max_records_is_refused_naming_the_limit(tmp_path, kind, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with applied(Limits(max_records=3)), pytest.raises(LimitError) as err:
        _reader(kind)(path)
    assert "more than max_records = 3 records; raise [limits] max_records in kg.toml or split it" in err.value.message
    assert err.value.message.startswith(name)


def test_limits_come_from_kg_toml_and_the_build_names_them(project, monkeypatch):
    monkeypatch.chdir(project.root)
    project.add(KITCHEN_SINK)
    project.write_config("\n[limits]\nmax_records = 3\n")
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(project.config)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().endswith("records; raise [limits] max_records in kg.toml or split it")
    assert "more than max_records = 3 records" in result.stderr
    assert project.store_fingerprint() == "no store"


@pytest.mark.parametrize("table,message", [
    ("max_file_mb = -1", "[limits] max_file_mb = -1; expected a positive number"),
    ("max_records = 2.5", "[limits] max_records = 2.5; expected a positive whole number"),
    ("max_rows = 3", "[limits] has unknown key(s) max_rows; expected max_file_mb, max_records"),
])
def test_bad_limits_are_a_config_error(project, table, message):
    project.write_config(f"\n[limits]\n{table}\n")
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(project.config)])
    assert result.exit_code == 1 and message in result.stderr


GB = 1 << 30


def test_a_1_gb_csv_is_streamed_in_bounded_memory(tmp_path):
    """1 GB of rows (past max_records after a few, as a runaway export would be): memory stays small."""
    import tracemalloc

    path = tmp_path / "huge.csv"
    row = b"acme-%09d,Company,,Acme,,https://example.org/acme,,,\n"
    with open(path, "wb") as fh:
        fh.write(GENERIC_CSV.split(b"\n")[0] + b"\n")
        block = b"".join(row % i for i in range(20_000))
        while fh.tell() < GB:
            fh.write(block)
    assert path.stat().st_size >= GB
    tracemalloc.start()
    try:
        with applied(Limits(max_records=5_000)), pytest.raises(LimitError) as err:
            read_csv(path, GRAPH, NameIndex(), [], display="huge.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        path.unlink()
    assert "huge.csv:5002: the source has more than max_records = 5,000 records" in err.value.message
    assert peak < 64 * 2**20  # 5,000 records held, never the file


def test_a_1_gb_text_report_is_streamed_in_bounded_memory(tmp_path):
    """The whole gigabyte is read paragraph by paragraph, in a child process whose peak resident
    memory (VmHWM) stays far below the file (tracemalloc would make the read ten times slower)."""
    import subprocess
    import sys

    path = tmp_path / "huge.txt"
    para = (b"x" * 2000 + b"\n\n") * 512  # ~1 MB: long paragraphs, few of them (the reader's worst case is size)
    with open(path, "wb") as fh:
        while fh.tell() < GB:
            fh.write(para)
    size = path.stat().st_size
    child = (
        "import sys\n"
        "from kg.ingest.report import iter_paragraphs\n"
        "count = sum(1 for _ in iter_paragraphs(sys.argv[1], 'huge.txt', chunk=4 << 20))\n"
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "print(count, peak)\n")
    try:
        done = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=900)
    finally:
        path.unlink()
    assert done.returncode == 0, done.stderr
    count, peak_kb = map(int, done.stdout.split())
    assert count == size // 2002
    assert peak_kb < 256 * 1024  # the interpreter and its imports plus a few chunks, never the gigabyte


# --- the hostile corpus end to end: kg build / kg ingest, store untouched on refusal -------------

CORPUS = {  # file -> source kind
    "billion_laughs_curated.yaml": "curated",
    "billion_laughs_cards.yaml": "ecosystem-graphs",
    "billion_laughs_front_matter.md": "report",
    "deep_nesting.yaml": "curated",
    "binary_garbage.yaml": "curated",
    "utf16_curated.yaml": "curated",
    "truncated.yaml": "curated",
    "python_tag.yaml": "curated",
    "formulas.csv": "csv",
    "ragged.csv": "csv",
    "nul_bytes.csv": "csv",
    "latin1_epoch.csv": "epoch",
    "scripts.html": "report",
    "not_a_pdf.pdf": "report",
    "bad_date_front_matter.md": "report",
}


def test_every_hostile_file_has_a_case():
    assert {p.name for p in HOSTILE.iterdir()} == set(CORPUS)


@pytest.fixture(scope="module")
def built_hostile(tmp_path_factory):
    from conftest import Project

    proj = Project(tmp_path_factory.mktemp("hostile") / "proj")
    proj.add(KITCHEN_SINK)
    result = CliRunner().invoke(main, ["build", "-q", "--config", str(proj.config)])
    assert result.exit_code == 0, result.output
    return proj


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_file_is_ingested_or_refused_cleanly_and_a_refusal_leaves_the_store(built_hostile, name):
    before = built_hostile.store_fingerprint()
    result = CliRunner().invoke(main, ["ingest", CORPUS[name], str(HOSTILE / name), "-v",
                                       "--config", str(built_hostile.config)])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert built_hostile.store_fingerprint() == before
        assert result.stderr.strip(), "a refusal says why"
    for line in result.stderr.splitlines():  # every finding is located
        if line.startswith("[ERROR]") or line.startswith("[WARNING]"):
            assert name in line.split()[1] or line.split()[1].startswith("<"), line


# --- atheris (coverage-guided) over the same entry points --------------------------------------

def test_atheris_finds_no_crash_in_any_ingester(tmp_path):
    pytest.importorskip("atheris")
    runs = int(os.environ.get("KG_ATHERIS_RUNS", "300"))
    out = {}
    for kind in ("curated", "epoch", "csv", "ecosystem-graphs", "report"):
        proc = subprocess.run([sys.executable, str(ROOT / "tests" / "fuzz_atheris.py"), kind, str(tmp_path),
                               f"-runs={runs}", "-max_len=4096", "-seed=1", "-rss_limit_mb=4096"],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        out[kind] = runs
        COUNTS[f"atheris:{kind}"] += runs
    assert len(out) == 5


def test_zz_fuzz_case_counts_are_recorded():
    """Runs last in this module: write how many cases each ingester ran (test-output/fuzz-counts.json)."""
    if not COUNTS:
        pytest.skip("run with the fuzz tests above")
    folder = ROOT / "test-output"
    folder.mkdir(exist_ok=True)
    (folder / "fuzz-counts.json").write_text(json.dumps(dict(sorted(COUNTS.items())), indent=1), encoding="utf-8")
    for kind in ("curated", "epoch", "csv", "ecosystem-graphs", "report"):
        assert COUNTS[kind] >= EXAMPLES, (kind, COUNTS[kind])
    print("fuzz cases per ingester:", dict(sorted(COUNTS.items())))
