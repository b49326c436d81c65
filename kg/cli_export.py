"""``kg export`` and ``kg analyze``: thin shells over kg.export and kg.analyze."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.cli import FORMATS, _progress, common_options, main
from kg.errors import InputError
from kg.export import EXPORT_BOUND, FORMATS as EXPORT_FORMATS
from kg.query import format_result


def _open(settings):
    from kg.ontology import load_ontology
    from kg.store import open_store

    config = settings.config()
    return config, open_store(config), load_ontology(config.ontology_path, config.shapes_path)


@main.command("export")
@click.argument("seeds", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS)), default="turtle", show_default=True,
              help="Output format.")
@click.option("--output", "-o", default="-", show_default=True,
              help="File to write ('-': standard output); for csv a new folder, or a .zip file.")
@click.option("--hops", type=click.IntRange(min=0), default=1, show_default=True,
              help="Relationships to walk from the seeds (the walk stops early when nothing new is reached).")
@click.option("--direction", type=click.Choice(["both", "out", "in"]), default="both", show_default=True,
              help="Walk relationships from subject to object (out), backwards (in) or both.")
@click.option("--class", "classes", multiple=True, help="Keep only reached nodes of this class (repeatable).")
@click.option("--relation", "relations", multiple=True,
              help="Walk only this relationship, e.g. developedBy or DEVELOPED_BY (repeatable).")
@click.option("--layer", "layers", multiple=True, help="Keep nodes in this industry layer, or with none (repeatable).")
@click.option("--industry", "industries", multiple=True, help="Keep nodes serving this industry, or with none (repeatable).")
@click.option("--region", "regions", multiple=True,
              help="Keep nodes located in this region or a part of it, or with no region (repeatable).")
@click.option("--since", help="Keep nodes dated (released, issued, founded, funded) on or after this date, or undated.")
@click.option("--until", help="Keep nodes dated on or before this date, or undated.")
@click.option("--limit", type=click.IntRange(min=1), help="Keep at most this many nodes, the nearest first.")
@click.option("--sparql", "sparql", help="Select with a SPARQL CONSTRUCT (its triples) or SELECT (its resources).")
@click.option("--sparql-file", type=click.File("r", encoding="utf-8"), help="Read the SPARQL selection from a file.")
@click.option("--cypher", "cypher", help="Select the nodes, relationships or paths a Cypher query on Neo4j returns.")
@click.option("--with-sources", is_flag=True,
              help="Carry provenance: source links, source documents and the named graph of each fact.")
@click.option("--force", is_flag=True, help=f"Export a selection larger than {EXPORT_BOUND:,} facts.")
@common_options
def export_cmd(settings, seeds, fmt, output, hops, direction, classes, relations, layers, industries, regions,
               since, until, limit, sparql, sparql_file, cypher, with_sources, force):
    """Export a subgraph: SEEDS (ids, IRIs or names) and what lies within --hops of them, or a query's result.

    Formats: turtle, ntriples, nquads and trig (named graphs kept), jsonld (with the published
    @context), graphml and gexf (Gephi), csv (neo4j-admin import files), cypher (a script that
    recreates the subgraph) and html (an interactive page).
    """
    from kg.export import export_subgraph, select_cypher, select_sparql, select_subgraph

    if sparql_file is not None:
        sparql = sparql_file.read()
    modes = sum(bool(x) for x in (seeds, sparql, cypher))
    if modes != 1:
        raise click.UsageError("give SEEDS, --sparql/--sparql-file or --cypher (exactly one way to select)")
    if fmt == "csv" and output == "-":
        raise click.UsageError("csv writes several files: give --output FOLDER or --output FILE.zip")
    config, store, ontology = _open(settings)
    with _progress(settings) as progress:
        progress("selecting")
        if seeds:
            sel = select_subgraph(store, seeds, hops=hops, direction=direction, classes=classes or None,
                                  relations=relations or None, layers=layers or None,
                                  industries=industries or None, regions=regions or None, since=since,
                                  until=until, limit=limit, with_sources=with_sources, ontology=ontology)
        elif sparql:
            sel = select_sparql(store, sparql, with_sources=with_sources, limit=limit)
        else:
            from kg.sync import neo4j_settings

            sel = select_cypher(neo4j_settings(config), cypher, store=store, with_sources=with_sources, limit=limit)
        dest = sys.stdout.buffer if output == "-" else Path(output)
        result = export_subgraph(sel, fmt, dest, ontology=ontology, progress=progress, force=force)
    if not settings.quiet and output != "-":
        more = f" (of {sel.total_nodes:,}; raise --limit)" if sel.truncated else ""
        click.echo(f"wrote {result.nodes:,} nodes{more}, {result.quads:,} facts as {fmt} to {result.dest}", err=True)


@main.group()
def analyze():
    """Analyse the graph: centrality, communities, paths between entities, ecosystem summaries."""


def _graph(settings, neo4j: bool):
    from kg.analyze import to_networkx

    config, store, ontology = _open(settings)
    if neo4j:
        from kg.sync import neo4j_settings

        return store, ontology, to_networkx(neo4j_settings(config), ontology=ontology)
    return store, ontology, to_networkx(store, ontology=ontology)


_NEO4J = click.option("--neo4j", "neo4j", is_flag=True, help="Read the graph from Neo4j instead of the embedded store.")


@analyze.command("centrality")
@click.option("--measure", type=click.Choice(["degree", "pagerank", "betweenness"]), default="degree",
              show_default=True, help="Centrality measure.")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="Nodes listed per class.")
@click.option("--overall", is_flag=True, help="Rank all nodes together instead of per class.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_NEO4J
@common_options
def analyze_centrality(settings, measure, top, overall, fmt, neo4j):
    """Rank entities by degree, PageRank or betweenness, the top N of each class."""
    from kg.analyze import centrality

    _, _, G = _graph(settings, neo4j)
    click.echo(format_result(centrality(G, measure, by_class=not overall, top=top), fmt))


@analyze.command("communities")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True, help="Members listed per community.")
@click.option("--seed", type=int, default=42, show_default=True, help="Louvain's random seed (same seed, same split).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_NEO4J
@common_options
def analyze_communities(settings, top, seed, fmt, neo4j):
    """Split the graph into communities (Louvain) and list each one's size, classes and hubs."""
    from kg.analyze import communities, communities_table

    _, _, G = _graph(settings, neo4j)
    click.echo(format_result(communities_table(G, communities(G, seed=seed), top=top), fmt))


@analyze.command("path")
@click.argument("a")
@click.argument("b")
@click.option("-k", "k", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many shortest paths to list.")
@_NEO4J
@common_options
def analyze_path(settings, a, b, k, neo4j):
    """Explain how A and B are connected: the k shortest paths, each hop in words ("why are A and B connected")."""
    from kg.analyze import explain_paths

    store, ontology, G = _graph(settings, neo4j)
    paths = explain_paths(store, a, b, k, graph=G, ontology=ontology)
    if not paths:
        raise InputError(f"{a!r} and {b!r} are not connected in the graph")
    for p in paths:
        click.echo(f"{len(p)} hop(s): {p.text}")


@analyze.command("summary")
@click.argument("name", type=click.Choice(["layer-industry", "region", "models-per-year", "funding-by-year-layer",
                                           "policy-timeline"]))
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--chart", "chart", type=click.Path(dir_okay=False),
              help="Also draw the table as a chart: a .png file or an interactive .html page.")
@_NEO4J
@common_options
def analyze_summary(settings, name, fmt, chart, neo4j):
    """Summarise the ecosystem: counts by layer × industry, by region, models per year, funding, policies."""
    from kg.analyze import ecosystem_summary
    from kg.charts import summary_chart

    _, ontology, G = _graph(settings, neo4j)
    table = ecosystem_summary(G, name, ontology=ontology)
    click.echo(format_result(table, fmt))
    if chart:
        kind = Path(chart).suffix.lower().lstrip(".")
        if kind not in ("png", "html"):
            raise click.UsageError("--chart takes a .png or .html file name")
        try:
            Path(chart).write_bytes(summary_chart(table, kind))
        except OSError as exc:
            raise InputError(f"cannot write {chart}: {exc.strerror or exc}; choose a writable path") from exc
        if not settings.quiet:
            click.echo(f"chart written to {chart}", err=True)
