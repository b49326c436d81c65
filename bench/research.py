"""The fixed set of SPARQL research queries of the benchmark suite (bench/queries/*.rq).

Each file starts with comment lines: the research question, then ``# columns: a b c`` (the
variables of its result). ``?seed`` stands for the entity the question is about; the suite binds it
to the hub organisation (the developer with the most models) by writing the IRI into the text, so
every engine gets the same plain query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent / "queries"
_SEED = re.compile(r"\?seed\b")

SEED_QUERY = """SELECT ?o (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m aigc:developedBy ?o }
GROUP BY ?o ORDER BY DESC(?n) ?o LIMIT 1"""


@dataclass(frozen=True)
class ResearchQuery:
    name: str
    question: str
    columns: list[str]
    text: str

    def bound(self, seed: str) -> str:
        """The query with ``?seed`` replaced by the IRI ``seed``."""
        return _SEED.sub(f"<{seed}>", self.text)


def load_queries(folder: Path = QUERIES) -> list[ResearchQuery]:
    """Read every ``*.rq`` of ``folder``, in file-name order."""
    out = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        comments = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
        columns = next(c.split(":", 1)[1].split() for c in comments if c.startswith("columns:"))
        question = " ".join(c for c in comments if not c.startswith("columns:"))
        out.append(ResearchQuery(path.stem, question.removeprefix("Research question: "), columns, text))
    return out


def pick_seed(store) -> str:
    """The IRI of the organisation that most models name as their developer."""
    from kg.query import run_sparql

    return run_sparql(store, SEED_QUERY).rows[0][0].value
