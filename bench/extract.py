"""Benchmark entity linking (kg.extract) against a regular-expression alternation, in one run.

    python bench/extract.py [--mb 20] [--seed 7] [--config kg.toml]

The gazetteer is built from the configured store (every label and alias). The text is synthetic:
paragraphs of Chinese and English filler (from the originating report's own sentences when
../shared is there, else a fixed sample) with gazetteer names dropped in at random, about one name
per 60 characters. Both linkers get the same normalised text:

- kg.extract: Gazetteer.find per paragraph (Aho-Corasick, longest match, word boundaries,
  context resolution);
- peer: Python's ``re`` with one alternation of every normalised name, longest first (the usual
  hand-rolled approach), finditer per paragraph; no boundary checks or resolution.

Prints characters per second, MB/s (UTF-8 bytes), mentions found, peak RSS, and the ratio; then the
whole analysis ``kg ingest report`` does (kg.reports.map_report: linking, candidates, claims,
relations, RDF quads) on the same text saved as a .txt file.
Durations are measured, never asserted.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILLER = ("随着大模型技术的突破性发展，各行业的智能化升级看到了新的可能性。", "The market for generative AI keeps growing "
          "as companies ship new products every month. ", "在获投的应用与模型层创业项目中，多模态的应用前景更加为资本所看好。",
          "Researchers compared the systems on standard benchmarks and found mixed results. ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=20.0, help="size of the synthetic text in MB (UTF-8)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", type=Path, default=ROOT / "kg.toml")
    args = parser.parse_args(argv)

    import kg
    from kg.extract import Gazetteer, normalise

    config = kg.load_config(args.config)
    store = kg.open_store(config.store_path)
    t = time.perf_counter()
    gazetteer = Gazetteer.from_store(store, kg.load_ontology(config.ontology_path, config.shapes_path))
    gazetteer.automaton  # built on first use: counted in the setup, as before
    build_s = time.perf_counter() - t
    names = sorted(gazetteer.names)
    rnd = random.Random(args.seed)
    sentences = list(FILLER)
    report = ROOT.parent / "shared" / "reports" / "china-aigc-industry-2023.md"
    if report.is_file():
        from kg.ingest.report import read_report

        sentences += [s + "。" for p in read_report(report).paragraphs for s in p.text.split("。") if len(s) > 10]
    paragraphs, size = [], 0
    while size < args.mb * 1e6:
        parts = []
        while sum(len(p) for p in parts) < 400:
            parts.append(rnd.choice(sentences))
            parts.append(rnd.choice(names) + " ")
        text = normalise("".join(parts))
        paragraphs.append(text)
        size += len(text.encode("utf-8"))
    chars = sum(len(p) for p in paragraphs)

    t = time.perf_counter()
    ours = sum(len(gazetteer.find(p)) for p in paragraphs)
    ours_s = time.perf_counter() - t
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    t = time.perf_counter()
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    peer = sum(1 for p in paragraphs for _ in pattern.finditer(p))
    peer_s = time.perf_counter() - t
    rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The whole report analysis of kg ingest report on the same paragraphs, from a text file: linking,
    # candidates, claims, relations and the RDF quads of the report's graph (streamed reading).
    import tempfile

    from kg.reports import map_report

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.txt"
        path.write_text("\n\n".join(paragraphs), encoding="utf-8")
        t = time.perf_counter()
        mapped = map_report(path, gazetteer)
        ingest_s = time.perf_counter() - t
    rss_ingest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    mb = size / 1e6
    print(f"Linking benchmark, {time.strftime('%Y-%m-%d')}: {len(names):,} gazetteer names, {mb:.1f} MB of "
          f"synthetic zh+en text ({chars:,} characters, {len(paragraphs):,} paragraphs), seed {args.seed}; "
          f"Python {sys.version.split()[0]}, one core.\n")
    print("| linker | setup s | seconds | MB/s | characters/s | mentions | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| kg.extract (Aho-Corasick) | {build_s:.2f} | {ours_s:.2f} | {mb / ours_s:.2f} | {chars / ours_s:,.0f} | "
          f"{ours:,} | {rss_ours:.0f} |")
    print(f"| re alternation | {compile_s:.2f} | {peer_s:.2f} | {mb / peer_s:.2f} | {chars / peer_s:,.0f} | "
          f"{peer:,} | {rss_all:.0f} (after both) |")
    print(f"| kg ingest report's analysis (map_report: + candidates, claims, relations, {len(mapped.quads):,} quads) "
          f"| - | {ingest_s:.2f} | {mb / ingest_s:.2f} | {chars / ingest_s:,.0f} | {mapped.mentions:,} | "
          f"{rss_ingest:.0f} (after all) |")
    print(f"\nkg.extract: {mb / ours_s:.2f} MB/s (target ≥ 1 MB/s), {peer_s / ours_s:.1f}x the alternation's speed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
