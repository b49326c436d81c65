"""The ``kg`` command: a thin shell over the library (each command parses, calls one function, prints)."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import click
from rich.console import Console

from kg import ui as ui_pkg
from kg.build import build_graph, ingest_files
from kg.config import load_config
from kg.errors import InputError, KGError
from kg.ontology import load_ontology
from kg.cypher import parse_params, run_cypher
from kg.neo4j_server import server_status, start_server, stop_server
from kg.query import format_result, run_sparql
from kg.stats import format_stats, graph_stats
from kg.store import SYNC_LOCK, open_store, write_lock
from kg.sync import DEFAULT_BATCH, format_verify, neo4j_settings, sync_store, verify_sync

FORMATS = click.Choice(["table", "csv", "json"])


class _Settings:
    def __init__(self, config, store, quiet, verbose, traceback):
        self.config_path, self.store, self.quiet, self.verbose, self.traceback = (
            config, store, quiet, verbose, traceback)

    def config(self):
        return load_config(self.config_path, self.store)


def common_options(func):
    """Add --config, --store, --quiet, --verbose and --traceback, and turn KGError into exit codes."""
    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="kg.toml to use (default: $KG_CONFIG or ./kg.toml).")
    @click.option("--store", type=click.Path(file_okay=False), help="Store folder (overrides kg.toml).")
    @click.option("--quiet", "-q", is_flag=True, help="Print results only, no progress or summaries.")
    @click.option("--verbose", "-v", is_flag=True, help="Print warnings and every finding.")
    @click.option("--traceback", is_flag=True, help="Show the Python traceback of an error (bug hunts).")
    @functools.wraps(func)
    def wrapper(config_path, store, quiet, verbose, traceback, **kwargs):
        settings = _Settings(config_path, store, quiet, verbose, traceback)
        try:
            return func(settings, **kwargs)
        except KGError as exc:
            if traceback:
                raise
            click.echo(exc.report(), err=True)
            sys.exit(exc.exit_code)
    return wrapper


@contextlib.contextmanager
def _progress(settings: _Settings):
    """Yield a callback that shows the current stage on a terminal, and nothing when piped."""
    console = Console(stderr=True)
    if settings.quiet or not console.is_terminal:
        yield lambda _msg: None
        return
    with console.status("starting") as status:
        yield lambda msg: status.update(msg)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="aigc-kg")
def main():
    """The AIGC industry knowledge graph: build it, validate it, query it, browse it."""


@main.command()
@common_options
def build(settings):
    """Rebuild the whole graph from the sources in kg.toml, validate it, write the store atomically."""
    with _progress(settings) as progress:
        result = build_graph(settings.config(), progress=progress)
    if not settings.quiet:
        _print_findings(result.findings, settings.verbose)
        click.echo(f"built {result.store_path} from {len(result.files)} file(s) in {result.seconds:.2f} s")
        click.echo(format_stats(result.stats))
        warnings = sum(f.level == "WARNING" for f in result.findings)
        click.echo(f"validation: 0 errors, {warnings} warning(s)"
                   + (" (kg build --verbose lists them)" if warnings and not settings.verbose else ""))


@main.command()
@common_options
def validate(settings):
    """Check the configured sources (SHACL shapes and data checks) without writing the store."""
    with _progress(settings) as progress:
        result = build_graph(settings.config(), write=False, progress=progress)
    _print_findings(result.findings, verbose=True)
    if not settings.quiet:
        click.echo(f"valid: {result.stats.triples} triples from {len(result.files)} file(s), "
                   f"{sum(f.level == 'WARNING' for f in result.findings)} warning(s)")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@common_options
def stats(settings, fmt):
    """Count entities per class and facts per property in the built graph."""
    config = settings.config()
    result = graph_stats(open_store(config), load_ontology(config.ontology_path, config.shapes_path))
    click.echo(json.dumps(result.as_dict(), indent=1) if fmt == "json" else format_stats(result))


@main.command()
@click.argument("kind", type=click.Choice(["curated", "report", "epoch", "ecosystem-graphs", "csv"]))
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@common_options
def ingest(settings, kind, paths):
    """Add one source (its files become named graphs, replacing earlier versions) to the store.

    KIND is curated (the project's YAML), report (industry reports: .html, .md, .pdf, .txt, or a
    folder of them; their mentions, candidates, statistics and relations with PROV-O provenance),
    epoch (Epoch AI's notable_ai_models.csv), ecosystem-graphs (the assets/ folder of Stanford
    CRFM's Ecosystem Graphs) or csv (one entity per row, columns named as in curated YAML).
    Imported names are resolved against the entities in the store: a match is merged, not
    duplicated.
    """
    with _progress(settings) as progress:
        result = ingest_files(settings.config(), kind, [Path(p) for p in paths], progress=progress)
    if not settings.quiet:
        _print_findings(result.findings, settings.verbose)
        click.echo(f"ingested {len(result.files)} file(s) into {result.store_path}")
        for line in result.report_lines():
            click.echo(line)
        click.echo(format_stats(result.stats))


@main.group()
def query():
    """Run read-only queries: SPARQL on the embedded store, Cypher on Neo4j."""


@query.command("sparql")
@click.argument("text", required=False)
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--max-rows", type=click.IntRange(min=0), default=10000, show_default=True,
              help="Stop after this many rows (0: no cap).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds before the query is abandoned.")
@common_options
def query_sparql(settings, text, file, fmt, max_rows, timeout):
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query; updates and SERVICE are refused."""
    if (text is None) == (file is None):
        raise click.UsageError("give the query as an argument or with --file, not both")
    query_text = file.read() if file else text
    store = open_store(settings.config())
    result = run_sparql(store, query_text, max_rows=max_rows or None, timeout=timeout)
    _echo_result(result, fmt, max_rows)


def _echo_result(result, fmt: str, max_rows: int) -> None:
    text = format_result(result, fmt)
    click.echo(text, nl=not text.endswith("\n"))
    if result.truncated:
        click.echo(f"warning: output stopped at {max_rows} rows; raise --max-rows", err=True)


@main.group("neo4j")
def neo4j_group():
    """Run a local Neo4j 5 server (from Maven Central artifacts) bound to 127.0.0.1."""


@neo4j_group.command("start")
@click.option("--port", type=click.IntRange(0, 65535), help="Bolt port (default: [neo4j] port or 7687; 0: any free port).")
@click.option("--heap", help="JVM heap, e.g. 512m or 2g (default: [neo4j] heap).")
@click.option("--pagecache", help="Neo4j's page cache, e.g. 256m or 1g (default: [neo4j] pagecache).")
@common_options
def neo4j_start(settings, port, heap, pagecache):
    """Start the local Neo4j (built by Maven on first use) and wait until it accepts queries."""
    config = settings.config()
    with _progress(settings) as progress:
        status = start_server(config.neo4j_state, port=config.neo4j_port if port is None else port,
                              heap=heap or config.neo4j_heap, pagecache=pagecache or config.neo4j_pagecache,
                              progress=progress)
    click.echo(status.describe())


@neo4j_group.command("stop")
@common_options
def neo4j_stop(settings):
    """Stop the local Neo4j."""
    config = settings.config()
    click.echo("Neo4j stopped" if stop_server(config.neo4j_state) else "Neo4j was not running")


@neo4j_group.command("status")
@common_options
def neo4j_status(settings):
    """Say whether the local Neo4j runs, and where (exit 3 if it does not)."""
    status = server_status(settings.config().neo4j_state)
    click.echo(status.describe())
    if not status.running:
        sys.exit(3)


@main.command()
@click.option("--verify", is_flag=True, help="After syncing, compare counts and sampled values; exit 1 on a difference.")
@click.option("--batch-size", type=click.IntRange(min=1), default=DEFAULT_BATCH, show_default=True,
              help="Nodes per write transaction.")
@click.option("--full", is_flag=True, help="Rewrite every node, not only changed ones (repairs edits made in Neo4j).")
@common_options
def sync(settings, verify, batch_size, full):
    """Bring Neo4j in step with the RDF store (only what changed is written; removals propagate)."""
    config = settings.config()
    neo = neo4j_settings(config)
    store, ontology = open_store(config), load_ontology(config.ontology_path, config.shapes_path)
    with write_lock(config.store_path, SYNC_LOCK, "synced to Neo4j"), _progress(settings) as progress:
        result = sync_store(store, ontology, neo, batch_size=batch_size, full=full, progress=progress)
    if not settings.quiet:
        for note in result.notes:
            click.echo(f"[WARNING] {note}", err=True)
        if result.graphs_skipped:
            click.echo(f"{result.graphs_skipped} source graph(s) unchanged since the last sync")
        click.echo(f"synced {result.nodes_total} nodes to {neo.uri}: {result.nodes_written} written, "
                   f"{result.nodes_deleted} deleted, {result.written} changes "
                   f"({', '.join(f'{k} {v}' for k, v in result.counters.items() if v) or 'nothing to do'}) "
                   f"in {result.seconds:.2f} s")
    if verify:
        check = verify_sync(store, ontology, neo)
        click.echo(format_verify(check))
        if not check.ok:
            sys.exit(1)


@query.command("cypher")
@click.argument("text", required=False)
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A query parameter ($NAME); VALUE is read as JSON when it parses, else as text.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds before the server stops the query.")
@click.option("--max-rows", type=click.IntRange(min=0), default=10000, show_default=True,
              help="Stop after this many rows (0: no cap).")
@common_options
def query_cypher(settings, text, file, params, fmt, timeout, max_rows):
    """Run a read-only Cypher query against Neo4j (writes, LOAD CSV and admin procedures are refused)."""
    if (text is None) == (file is None):
        raise click.UsageError("give the query as an argument or with --file, not both")
    result = run_cypher(neo4j_settings(settings.config()), file.read() if file else text,
                        parse_params(list(params)), timeout=timeout, max_rows=max_rows or None)
    _echo_result(result, fmt, max_rows)


@main.command()
@click.option("--port", default=8501, show_default=True, help="Port of the explorer.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (127.0.0.1: this machine only).")
@common_options
def ui(settings, port, host):
    """Start the Streamlit explorer on the embedded store."""
    config = settings.config()
    app = Path(ui_pkg.__file__).parent / "app.py"
    env = dict(os.environ, KG_CONFIG=str(config.file))
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.address", host,
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    sys.exit(subprocess.call(cmd, env=env))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option("--claims", is_flag=True, help="Print the numbers the reports state instead of the mentions.")
@click.option("--relations", is_flag=True, help="Print the relations between linked entities instead of the mentions.")
@common_options
def extract(settings, paths, fmt, claims, relations):
    """Find the graph's entities in reports (HTML, Markdown, PDF, text) without writing anything.

    Prints one JSON object per mention: surface, start and end (offsets in the paragraph),
    paragraph (its id), type, entity (IRI, or null for a candidate: a name the graph does not
    know yet), candidate, confidence. With --claims: one per number (percentage, money, count,
    date) with its value and unit. With --relations: one per relation (X 发布 Y, Y 由 X 研发,
    X 领投 Y, ... and co-mentions in a paragraph, weighted), with the paragraph as evidence.
    """
    from kg.extract import analyse_paragraphs
    from kg.ingest.report import ReportError, iter_paragraphs

    gazetteer = _gazetteer(settings.config())
    with _progress(settings) as progress:
        def say(done: int, total: int) -> None:
            progress(f"{done / 1e6:.0f} of {total / 1e6:.0f} MB read")

        for path in paths:
            try:  # paragraph by paragraph: a large text report is never held whole
                for found in analyse_paragraphs(iter_paragraphs(Path(path), progress=say), gazetteer):
                    items = found.relations if relations else found.claims if claims else found.mentions
                    for item in items:
                        row = item.as_dict()
                        click.echo(json.dumps(row, ensure_ascii=False) if fmt == "jsonl"
                                   else "\t".join(str(v) for v in row.values()))
            except ReportError as exc:
                raise InputError(str(exc)) from exc


@main.command("eval")
@click.option("--gold", "gold_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Gold mentions: TYPE<TAB>surface<TAB>canonical name per line.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@common_options
def eval_(settings, gold_path, paths):
    """Score kg extract on reports against a gold file: precision, recall and F1 per type.

    Distinct (type, surface) pairs are compared, surfaces folded as the linker folds them.
    """
    from kg.extract import analyse_report, evaluate, read_gold
    from kg.ingest.report import ReportError, read_report

    gazetteer = _gazetteer(settings.config())
    try:
        gold = read_gold(gold_path)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    mentions = []
    for path in paths:
        try:
            mentions += analyse_report(read_report(Path(path)), gazetteer)[0]
        except ReportError as exc:
            raise InputError(str(exc)) from exc
    click.echo("type              precision  recall     F1   tp  predicted  gold")
    for kind, s in evaluate(mentions, gold).items():
        click.echo(f"  {kind:<16} {s.precision:>8.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.true_positives:>4} "
                   f"{s.predicted:>10} {s.gold:>5}")


@main.group(invoke_without_command=True)
@click.option("--type", "kind", help="Only candidates of this class (Organization, Model, Policy, ...).")
@click.option("--min-count", default=1, show_default=True, help="Only candidates mentioned this often.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@common_options
@click.pass_context
def candidates(ctx, settings, kind, min_count, fmt):
    """List names found in ingested reports that the graph does not know yet, most mentioned first.

    `kg candidates promote NAME` adds one to the curated data; `kg candidates dismiss NAME` hides it.
    """
    if ctx.invoked_subcommand is not None:
        return
    from kg.reports import candidates_table

    click.echo(format_result(candidates_table(settings.config(), kind=kind, min_count=min_count), fmt))


@candidates.command("promote")
@click.argument("name")
@click.option("--id", "rid", help="The new record's id (lowercase ASCII; required for a Chinese name).")
@click.option("--kind", help="Its class (default: the candidate's type; e.g. Company for an Organization).")
@click.option("--to", "target", type=click.Path(dir_okay=False),
              help="The curated YAML file to append to (default: promoted.yaml in the first curated source).")
@click.option("--set", "fields", multiple=True, metavar="KEY=VALUE",
              help="A property of the record, e.g. --set developedBy=baidu (repeatable).")
@common_options
def candidates_promote(settings, name, rid, kind, target, fields):
    """Add the candidate NAME to the curated YAML, citing the report it came from, and ingest it.

    The record is validated with the rest of the graph first: if it is refused (e.g. a Model
    without --set developedBy=ID), the YAML file and the store are left as they were.
    """
    from kg.reports import group_fields, promote_candidate

    with _progress(settings) as progress:
        path, record = promote_candidate(settings.config(), name, rid=rid, kind=kind,
                                         target=Path(target) if target else None,
                                         fields=group_fields(fields), progress=progress)
    if not settings.quiet:
        click.echo(f"added to {path}:\n{record}")


@candidates.command("dismiss")
@click.argument("name")
@common_options
def candidates_dismiss(settings, name):
    """Hide the candidate NAME from `kg candidates` (listed in dismissed-candidates.tsv)."""
    from kg.reports import dismiss_candidate

    path = dismiss_candidate(settings.config(), name)
    if not settings.quiet:
        click.echo(f"dismissed {name!r} (in {path})")


def _gazetteer(config):
    """The names of every entity in the configured store, for kg extract and kg eval."""
    from kg.extract import Gazetteer

    return Gazetteer.from_store(open_store(config), load_ontology(config.ontology_path, config.shapes_path))


def _print_findings(findings, verbose: bool) -> None:
    for finding in findings:
        if verbose or finding.level == "ERROR":
            click.echo(str(finding), err=True)


# Commands defined in their own modules register themselves on `main` when imported.
from kg import cli_export  # noqa: E402,F401  (kg export, kg analyze)
from kg import cli_serve  # noqa: E402,F401  (kg serve-sparql, kg fuseki)

if __name__ == "__main__":  # pragma: no cover
    main()
