"""Generate a seeded, AIGC-shaped synthetic dataset in the curated format (docs/curated-format.md).

    python bench/generate.py --triples 1000000 --seed 42 --out bench/out/synth-1000000

writes ``OUT/kg.toml`` (store ``store``, one curated source ``data``) and ``OUT/data/*.yaml``,
which ``kg build --config OUT/kg.toml`` accepts with zero validation errors. The same seed always
gives the same files. From Python::

    from bench.generate import generate        # or importlib on bench/generate.py
    counts = generate(100_000, seed=42, out=Path("bench/out/synth"))
    counts["triples"]   # the data triples the built graph will hold (kg stats "triples")

The shape follows the industry: four industry layers, modalities, techniques and ~30 industries
as concepts; countries, provinces and cities (partOf); companies, research institutions,
government bodies and investment firms (foundedDate, headquarteredIn, subsidiaryOf, inLayer);
models (developedBy and basedOn picked with a power law, so a few hub organisations and a few
base models dominate, as in the real graph), applications, policies, funding rounds (investors
power-law too) and documents that mention the rest.

Every name carries the record's serial number at its end, after a non-digit, so no two records
of one kind can share a normalised name (lowercase, width-folded, separators removed), which the
build reports as a duplicate. YAML is written as text (no yaml.dump): every free-text value is a
double-quoted scalar, ids are plain slugs, dates/numbers/booleans are plain scalars.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["generate", "plan_records"]

CHUNK = 10_000  # records per YAML file (each file is one named graph)

# ---------------------------------------------------------------------------- vocabularies

LAYERS = [  # id, zh, en
    ("compute-layer", "算力层", "Compute layer"),
    ("model-layer", "模型层", "Model layer"),
    ("tool-layer", "工具层", "Tool layer"),
    ("application-layer", "应用层", "Application layer"),
]
MODALITIES = [
    ("text", "文本", "Text"), ("image", "图像", "Image"), ("audio", "音频", "Audio"),
    ("video", "视频", "Video"), ("code", "代码", "Code"), ("3d", "三维", "3D"),
    ("multimodal", "多模态", "Multimodal"), ("cross-modal", "跨模态", "Cross-modal"),
]
TECHNIQUES = [
    ("transformer", "Transformer架构", "Transformer"), ("diffusion-model", "扩散模型", "Diffusion model"),
    ("gan", "生成对抗网络", "Generative adversarial network"), ("vae", "变分自编码器", "Variational autoencoder"),
    ("pretraining", "预训练", "Pre-training"), ("rlhf", "人类反馈强化学习", "RLHF"),
    ("mixture-of-experts", "混合专家模型", "Mixture of experts"), ("distillation", "知识蒸馏", "Distillation"),
    ("quantization", "量化", "Quantization"), ("pruning", "剪枝", "Pruning"),
    ("instruction-tuning", "指令微调", "Instruction tuning"), ("lora", "低秩适配", "LoRA"),
    ("retrieval-augmented-generation", "检索增强生成", "Retrieval-augmented generation"),
    ("self-supervised-learning", "自监督学习", "Self-supervised learning"),
    ("chain-of-thought", "思维链", "Chain of thought"), ("state-space-model", "状态空间模型", "State space model"),
]
INDUSTRIES = [
    ("e-commerce", "电商", "E-commerce"), ("games", "游戏", "Games"), ("advertising", "广告营销", "Advertising"),
    ("film-media", "影视传媒", "Film and media"), ("finance", "金融", "Finance"),
    ("healthcare", "医疗健康", "Healthcare"), ("education", "教育", "Education"),
    ("manufacturing", "制造业", "Manufacturing"), ("automotive", "汽车", "Automotive"),
    ("retail", "零售", "Retail"), ("legal", "法律", "Legal services"), ("government", "政务", "Government services"),
    ("telecom", "通信", "Telecommunications"), ("energy", "能源", "Energy"), ("logistics", "物流", "Logistics"),
    ("real-estate", "房地产", "Real estate"), ("tourism", "文旅", "Tourism"), ("agriculture", "农业", "Agriculture"),
    ("publishing", "出版", "Publishing"), ("music", "音乐", "Music"), ("design", "设计", "Design"),
    ("enterprise-software", "企业软件", "Enterprise software"), ("customer-service", "客服", "Customer service"),
    ("security", "安防", "Security"), ("biotech", "生物医药", "Biotech"), ("insurance", "保险", "Insurance"),
    ("architecture", "建筑", "Architecture"), ("social-media", "社交媒体", "Social media"),
    ("iot", "物联网", "Internet of things"), ("digital-content", "数字内容", "Digital content"),
]
COUNTRIES = [
    ("china", "中国", "China"), ("united-states", "美国", "United States"), ("united-kingdom", "英国", "United Kingdom"),
    ("france", "法国", "France"), ("germany", "德国", "Germany"), ("japan", "日本", "Japan"),
    ("south-korea", "韩国", "South Korea"), ("canada", "加拿大", "Canada"), ("israel", "以色列", "Israel"),
    ("singapore", "新加坡", "Singapore"), ("india", "印度", "India"), ("united-arab-emirates", "阿联酋", "United Arab Emirates"),
    ("netherlands", "荷兰", "Netherlands"), ("switzerland", "瑞士", "Switzerland"), ("sweden", "瑞典", "Sweden"),
    ("australia", "澳大利亚", "Australia"), ("brazil", "巴西", "Brazil"), ("spain", "西班牙", "Spain"),
    ("italy", "意大利", "Italy"), ("finland", "芬兰", "Finland"),
]
COUNTRY_WEIGHTS = [30, 30, 6, 5, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 2, 1, 1, 1, 1]

ZH_SYLLABLES = list("智星云海天华创联博深度元光思达悦数象灵极睿航启明宇芯图言语知行迅捷鸿腾泰安盛瑞恒远岚峰")
EN_WORDS = ["Aurora", "Nova", "Zenith", "Quantum", "Lumen", "Cosmos", "Vertex", "Nimbus", "Helix", "Orion",
            "Pixel", "Sage", "Echo", "Atlas", "Flux", "Prism", "Spark", "Tide", "Vector", "Cipher", "Horizon",
            "Summit", "Beacon", "Falcon", "Lotus", "Jade", "Cedar", "Harbor", "Meridian", "Polaris", "Kestrel",
            "Opal", "Ripple", "Sable", "Tundra", "Vivid", "Willow", "Xenon", "Yonder", "Zephyr"]
EN_PLACE = ["north", "south", "east", "west", "lake", "river", "hill", "port", "stone", "field", "wood", "bay",
            "ford", "dale", "crest", "haven", "mere", "glen"]
COMPANY_SUFFIX = [("科技", "Technology"), ("智能", "Intelligence"), ("网络", "Networks"), ("数据", "Data"),
                  ("云计算", "Cloud"), ("视觉", "Vision"), ("机器人", "Robotics"), ("半导体", "Semiconductor"),
                  ("信息", "Information"), ("AI", "AI")]
RESEARCH_SUFFIX = [("人工智能研究院", "Institute of Artificial Intelligence"), ("实验室", "Laboratory"),
                   ("大学", "University"), ("智能研究中心", "AI Research Center")]
GOV_BODY = [("网信办", "Cyberspace Administration"), ("科学技术厅", "Department of Science and Technology"),
            ("工业和信息化局", "Bureau of Industry and Information Technology"),
            ("数据管理局", "Data Administration"), ("经济和信息化委员会", "Commission of Economy and Informatization")]
INVEST_SUFFIX = [("资本", "Capital"), ("创投", "Ventures"), ("投资", "Investment"), ("基金", "Fund"),
                 ("产业基金", "Industry Fund")]
MODEL_VARIANT = [("对话", "Chat"), ("基座", "Base"), ("指令", "Instruct"), ("视觉", "Vision"),
                 ("代码", "Coder"), ("绘画", "Paint"), ("语音", "Voice"), ("视频", "Motion"), ("推理", "Reasoner"),
                 ("多模态", "Omni")]
APP_KIND = [("助手", "Assistant"), ("写作", "Writer"), ("画师", "Studio"), ("客服", "Agent"), ("搜索", "Search"),
            ("翻译", "Translate"), ("会议", "Meeting"), ("剪辑", "Cut"), ("编程", "Copilot"), ("营销", "Marketer")]
POLICY_KIND = [("生成式人工智能服务管理办法", "Measures for Generative AI Services"),
               ("人工智能产业发展行动计划", "AI Industry Action Plan"),
               ("深度合成管理规定", "Provisions on Deep Synthesis"),
               ("算法推荐管理规定", "Provisions on Algorithmic Recommendation"),
               ("数据安全管理条例", "Data Security Regulations"),
               ("算力基础设施发展意见", "Opinions on Computing Infrastructure")]
DOC_KIND = [("产业研究报告", "Industry Report"), ("白皮书", "White Paper"), ("新闻报道", "News Article"),
            ("技术报告", "Technical Report"), ("年度报告", "Annual Report")]
ROUNDS = ["Angel", "Pre-A", "Series A", "Series A+", "Series B", "Series C", "Series D", "Strategic", "Pre-IPO"]
ROUND_WEIGHTS = [10, 6, 14, 5, 10, 6, 3, 8, 2]
LICENSES_OPEN = ["Apache-2.0", "MIT", "Llama-2-Community", "OpenRAIL-M", "CC-BY-NC-4.0", "Qwen-License"]
STATUS = ["in force", "in force", "in force", "draft", "repealed", "superseded"]
PARAM_SIZES = [125_000_000, 350_000_000, 1_300_000_000, 3_000_000_000, 7_000_000_000, 13_000_000_000,
               34_000_000_000, 70_000_000_000, 130_000_000_000, 175_000_000_000, 540_000_000_000, 1_000_000_000_000]

# Share of the (non-concept, non-country) records per kind; tuned so the graph looks like the
# industry: many products and models, fewer organisations, fewer policies.
MIX = {"region": 0.05, "company": 0.155, "research": 0.015, "gov": 0.01, "investor": 0.012,
       "model": 0.24, "app": 0.27, "policy": 0.025, "funding": 0.17, "document": 0.053}

# ---------------------------------------------------------------------------- helpers

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    return _SLUG_RE.sub("-", text.lower()).strip("-")


def q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ids(items) -> str:
    """A flow list of plain slugs (or one slug)."""
    items = list(items)
    return items[0] if len(items) == 1 else "[" + ", ".join(items) + "]"


class Zipf:
    """Pick indexes 0..n-1 with probability ~ 1/(i+1)**s (index 0 is the biggest hub)."""

    def __init__(self, n: int, s: float = 1.1):
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(n)))

    def pick(self, rng: random.Random, below: int | None = None) -> int:
        """An index; with ``below``, only among the first ``below`` indexes."""
        top = self.cum[(below or len(self.cum)) - 1]
        return bisect.bisect_left(self.cum, rng.random() * top)

    def sample(self, rng: random.Random, k: int, below: int | None = None) -> list[int]:
        n = below or len(self.cum)
        k = min(k, n)
        out: list[int] = []
        tries = 0
        while len(out) < k and tries < 20 * k:
            i = self.pick(rng, below)
            if i not in out:
                out.append(i)
            tries += 1
        return out


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def partial(rng: random.Random, d: dt.date, p_month: float = 0.1, p_year: float = 0.05) -> str:
    """A date as a source would give it: mostly full, sometimes only year-month or year."""
    r = rng.random()
    if r < p_year:
        return f"{d.year:04d}"
    if r < p_year + p_month:
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def zh_name(rng: random.Random, n: int = 2) -> str:
    return "".join(rng.choice(ZH_SYLLABLES) for _ in range(n))


def en_name(rng: random.Random) -> str:
    return rng.choice(EN_WORDS)


# ---------------------------------------------------------------------------- planning

@dataclass
class Entity:
    id: str
    zh: str
    en: str
    serial: int
    extra: dict = field(default_factory=dict)


def _counts(records: float) -> dict[str, int]:
    minimum = {"region": 3, "company": 4, "research": 1, "gov": 1, "investor": 1, "model": 3,
               "app": 2, "policy": 1, "funding": 1, "document": 1}
    return {k: max(minimum[k], round(share * records)) for k, share in MIX.items()}


class _Gen:
    """Writes the dataset; counts the data triples it emits (distinct by construction)."""

    def __init__(self, seed: int, counts: dict[str, int]):
        self.rng = random.Random(seed)
        self.counts = counts
        self.serial = itertools.count(1)
        self.triples = 0
        self.src = itertools.count(1)
        self.accessed: set[tuple[str, str]] = set()
        self.files: dict[str, list[str]] = {}
        self.kind_counts: dict[str, int] = {}

    # -- names ---------------------------------------------------------------------------
    def entity(self, prefix_zh: str, prefix_en: str, id_hint: str | None = None, **extra) -> Entity:
        n = next(self.serial)
        # The serial follows a non-digit character: normalised names are unique per serial.
        zh = f"{prefix_zh}{n}"
        en = f"{prefix_en} {n}"
        return Entity(f"{slug(id_hint or prefix_en)}-{n}", zh, en, n, extra)

    # -- record writing -------------------------------------------------------------------
    def record(self, file: str, kind: str, ent: Entity, props: list[tuple[str, str, int]],
               aliases: list[str] = (), description: dict[str, str] | None = None,
               n_sources: int | None = None, doc_ok: bool = True, scheme: bool = False) -> None:
        """Append one record; ``props`` are (key, YAML value text, number of values)."""
        rng = self.rng
        lines = [f"- id: {ent.id}", f"  kind: {kind}", f"  label: {{zh: {q(ent.zh)}, en: {q(ent.en)}}}"]
        t = 3 + (1 if scheme else 0)  # rdf:type, two labels, skos:inScheme
        if aliases:
            lines.append("  aliases: [" + ", ".join(q(a) for a in aliases) + "]")
            t += len(aliases)
        if description:
            lines.append("  description: {" + ", ".join(f"{k}: {q(v)}" for k, v in description.items()) + "}")
            t += len(description)
        for key, text, count in props:
            lines.append(f"  {key}: {text}")
            t += count
        srcs = []
        for i in range(n_sources if n_sources is not None else (1 if rng.random() < 0.55 else 2)):
            if doc_ok and i == 0 and self.doc_ids and rng.random() < 0.35:
                srcs.append(rng.choice(self.doc_ids))
            else:
                url = f"https://example.org/src/{next(self.src)}"
                if rng.random() < 0.25:
                    day = rand_date(rng, dt.date(2024, 1, 1), dt.date(2025, 12, 31)).isoformat()
                    srcs.append(f"{{url: {q(url)}, accessed: {day}}}")
                    if (url, day) not in self.accessed:
                        self.accessed.add((url, day))
                        t += 1
                else:
                    srcs.append(q(url))
        srcs = list(dict.fromkeys(srcs))
        lines.append("  sources: [" + ", ".join(srcs) + "]")
        t += len(srcs)
        self.triples += t
        self.kind_counts[kind] = self.kind_counts.get(kind, 0) + 1
        self.files.setdefault(file, []).append("\n".join(lines))

    # -- the dataset ---------------------------------------------------------------------
    def run(self) -> None:
        rng, c = self.rng, self.counts
        self.doc_ids: list[str] = []
        # Documents are planned first so that every other record may cite them as sources.
        docs = []
        for _ in range(c["document"]):
            zk, ek = rng.choice(DOC_KIND)
            year = rng.randrange(2019, 2026)
            docs.append(self.entity(f"{year}年AIGC{zk}", f"AIGC {ek} {year} No.", id_hint=f"doc {ek}",
                                    year=year))
        self.doc_ids = [d.id for d in docs]

        self.concepts()
        regions = self.regions()
        orgs = self.organizations(regions)
        models = self.models(orgs)
        apps = self.applications(orgs, models)
        policies = self.policies(orgs, regions)
        self.funding(orgs)
        self.documents(docs, orgs, models, apps, policies)

    def concepts(self) -> None:
        for kind, table in (("IndustryLayer", LAYERS), ("Modality", MODALITIES), ("Technique", TECHNIQUES),
                            ("Industry", INDUSTRIES)):
            for cid, zh, en in table:
                ent = Entity(cid, zh, en, 0)
                desc = {"en": f"{en}: a {kind} concept of the synthetic AIGC benchmark graph.",
                        "zh": f"{zh}：合成基准图谱中的{kind}概念。"}
                self.record("concepts", kind, ent, [], aliases=[f"{en} ({kind})"], description=desc,
                            n_sources=1, doc_ok=False, scheme=True)

    def regions(self) -> dict[str, list[Entity]]:
        rng, n = self.rng, self.counts["region"]
        countries = [Entity(cid, zh, en, 0) for cid, zh, en in COUNTRIES]
        czipf = COUNTRY_WEIGHTS
        for ent in countries:
            self.record("regions", "Region", ent, [], aliases=[f"{ent.en} (country)"], n_sources=1, doc_ok=False)
        self.fixed = self.triples  # concepts and countries do not scale with the target
        n_prov = max(1, n // 5)
        provinces, cities = [], []
        for _ in range(n_prov):
            country = rng.choices(countries, czipf)[0]
            ent = self.entity(zh_name(rng) + "省", rng.choice(EN_WORDS) + rng.choice(EN_PLACE) + " Province",
                              country=country.id)
            provinces.append(ent)
            self.record("regions", "Region", ent, [("partOf", country.id, 1)], n_sources=1, doc_ok=False)
        pzipf = Zipf(len(provinces), 0.8)
        for _ in range(max(1, n - n_prov)):
            prov = provinces[pzipf.pick(rng)]
            ent = self.entity(zh_name(rng) + "市", rng.choice(EN_WORDS) + rng.choice(EN_PLACE) + " City",
                              province=prov.id)
            cities.append(ent)
            self.record("regions", "Region", ent, [("partOf", prov.id, 1)],
                        aliases=[f"{ent.en.replace(' City', '')}"] if rng.random() < 0.3 else [],
                        n_sources=1, doc_ok=False)
        return {"country": countries, "province": provinces, "city": cities}

    def _chunked(self, stem: str, i: int) -> str:
        return f"{stem}-{i // CHUNK + 1:04d}"

    def organizations(self, regions) -> dict[str, list[Entity]]:
        rng, c = self.rng, self.counts
        cities, provinces, countries = regions["city"], regions["province"], regions["country"]
        city_zipf = Zipf(len(cities), 0.9)  # a few cities (the Beijings) hold most companies
        layer_ids = [x[0] for x in LAYERS]
        industry_ids = [x[0] for x in INDUSTRIES]
        out: dict[str, list[Entity]] = {"company": [], "research": [], "gov": [], "investor": []}
        parent_zipf = {"company": Zipf(c["company"], 1.0), "research": Zipf(c["research"], 1.0)}
        i = 0
        plan = (["company"] * c["company"] + ["research"] * c["research"] + ["gov"] * c["gov"]
                + ["investor"] * c["investor"])
        for kind in plan:
            props: list[tuple[str, str, int]] = []
            aliases: list[str] = []
            if kind == "company":
                szh, sen = rng.choice(COMPANY_SUFFIX)
                base_zh, base_en = zh_name(rng, rng.choice((2, 2, 3))), en_name(rng)
                ent = self.entity(f"{base_zh}{szh}", f"{base_en} {sen}")
                hub = len(out["company"]) < max(5, c["company"] // 100)  # hubs are older firms
                founded = rand_date(rng, dt.date(1995, 1, 1), dt.date(2015 if hub else 2024, 12, 31))
                if rng.random() < 0.5:
                    aliases.append(f"{base_en} {ent.serial}")
                if rng.random() < 0.3:
                    aliases.append(f"{base_zh}{ent.serial}")
                city = cities[city_zipf.pick(rng)]
                layers = rng.sample(layer_ids, rng.choice((1, 1, 1, 2)))
                props += [("inLayer", ids(layers), len(layers))]
                if rng.random() < 0.6:
                    ind = rng.sample(industry_ids, rng.choice((1, 1, 2, 3)))
                    props.append(("servesIndustry", ids(ind), len(ind)))
                ykind = "Company"
            elif kind == "research":
                szh, sen = rng.choice(RESEARCH_SUFFIX)
                base_zh, base_en = zh_name(rng), en_name(rng)
                ent = self.entity(f"{base_zh}{szh}", f"{base_en} {sen}")
                founded = rand_date(rng, dt.date(1900, 1, 1), dt.date(2022, 12, 31))
                if rng.random() < 0.4:
                    aliases.append(f"{base_en} AI Lab {ent.serial}")
                city = cities[city_zipf.pick(rng)]
                props.append(("inLayer", "model-layer", 1))
                ykind = "ResearchInstitution"
            elif kind == "gov":
                szh, sen = rng.choice(GOV_BODY)
                region = rng.choice(provinces) if rng.random() < 0.8 else rng.choices(countries, COUNTRY_WEIGHTS)[0]
                region_en = region.en.rstrip("0123456789 ")  # the serial of the region is not repeated
                region_zh = region.zh.rstrip("0123456789")
                ent = self.entity(f"{region_zh}{szh}", f"{sen} of {region_en}", region=region.id)
                founded = rand_date(rng, dt.date(1950, 1, 1), dt.date(2023, 12, 31))
                city = region
                ykind = "GovernmentBody"
            else:
                szh, sen = rng.choice(INVEST_SUFFIX)
                base_zh, base_en = zh_name(rng), en_name(rng)
                ent = self.entity(f"{base_zh}{szh}", f"{base_en} {sen}")
                founded = rand_date(rng, dt.date(1985, 1, 1), dt.date(2023, 12, 31))
                city = cities[city_zipf.pick(rng)]
                ykind = "InvestmentFirm"
            props.insert(0, ("foundedDate", partial(rng, founded), 1))
            props.insert(1, ("headquarteredIn", city.id, 1))
            peers = out[kind]
            if kind in parent_zipf and peers and rng.random() < 0.12:  # parents: older, power law
                parent = peers[parent_zipf[kind].pick(rng, len(peers))]
                props.append(("subsidiaryOf", parent.id, 1))
            desc = None
            if rng.random() < 0.15:
                desc = {"en": f"{ent.en} is a synthetic {ykind} of the benchmark graph.",
                        "zh": f"{ent.zh}是基准测试用的合成机构。"}
            self.record(self._chunked("organizations", i), ykind, ent, props, aliases, desc)
            peers.append(ent)
            i += 1
        return out

    def models(self, orgs) -> list[Entity]:
        rng, n = self.rng, self.counts["model"]
        developers = orgs["company"] + orgs["research"]
        dev_zipf = Zipf(len(developers), 1.05)
        base_zipf = Zipf(n, 1.2)
        modality_ids = [x[0] for x in MODALITIES]
        technique_ids = [x[0] for x in TECHNIQUES]
        dates = sorted(rand_date(rng, dt.date(2018, 1, 1), dt.date(2025, 12, 31)) for _ in range(n))
        models: list[Entity] = []
        for i in range(n):
            dev = developers[dev_zipf.pick(rng)]
            family_en, family_zh = en_name(rng), zh_name(rng)
            vzh, ven = rng.choice(MODEL_VARIANT)
            ent = self.entity(f"{family_zh}{vzh}大模型", f"{family_en}-{ven}", date=dates[i], dev=dev.id)
            devs = [dev.id]
            if rng.random() < 0.08:
                other = developers[dev_zipf.pick(rng)].id
                if other != dev.id:
                    devs.append(other)
            props = [("developedBy", ids(devs), len(devs))]
            if i > 3 and rng.random() < 0.45:
                bases = {models[j].id for j in base_zipf.sample(rng, rng.choice((1, 1, 1, 2)), below=i)}
                props.append(("basedOn", ids(sorted(bases)), len(bases)))
            props.append(("releaseDate", partial(rng, dates[i], 0.1, 0.02), 1))
            mods = rng.sample(modality_ids, rng.choice((1, 1, 2, 3)))
            techs = rng.sample(technique_ids, rng.choice((1, 2, 2, 3)))
            props += [("hasModality", ids(mods), len(mods)), ("usesTechnique", ids(techs), len(techs)),
                      ("inLayer", "model-layer", 1)]
            if rng.random() < 0.6:
                props.append(("parameterCount", str(rng.choice(PARAM_SIZES)), 1))
            open_w = rng.random() < 0.45
            props.append(("openWeights", "true" if open_w else "false", 1))
            if rng.random() < 0.7:
                props.append(("license", q(rng.choice(LICENSES_OPEN) if open_w else "Proprietary"), 1))
            aliases = []
            if rng.random() < 0.5:
                aliases.append(f"{family_en}{ven} {ent.serial}")
            if rng.random() < 0.3:
                aliases.append(f"{family_zh}{vzh}{ent.serial}")
            desc = None
            if rng.random() < 0.1:
                desc = {"en": f"{ent.en}, a synthetic {ven.lower()} model.", "zh": f"{ent.zh}，合成模型。"}
            self.record(self._chunked("models", i), "Model", ent, props, aliases, desc)
            models.append(ent)
        return models

    def applications(self, orgs, models) -> list[Entity]:
        rng, n = self.rng, self.counts["app"]
        providers = orgs["company"]
        prov_zipf = Zipf(len(providers), 0.9)
        model_zipf = Zipf(len(models), 1.1)
        modality_ids = [x[0] for x in MODALITIES]
        industry_ids = [x[0] for x in INDUSTRIES]
        apps = []
        for i in range(n):
            kzh, ken = rng.choice(APP_KIND)
            brand_en, brand_zh = en_name(rng), zh_name(rng)
            ent = self.entity(f"{brand_zh}{kzh}", f"{brand_en} {ken}")
            prov = providers[prov_zipf.pick(rng)]
            powered = [models[j] for j in model_zipf.sample(rng, rng.choice((1, 1, 1, 2, 3)))]
            start = max(m.extra["date"] for m in powered)
            date = rand_date(rng, start, max(start, dt.date(2025, 12, 31)))
            inds = rng.sample(industry_ids, rng.choice((1, 1, 2, 3)))
            mods = rng.sample(modality_ids, rng.choice((1, 1, 2)))
            props = [("providedBy", prov.id, 1), ("poweredBy", ids(m.id for m in powered), len(powered)),
                     ("servesIndustry", ids(inds), len(inds)), ("hasModality", ids(mods), len(mods)),
                     ("inLayer", "application-layer", 1), ("releaseDate", partial(rng, date), 1)]
            aliases = [f"{brand_en}{ken} {ent.serial}"] if rng.random() < 0.4 else []
            self.record(self._chunked("applications", i), "Application", ent, props, aliases)
            apps.append(ent)
        return apps

    def policies(self, orgs, regions) -> list[Entity]:
        rng, n = self.rng, self.counts["policy"]
        govs = orgs["gov"]
        gzipf = Zipf(len(govs), 0.7)
        targets = [x[0] for x in TECHNIQUES[:8]] + [x[0] for x in MODALITIES] + [x[0] for x in INDUSTRIES[:10]]
        out = []
        for i in range(n):
            gov = govs[gzipf.pick(rng)]
            kzh, ken = rng.choice(POLICY_KIND)
            issued = rand_date(rng, dt.date(2017, 1, 1), dt.date(2025, 12, 31))
            effective = issued + dt.timedelta(days=rng.choice((0, 30, 60, 90, 180)))
            ent = self.entity(f"{kzh}", f"{ken} No.")
            issuers = [gov.id]
            if rng.random() < 0.15:
                other = govs[gzipf.pick(rng)].id
                if other != gov.id:
                    issuers.append(other)
            gov_targets = rng.sample(targets, rng.choice((1, 2, 2, 3)))
            props = [("issuedBy", ids(issuers), len(issuers)), ("jurisdiction", gov.extra["region"], 1),
                     ("issuedDate", issued.isoformat(), 1), ("effectiveDate", effective.isoformat(), 1),
                     ("status", q(rng.choice(STATUS)), 1), ("governs", ids(gov_targets), len(gov_targets))]
            self.record(self._chunked("policies", i), "Policy", ent, props, [], None)
            out.append(ent)
        return out

    def funding(self, orgs) -> None:
        rng, n = self.rng, self.counts["funding"]
        companies = orgs["company"]
        investors = orgs["investor"]
        cz = Zipf(len(companies), 0.6)
        iz = Zipf(len(investors), 1.0)
        corp = Zipf(len(companies), 1.3)  # strategic investors are the hubs
        for i in range(n):
            investee = companies[cz.pick(rng)]
            rnd = rng.choices(ROUNDS, ROUND_WEIGHTS)[0]
            date = rand_date(rng, dt.date(2015, 1, 1), dt.date(2025, 12, 31))
            base_zh = investee.zh.rstrip("0123456789")
            base_en = investee.en.rstrip("0123456789 ")
            ent = self.entity(f"{base_zh}{rnd}融资", f"{base_en} {rnd} round", id_hint=f"funding {rnd}")
            inv = {investors[j].id for j in iz.sample(rng, rng.choice((1, 1, 2, 2, 3, 4)))}
            if rnd == "Strategic" or rng.random() < 0.05:
                c = companies[corp.pick(rng)].id
                if c != investee.id:
                    inv.add(c)
            props = [("investee", investee.id, 1), ("investor", ids(sorted(inv)), len(inv)),
                     ("round", q(rnd), 1), ("date", partial(rng, date), 1)]
            if rng.random() < 0.75:
                scale = {"Angel": 1, "Pre-A": 3, "Series A": 10, "Series A+": 15, "Series B": 40,
                         "Series C": 100, "Series D": 300, "Strategic": 50, "Pre-IPO": 500}[rnd]
                amount = rng.randint(1, 20) * scale * 1_000_000
                props += [("amount", str(amount), 1), ("currency", rng.choice(("CNY", "CNY", "USD")), 1)]
            self.record(self._chunked("funding", i), "FundingEvent", ent, props, [], None)

    def documents(self, docs, orgs, models, apps, policies) -> None:
        rng = self.rng
        pools = [(orgs["company"], Zipf(len(orgs["company"]), 1.0)), (models, Zipf(len(models), 1.0)),
                 (apps, Zipf(len(apps), 1.0)), (policies, Zipf(len(policies), 0.8))]
        for i, doc in enumerate(docs):
            mentioned: set[str] = set()
            for pool, z in pools:
                for j in z.sample(rng, rng.choice((1, 2, 3, 4))):
                    mentioned.add(pool[j].id)
            props = [("url", q(f"https://example.org/doc/{doc.serial}"), 1),
                     ("mentions", ids(sorted(mentioned)), len(mentioned))]
            self.record(self._chunked("documents", i), "Document", doc, props, [], None,
                        n_sources=1, doc_ok=False)


def plan_records(triples: int, seed: int) -> tuple[dict[str, int], float]:
    """Calibrate: records per kind so that the graph holds about ``triples`` data triples.

    A small dry run with the same seed measures the triples per record and the fixed part
    (concepts, countries); the counts are then scaled to the target.
    """
    probe_records = 4000
    probe = _Gen(seed, _counts(probe_records))
    probe.run()
    per_record = (probe.triples - probe.fixed) / sum(probe.counts.values())
    records = max(0.0, (triples - probe.fixed) / per_record)
    return _counts(records), per_record


def generate(triples: int, seed: int, out: Path) -> dict:
    """Write the dataset for about ``triples`` data triples into ``out``; return the counts.

    The result holds ``records`` per kind (class local name), ``triples`` (the data triples of
    the built graph, counted while writing), ``files``, ``seconds`` and the inputs.
    """
    started = time.perf_counter()
    out = Path(out)
    counts, per_record = plan_records(triples, seed)
    gen = _Gen(seed, counts)
    gen.run()
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob("*.yaml"):
        old.unlink()
    header = (f"# Synthetic AIGC benchmark data: generated by bench/generate.py "
              f"(seed {seed}, target {triples} triples). Not real facts.\n\n")
    for stem, records in gen.files.items():
        (data / f"{stem}.yaml").write_text(header + "\n\n".join(records) + "\n", encoding="utf-8")
    (out / "kg.toml").write_text(
        "# Synthetic benchmark project written by bench/generate.py\n\n"
        '[store]\npath = "store"\n\n[[sources]]\nkind = "curated"\npath = "data"\n', encoding="utf-8")
    result = {"target_triples": triples, "seed": seed, "triples": gen.triples,
              "records": dict(sorted(gen.kind_counts.items())), "records_total": sum(gen.kind_counts.values()),
              "files": len(gen.files), "out": str(out), "seconds": round(time.perf_counter() - started, 3)}
    (out / "generated.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000, help="about how many data triples (default 100000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", type=Path, required=True, help="project folder to write (kg.toml, data/)")
    args = parser.parse_args(argv)
    result = generate(args.triples, args.seed, args.out)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
