"""``kg serve-sparql`` and ``kg fuseki``: thin shells over kg.serve and kg.fuseki_server."""

from __future__ import annotations

import sys

import click

from kg.cli import _progress, common_options, main
from kg.fuseki_server import DEFAULT_PORT as FUSEKI_PORT, fuseki_status, start_fuseki, stop_fuseki
from kg.serve import DEFAULT_PORT, make_server


@main.command("serve-sparql")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (127.0.0.1: this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a query may run before it is answered with 503.")
@click.option("--max-rows", type=click.IntRange(min=0), default=10000, show_default=True,
              help="Rows (or triples) returned at most per query (0: no cap).")
@common_options
def serve_sparql(settings, host, port, timeout, max_rows):
    """Serve the graph as a read-only SPARQL 1.1 Protocol endpoint at http://HOST:PORT/sparql.

    SELECT/ASK answer in SPARQL JSON, XML, CSV or TSV and CONSTRUCT/DESCRIBE in Turtle,
    N-Triples, RDF/XML or JSON-LD, as the Accept header asks; updates and SERVICE get 400.
    """
    from kg.store import open_store

    log = (lambda line: click.echo(line, err=True)) if settings.verbose else None  # one line per request
    server = make_server(open_store(settings.config()), host, port, timeout=timeout,
                         max_rows=max_rows or None, log=log)
    if not settings.quiet:
        click.echo(f"SPARQL endpoint at {server.url} (read-only; Ctrl-C stops it)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@main.group("fuseki")
def fuseki_group():
    """Run a local Apache Jena Fuseki (from Maven Central) bound to 127.0.0.1, for [store] kind = "sparql"."""


def _state(settings):
    config = settings.config()
    return config.store_path.parent / "fuseki"


@fuseki_group.command("start")
@click.option("--port", type=click.IntRange(0, 65535), default=FUSEKI_PORT, show_default=True,
              help="HTTP port (0: any free port).")
@click.option("--memory", is_flag=True, help="Keep the dataset in memory instead of a TDB2 database.")
@click.option("--heap", default="512m", show_default=True, help="JVM heap, e.g. 512m or 4g.")
@common_options
def fuseki_start(settings, port, memory, heap):
    """Start Fuseki (fetched by Maven on first use) and print the [store] table that points kg at it."""
    with _progress(settings) as progress:
        status = start_fuseki(_state(settings), port=port, memory=memory, heap=heap, progress=progress)
    click.echo(status.describe())
    if not settings.quiet:
        click.echo("\nkg.toml:\n" + status.toml())


@fuseki_group.command("stop")
@common_options
def fuseki_stop(settings):
    """Stop the local Fuseki."""
    click.echo("Fuseki stopped" if stop_fuseki(_state(settings)) else "Fuseki was not running")


@fuseki_group.command("status")
@common_options
def fuseki_status_cmd(settings):
    """Say whether the local Fuseki runs, and where (exit 3 if it does not)."""
    status = fuseki_status(_state(settings))
    click.echo(status.describe())
    if not status.running:
        sys.exit(3)
