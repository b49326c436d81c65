"""Find the graph's entities in a report's text (entity linking with a gazetteer).

The gazetteer holds every label and alias (zh and en) of every typed entity, normalised the way the
text is: case folded, full-width ASCII made half-width, traditional Chinese characters made
simplified. Every normalisation maps one character to one, so an offset in the normalised text is
the offset in the original. Names are matched in one pass (Aho-Corasick), longest first, without
overlaps; a name that starts or ends with a Latin letter or digit only matches at a word boundary
("AI" does not match inside "OpenAI"), and names shorter than two characters are not matched.

A name shared by several entities is resolved by context, then by kind:

1. a cue word within 12 characters before or after the mention names a kind (模型/model ->
   Model; 公司/集团/company -> Organization; 应用/产品/app -> Application; 办法/规定/法/act ->
   Policy; ...): the entity of that kind wins (confidence 0.8);
2. otherwise the kind first in ``KIND_ORDER`` wins (confidence 0.5).

An unambiguous name gets confidence 1.0, or 0.8 when it is two characters long. A two-character
Chinese name of an organization is often an ordinary word as well (浪潮 is Inspur and "a wave"):
it is linked only when an organization cue or verb (公司, 发布, 推出, 投资, 称, ...) is near it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import ahocorasick
import pyoxigraph as ox

from kg.ingest.report import Paragraph, Report
from kg.namespaces import AIGC, META_GRAPH, ONTOLOGY_GRAPH, RDF_TYPE, RESOURCE
from kg.ontology import Ontology

LABELS = (ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
          ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"))
# Which kind a shared name most likely means when the context says nothing (top classes).
KIND_ORDER = ("Model", "Application", "Organization", "Policy", "Region", "Technique", "Modality",
              "Industry", "IndustryLayer", "Dataset", "FundingEvent", "Document")
CUES = {
    "Model": ("模型", "大模型", "model", "llm"),
    "Organization": ("公司", "集团", "企业", "厂商", "机构", "实验室", "研究院", "大学", "company", "inc", "lab",
                     "group", "university"),
    "Application": ("应用", "产品", "app", "助手", "平台", "product", "assistant"),
    "Policy": ("办法", "规定", "条例", "法", "意见", "规划", "act", "regulation", "law"),
    "Region": ("省", "市", "地区", "国家", "province", "city", "country"),
}
CUE_WINDOW = 12


@dataclass(frozen=True)
class Mention:
    """A name of an entity found in a paragraph (offsets are in the paragraph's text)."""

    paragraph: str
    start: int
    end: int
    surface: str
    entity: str | None
    type: str
    confidence: float
    candidate: bool = False

    def as_dict(self) -> dict:
        """The mention as the JSON object ``kg extract`` prints."""
        return {"surface": self.surface, "start": self.start, "end": self.end, "paragraph": self.paragraph,
                "type": self.type, "entity": self.entity, "candidate": self.candidate,
                "confidence": self.confidence}


@lru_cache(maxsize=1)
def _t2s() -> dict[int, int]:
    """One-character traditional -> simplified mappings (from zhconv's table)."""
    from zhconv import zhconv

    zhconv.loaddict()
    table = zhconv.zhcdicts["zh2Hans"]
    return {ord(k): ord(v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v}


@lru_cache(maxsize=1)
def _table() -> dict[int, int]:
    table = dict(_t2s())
    table.update({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})  # full-width ASCII
    table[0x3000] = 0x20  # ideographic space
    return table


def normalise(text: str) -> str:
    """Fold ``text`` one character to one: case, full width, traditional characters.

    >>> normalise("ＧＰＴ－４ 國家互聯網信息辦公室 OpenAI")
    'gpt-4 国家互联网信息办公室 openai'
    """
    out = text.translate(_table())
    lowered = out.lower()
    if len(lowered) == len(out):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in out)


def _variants(name: str) -> set[str]:
    base = normalise(name.strip())
    out = {base}
    if "-" in base:
        out |= {base.replace("-", " "), base.replace("-", "")}
    return {v for v in out if len(v) >= 2}


_WORD = re.compile(r"[0-9a-z]")


class Gazetteer:
    """Every label and alias of the graph's entities, ready to match in text."""

    def __init__(self, names: dict[str, set[tuple[str, str]]]):
        self.names = names  # normalised name -> {(entity IRI, top class)}
        self.entities: dict[str, str] = {}  # entity IRI -> top class (from_quads / from_store)

    @cached_property
    def automaton(self) -> ahocorasick.Automaton:
        """The names as one Aho-Corasick automaton, built on the first match (name lookups need none)."""
        automaton = ahocorasick.Automaton()
        for key, entities in self.names.items():
            automaton.add_word(key, (key, tuple(sorted(entities))))
        if self.names:
            automaton.make_automaton()
        return automaton

    @classmethod
    def from_store(cls, store: ox.Store, ontology: Ontology, skip_graphs: frozenset[str] = frozenset()) -> Gazetteer:
        """Build the gazetteer of every typed project entity in ``store`` (outside ``skip_graphs``)."""
        def keep(quads):
            return (q for q in quads if q.graph_name.value not in skip_graphs) if skip_graphs else quads

        return cls.from_quads(keep(store.quads_for_pattern(None, RDF_TYPE, None)),
                              keep(q for pred in LABELS for q in store.quads_for_pattern(None, pred, None)), ontology)

    @classmethod
    def from_quads(cls, types: Iterable[ox.Quad], labels: Iterable[ox.Quad], ontology: Ontology) -> Gazetteer:
        """Build the gazetteer from ``rdf:type`` quads and label/alias quads (report elements left out)."""
        evidence = str(AIGC.ReportElement)
        kinds: dict[str, str] = {}
        for q in types:
            if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in (ONTOLOGY_GRAPH, META_GRAPH):
                continue
            if q.predicate == RDF_TYPE and q.subject.value.startswith(RESOURCE):
                c = ontology.class_by_iri(q.object.value)
                if c is not None and evidence not in c.ancestors:
                    kinds[q.subject.value] = _top(c, ontology)
        names: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for q in labels:
            kind = kinds.get(q.subject.value) if q.predicate in LABELS else None
            if kind is not None:
                for v in _variants(q.object.value):
                    names[v].add((q.subject.value, kind))
        gazetteer = cls(dict(names))
        gazetteer.entities = kinds
        return gazetteer

    def find(self, text: str, paragraph: str = "") -> list[Mention]:
        """Return the mentions in ``text``, longest first, without overlaps."""
        if not self.names:
            return []
        norm = normalise(text)
        hits = []
        for end, (key, entities) in self.automaton.iter(norm):
            start = end - len(key) + 1
            if _WORD.match(key[0]) and start > 0 and _WORD.match(norm[start - 1]):
                continue
            if _WORD.match(key[-1]) and end + 1 < len(norm) and _WORD.match(norm[end + 1]):
                continue
            hits.append((start, end + 1, entities))
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        taken = [False] * len(norm)
        out = []
        for start, end, entities in hits:
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            entity, kind, confidence = _resolve(entities, norm, start, end)
            if end - start == 2 and kind == "Organization" and _CJK_NAME.match(norm[start:end]) \
                    and not _cue(_context(norm, start, end), "Organization"):
                continue  # a two-character Chinese name is often a word too (浪潮 "wave", 百度 aside)
            out.append(Mention(paragraph, start, end, text[start:end], entity, kind, confidence))
        return sorted(out, key=lambda m: m.start)


_CJK_NAME = re.compile(r"^[\u4e00-\u9fff]+$")


def _context(norm: str, start: int, end: int) -> str:
    """The text within ``CUE_WINDOW`` characters before and after a mention."""
    return norm[max(0, start - CUE_WINDOW):start] + " " + norm[end:end + CUE_WINDOW]


def _cue(context: str, kind: str) -> bool:
    """Whether ``context`` holds a cue word of ``kind`` (or, for organisations, a verb they do)."""
    return any(cue in context for cue in CUES.get(kind, ()) + (_ORG_VERBS if kind == "Organization" else ()))


_ORG_VERBS = ("发布", "推出", "上线", "开发", "研发", "投资", "领投", "宣布", "旗下", "称", "released", "launched")


def _top(cls, ontology: Ontology) -> str:
    names = {a.rsplit("#", 1)[-1] for a in cls.ancestors}
    for kind in KIND_ORDER:
        if kind in names:
            return kind
    return cls.name


def _resolve(entities: tuple[tuple[str, str], ...], norm: str, start: int, end: int) -> tuple[str, str, float]:
    if len(entities) == 1:
        iri, kind = entities[0]
        return iri, kind, 1.0 if end - start > 2 else 0.8
    context = _context(norm, start, end)
    kinds = {kind for _, kind in entities}
    for kind in KIND_ORDER:
        if kind in kinds and any(cue in context for cue in CUES.get(kind, ())):
            choices = sorted(iri for iri, k in entities if k == kind)
            if len(choices) == 1:
                return choices[0], kind, 0.8
    for kind in KIND_ORDER:
        choices = sorted(iri for iri, k in entities if k == kind)
        if choices:
            return choices[0], kind, 0.5
    iri, kind = sorted(entities)[0]
    return iri, kind, 0.5


# --- names the graph does not know yet, and the numbers a report claims ------------------------

_CJK = "\u4e00-\u9fff"
_STOP = "的和与及、在由是为了等将对从向把被其该各这那个一"
# heads that make "<head>公司" a phrase ("the above companies"), not a name
_GENERIC = ("以上", "上述", "相关", "这些", "其他", "其它", "多家", "头部", "一些", "部分", "国内", "海外", "大型",
            "中小", "众多", "所有", "主要", "本土", "外资", "科技", "互联网", "创业", "上市", "行业", "该", "本", "各", "某")
CANDIDATE_PATTERNS = (
    # policy titles: 《...》 (a law, a measure, a plan)
    ("Policy", re.compile(r"《([^《》\n]{2,60})》"), 0.6),
    # organisations by their suffix: a run of Chinese characters ending in 公司, 集团, 实验室 ...
    ("Organization", re.compile(rf"([{_CJK}A-Za-z0-9]{{2,16}}?(?:(?:科技)?(?:有限公司|公司|集团)|科技|实验室|研究院|研究所|大学))"), 0.5),
    ("Organization", re.compile(r"\b((?:[A-Z][\w&-]*\s){0,3}[A-Z][\w&-]*\s(?:Inc\.?|Labs?|Ltd\.?|Corporation|Corp\.?"
                                r"|University|Institute|Group|Technologies|Technology|AI))(?![\w])"), 0.5),
    # model names with a version or a size: ABC-2.5, XYZ-7B, Foo v2, Llama 3.1 (a capital before a space:
    # "grew 14.6%" is not a name)
    ("Model", re.compile(r"\b((?:[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9.]+)*[-_]?|[A-Z][A-Za-z0-9]* )"
                         r"(?:\d+(?:\.\d+)+|\d+(?:\.\d+)?[BMK]|[vV]\d+(?:\.\d+)*))(?![\w.%％])"), 0.5),
)


@dataclass(frozen=True)
class Claim:
    """A number a paragraph states: its value, unit, kind, and the text around it."""

    paragraph: str
    start: int
    end: int
    surface: str
    kind: str  # percentage, money, count, date
    value: float | str
    unit: str

    def as_dict(self) -> dict:
        """The claim as plain data."""
        return {"surface": self.surface, "start": self.start, "end": self.end, "paragraph": self.paragraph,
                "kind": self.kind, "value": self.value, "unit": self.unit}


_SCALE = {"万": 1e4, "亿": 1e8, "千": 1e3, "百万": 1e6, "万亿": 1e12, "million": 1e6, "billion": 1e9,
          "trillion": 1e12}
_CLAIMS = (
    ("percentage", re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")),
    ("money", re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|亿|万|千|百万)?\s*(元|美元|人民币|港元)")),
    ("money", re.compile(r"(?:US)?\$\s?(\d+(?:\.\d+)?)\s*(million|billion|trillion)?", re.I)),
    ("date", re.compile(r"((?:19|20)\d{2})年(?:(\d{1,2})月)?(?:(\d{1,2})日)?")),
    ("count", re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|亿|万|千)?\s*(笔|家|个|款|人|次|倍|项|名|户|月活|用户)")),
)


def find_candidates(text: str, taken: list[tuple[int, int]], paragraph: str = "") -> list[Mention]:
    """Return names in ``text`` that look like entities and overlap no mention in ``taken``."""
    out: list[Mention] = []
    spans = list(taken)
    for kind, pattern, confidence in CANDIDATE_PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span(1)
            surface = m.group(1)
            if kind == "Organization":  # the name starts after the last function word before the suffix
                cut = max(surface.rfind(c, 0, len(surface) - 2) for c in _STOP)
                if cut >= 0:
                    start, surface = start + cut + 1, surface[cut + 1:]
            if len(surface) < 3 or any(s < end and start < e for s, e in spans):
                continue
            if kind == "Organization" and (surface.startswith(_GENERIC) or re.search(r"\d", surface)):
                continue  # "以上公司", "170家公司": phrases, not names
            spans.append((start, end))
            out.append(Mention(paragraph, start, end, surface, None, kind, confidence, candidate=True))
    return sorted(out, key=lambda m: m.start)


def find_claims(text: str, paragraph: str = "") -> list[Claim]:
    """Return the percentages, amounts of money, counts and dates ``text`` states."""
    out: list[Claim] = []
    spans: list[tuple[int, int]] = []
    for kind, pattern in _CLAIMS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(s < end and start < e for s, e in spans):
                continue
            spans.append((start, end))
            groups = m.groups()
            if kind == "date":
                value = "-".join(f"{int(g):02d}" if i else g for i, g in enumerate(groups) if g)
                unit = "date"
            elif kind == "percentage":
                value, unit = float(groups[0]), "%"
            else:
                scale = _SCALE.get((groups[1] or "").lower(), 1.0) if len(groups) > 1 else 1.0
                value = float(groups[0]) * scale
                unit = groups[2] if len(groups) > 2 and groups[2] else ("USD" if "$" in m.group(0) else "")
            out.append(Claim(paragraph, start, end, m.group(0), kind, value, unit))
    return sorted(out, key=lambda c: c.start)


def analyse_paragraph(p: Paragraph, gazetteer: Gazetteer) -> tuple[list[Mention], list[Claim]]:
    """Mentions (linked and candidates) and claims of one paragraph."""
    linked = gazetteer.find(p.text, p.id)
    mentions = sorted(linked + find_candidates(p.text, [(m.start, m.end) for m in linked], p.id),
                      key=lambda m: m.start)
    return mentions, find_claims(p.text, p.id)


@dataclass
class ParagraphAnalysis:
    """What one paragraph of a report holds: its mentions, claims and relations."""

    paragraph: Paragraph
    mentions: list[Mention]
    claims: list[Claim]
    relations: list[Relation]


def analyse_paragraphs(paragraphs: Iterable[Paragraph], gazetteer: Gazetteer) -> Iterator[ParagraphAnalysis]:
    """Analyse ``paragraphs`` one by one (a report read by ``iter_paragraphs`` is never held whole)."""
    for p in paragraphs:
        mentions, claims = analyse_paragraph(p, gazetteer)
        yield ParagraphAnalysis(p, mentions, claims, find_relations(p.text, mentions, p.id))


def analyse_report(report: Report, gazetteer: Gazetteer) -> tuple[list[Mention], list[Claim]]:
    """Mentions (linked and candidates) and claims of every paragraph of ``report``."""
    mentions: list[Mention] = []
    claims: list[Claim] = []
    for p in report.paragraphs:
        found, stated = analyse_paragraph(p, gazetteer)
        mentions += found
        claims += stated
    return mentions, claims


# --- evaluation against a gold file --------------------------------------------------------------

@dataclass
class Score:
    """Precision, recall and F1 of one type (or all), over distinct (type, surface) pairs."""

    true_positives: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _key(kind: str, surface: str) -> tuple[str, str]:
    return kind, normalise(surface.strip().strip("《》“”\"'「」"))


def read_gold(path) -> set[tuple[str, str]]:
    """Read ``TYPE<TAB>surface<TAB>canonical name`` lines (``#`` starts a comment)."""
    out = set()
    for number, line in enumerate(open(path, encoding="utf-8"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValueError(f"{path}:{number}: expected TYPE<TAB>surface<TAB>canonical name")
        out.add(_key(parts[0], parts[1]))
    return out


def evaluate(mentions: list[Mention], gold: set[tuple[str, str]]) -> dict[str, Score]:
    """Score distinct (type, surface) pairs of ``mentions`` (candidates included) against ``gold``."""
    predicted = {_key(m.type, m.surface) for m in mentions}
    scores: dict[str, Score] = defaultdict(Score)
    for kind, _ in predicted | gold:
        scores[kind]
    for key in predicted:
        scores[key[0]].predicted += 1
        scores[key[0]].true_positives += key in gold
    for key in gold:
        scores[key[0]].gold += 1
    total = Score(sum(s.true_positives for s in scores.values()), len(predicted), len(gold))
    return {**dict(sorted(scores.items())), "all": total}


# --- relations from text -------------------------------------------------------------------------

@dataclass(frozen=True)
class Relation:
    """A relation a paragraph states or suggests between two linked entities."""

    subject: str
    predicate: str  # developedBy, providedBy, investedIn, or coMention
    object: str
    paragraph: str
    evidence: str  # the text from the first mention's start to the second's end
    weight: int = 1  # co-mentions: how many times the pair occurs in the paragraph

    def as_dict(self) -> dict:
        """The relation as plain data."""
        return {"subject": self.subject, "predicate": self.predicate, "object": self.object,
                "paragraph": self.paragraph, "evidence": self.evidence, "weight": self.weight}


# (pattern between the two mentions, first mention's kind, second's kind, predicate, subject is first?)
_PATTERNS = (
    (re.compile(r"^\s*(?:正式|率先|宣布|已|又|再次)?(?:发布|推出|上线|开源)了?\s*$"), "Organization", ("Model", "Application"),
     "released", False),
    (re.compile(r"^\s*(?:is |was )?(?:released|launched|unveiled|open-sourced)\s*$", re.I), "Organization",
     ("Model", "Application"), "released", False),
    (re.compile(r"^\s*由\s*$"), ("Model", "Application"), "Organization", "madeBy", True),
    (re.compile(r"^\s*(?:投资|领投|参投|注资)了?\s*$"), "Organization", "Organization", "investedIn", True),
    (re.compile(r"^\s*(?:invested in|led a round in|backed)\s*$", re.I), "Organization", "Organization", "investedIn", True),
)
_MADE_BY = re.compile(r"^\s*(?:研发|开发|推出|发布|打造)")


def _is(kind: str, wanted) -> bool:
    return kind == wanted if isinstance(wanted, str) else kind in wanted


def find_relations(text: str, mentions: list[Mention], paragraph: str = "") -> list[Relation]:
    """Relations between the linked ``mentions`` of one paragraph: a few precise patterns, and
    co-mention of every pair (weighted by how often both are named)."""
    linked = sorted((m for m in mentions if m.entity), key=lambda m: m.start)
    out: list[Relation] = []
    for a, b in zip(linked, linked[1:]):
        between = text[a.end:b.start]
        for pattern, first, second, predicate, subject_first in _PATTERNS:
            if not (_is(a.type, first) and _is(b.type, second) and pattern.match(between)):
                continue
            if predicate == "released":  # X 发布 Y: Y is developed / provided by X
                made = "developedBy" if b.type == "Model" else "providedBy"
                out.append(Relation(b.entity, made, a.entity, paragraph, text[a.start:b.end]))
            elif predicate == "madeBy":  # Y 由 X 研发
                if (verb := _MADE_BY.match(text[b.end:b.end + 6])) is not None:
                    made = "developedBy" if a.type == "Model" else "providedBy"
                    out.append(Relation(a.entity, made, b.entity, paragraph, text[a.start:b.end + verb.end()]))
            else:
                out.append(Relation(a.entity, predicate, b.entity, paragraph, text[a.start:b.end]))
            break
    pairs: dict[tuple[str, str], list] = defaultdict(list)
    for i, a in enumerate(linked):
        for b in linked[i + 1:]:
            if a.entity != b.entity:
                key = tuple(sorted((a.entity, b.entity)))
                pairs[key].append(1)
    counts = defaultdict(int)
    for m in linked:
        counts[m.entity] += 1
    for (x, y) in sorted(pairs):
        out.append(Relation(x, "coMention", y, paragraph, "", min(counts[x], counts[y])))
    return out
