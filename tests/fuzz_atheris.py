"""Coverage-guided fuzzing of one ingester with atheris (run by tests/test_fuzz_ingest.py).

    python tests/fuzz_atheris.py KIND WORKDIR [libFuzzer options, e.g. -runs=2000]

KIND is curated, epoch, csv, ecosystem-graphs or report. An input may make the reader raise its
own errors (KGError, ReportError) or report findings; anything else is a crash, which atheris
reports with the input that caused it (exit code non-zero).
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:  # pragma: no cover - runs in a subprocess
    import atheris

    kind, work = sys.argv[1], Path(sys.argv[2])
    with atheris.instrument_imports():
        from kg.errors import KGError
        from kg.ingest.csv_generic import read_csv
        from kg.ingest.curated import read_curated_file
        from kg.ingest.ecosystem_graphs import read_ecosystem_graphs
        from kg.ingest.epoch import read_epoch
        from kg.ingest.report import ReportError, read_report
        from kg.ingest.resolve import NameIndex

    graph = "https://w3id.org/aigc-kg/graph/fuzz/x"
    folder = work / f"atheris-{kind}"
    folder.mkdir(parents=True, exist_ok=True)
    suffixes = [".md", ".html", ".txt", ".pdf"]

    def one(data: bytes) -> None:
        findings: list = []
        try:
            if kind == "curated":
                path = folder / "x.yaml"
                path.write_bytes(data)
                read_curated_file(path, findings)
            elif kind == "epoch":
                path = folder / "x.csv"
                path.write_bytes(data)
                read_epoch(path, graph, NameIndex(), findings)
            elif kind == "csv":
                path = folder / "x.csv"
                path.write_bytes(data)
                read_csv(path, graph, NameIndex(), findings)
            elif kind == "ecosystem-graphs":
                path = folder / "x.yaml"
                path.write_bytes(data)
                read_ecosystem_graphs(path, graph, NameIndex(), findings)
            else:
                path = folder / f"x{suffixes[data[0] % 4] if data else '.txt'}"
                path.write_bytes(data[1:])
                read_report(path)
        except (KGError, ReportError):
            return
        for f in findings:
            if not (f.file and f.message):
                raise AssertionError(f"finding without a location: {f!r}")

    atheris.Setup([sys.argv[0], *sys.argv[3:]], one)
    atheris.Fuzz()


if __name__ == "__main__":  # pragma: no cover
    main()
