"""Entity linking in reports: the gazetteer, its normalisation and `kg extract`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import ROOT, SHARED
from kg.cli import main
from kg.extract import Gazetteer

R = "https://w3id.org/aigc-kg/resource/"


def gazetteer(names: dict[str, list[tuple[str, str]]]) -> Gazetteer:
    from kg.extract import _variants

    table: dict[str, set] = {}
    for name, entities in names.items():
        for v in _variants(name):
            table.setdefault(v, set()).update(entities)
    return Gazetteer(table)


def test_longest_match_word_boundaries_width_case_and_traditional_characters():
    g = gazetteer({"GPT-4": [(R + "model/gpt-4", "Model")], "GPT-4V": [(R + "model/gpt-4v", "Model")],
                   "AI": [(R + "x/ai", "Technique")], "OpenAI": [(R + "org/openai", "Organization")],
                   "国家互联网信息办公室": [(R + "org/cac", "Organization")]})
    text = "OpenAI 的 ＧＰＴ－４Ｖ 与 gpt 4；國家互聯網信息辦公室"
    found = [(m.surface, m.entity.rsplit("/", 1)[-1], m.start, m.end) for m in g.find(text, "p1")]
    assert found == [("OpenAI", "openai", 0, 6), ("ＧＰＴ－４Ｖ", "gpt-4v", 9, 15), ("gpt 4", "gpt-4", 18, 23),
                     ("國家互聯網信息辦公室", "cac", 24, 34)]  # no "AI" inside OpenAI, no GPT-4 inside GPT-4V


def test_a_shared_name_is_resolved_by_the_context_then_by_kind():
    g = gazetteer({"文心一言": [(R + "app/ernie-bot", "Application"), (R + "model/ernie", "Model")]})
    [as_app] = g.find("百度推出的文心一言应用已上线", "p")
    [as_model] = g.find("文心一言大模型的参数", "p")
    [bare] = g.find("文心一言。", "p")
    assert (as_app.entity, as_app.confidence) == (R + "app/ernie-bot", 0.8)
    assert (as_model.entity, as_model.confidence) == (R + "model/ernie", 0.8)
    assert (bare.entity, bare.confidence) == (R + "model/ernie", 0.5)


def test_kg_extract_on_the_originating_report(curated, tmp_path):
    project = curated
    out = CliRunner().invoke(main, ["extract", str(SHARED / "reports" / "china-aigc-industry-2023.md"),
                                    "--config", str(project / "kg.toml")])
    assert out.exit_code == 0, out.output
    mentions = [json.loads(line) for line in out.stdout.splitlines()]
    assert set(mentions[0]) == {"surface", "start", "end", "paragraph", "type", "entity", "candidate", "confidence"}
    found = {(m["surface"], m["type"], m["entity"]) for m in mentions}
    assert ("GPT-4", "Model", R + "model/gpt-4") in found
    assert ("ChatGPT", "Application", R + "app/chatgpt") in found
    assert ("《生成式人工智能服务管理暂行办法》", "Policy", R + "policy/interim-measures-generative-ai") in found
    assert ("模型层", "IndustryLayer", R + "layer/model-layer") in found
    rels = [json.loads(line) for line in CliRunner().invoke(main, [
        "extract", str(SHARED / "reports" / "china-aigc-industry-2023.md"), "--relations",
        "--config", str(project / "kg.toml")]).stdout.splitlines()]
    assert {"subject": R + "app/chatgpt-plus", "predicate": "coMention", "object": R + "model/gpt-4"} in [
        {k: r[k] for k in ("subject", "predicate", "object")} for r in rels]
    # a text that is not a report at all: no mentions, no error
    other = tmp_path / "recipe.txt"
    other.write_text("Boil water. Add salt.\n\nServe warm.", encoding="utf-8")
    quiet = CliRunner().invoke(main, ["extract", str(other), "--config", str(project / "kg.toml")])
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_names_the_graph_does_not_know_become_candidates():
    from kg.extract import find_candidates

    text = ("《北京市促进通用人工智能创新发展的若干措施》发布后，智源研究院与深度求索人工智能基础技术研究有限公司"
            "合作；以上公司均参与。Acme Robotics Inc. released Zeta-7B and Orion-2.5, and GPT-4 (known) too.")
    known = [(text.index("GPT-4"), text.index("GPT-4") + 5)]
    found = {(m.type, m.surface) for m in find_candidates(text, known, "p")}
    assert found == {("Policy", "北京市促进通用人工智能创新发展的若干措施"), ("Organization", "智源研究院"),
                     ("Organization", "深度求索人工智能基础技术研究有限公司"),
                     ("Organization", "Acme Robotics Inc."), ("Model", "Zeta-7B"), ("Model", "Orion-2.5")}


def test_numbers_are_claims_with_their_unit():
    from kg.extract import find_claims

    text = "2023年7月，280笔投融资中14.6%属于应用层，总额约1.5亿元；ChatGPT两个月达到1亿月活；OpenAI raised $10 billion."
    got = [(c.kind, c.value, c.unit) for c in find_claims(text, "p")]
    assert got == [("date", "2023-07", "date"), ("count", 280.0, "笔"), ("percentage", 14.6, "%"),
                   ("money", 150000000.0, "元"), ("count", 100000000.0, "月活"), ("money", 10000000000.0, "USD")]


def test_the_originating_reports_claims():
    from kg.extract import find_claims
    from kg.ingest.report import read_report

    report = read_report(SHARED / "reports" / "china-aigc-industry-2023.md")
    claims = {(c.kind, c.value, c.unit) for p in report.paragraphs for c in find_claims(p.text, p.id)}
    assert {("count", 280.0, "笔"), ("percentage", 14.6, "%"), ("count", 100000000.0, "月活"),
            ("count", 170.0, "家"), ("date", "2022-11", "date")} <= claims


def test_a_two_character_chinese_organisation_name_needs_a_cue():
    g = gazetteer({"浪潮": [(R + "org/inspur", "Organization")], "百度": [(R + "org/baidu", "Organization")]})
    assert g.find("引领数实融合新浪潮", "p") == []
    assert [m.entity for m in g.find("浪潮发布了新服务器", "p")] == [R + "org/inspur"]
    assert [m.entity for m in g.find("百度公司的模型", "p")] == [R + "org/baidu"]


def test_kg_eval_on_the_originating_report_meets_the_bar(curated, tmp_path):
    project = curated
    gold = ROOT / "tests" / "data" / "gold" / "china-aigc-industry-2023.tsv"
    out = CliRunner().invoke(main, ["eval", "--gold", str(gold), str(SHARED / "reports" / "china-aigc-industry-2023.md"),
                                    "--config", str(project / "kg.toml")])
    assert out.exit_code == 0, out.output
    [overall] = [line.split() for line in out.stdout.splitlines() if line.split()[:1] == ["all"]]
    precision, recall = float(overall[1]), float(overall[2])
    assert precision >= 0.9 and recall >= 0.9
    bad = tmp_path / "bad.tsv"
    bad.write_text("Model\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["eval", "--gold", str(bad), str(SHARED / "reports" / "china-aigc-industry-2023.md"),
                                        "--config", str(project / "kg.toml")])
    assert refused.exit_code == 1 and "bad.tsv:1: expected TYPE<TAB>surface<TAB>canonical name" in refused.output


def test_scores_count_distinct_pairs():
    from kg.extract import Mention, evaluate

    ms = [Mention("p", 0, 2, "微软", "x", "Organization", 1.0), Mention("p", 5, 7, "微软", "x", "Organization", 1.0),
          Mention("p", 9, 11, "设计", "y", "Industry", 0.8)]
    scores = evaluate(ms, {("Organization", "微软"), ("Modality", "影像")})
    assert (scores["all"].precision, scores["all"].recall) == (0.5, 0.5)
    assert (scores["Industry"].precision, scores["Modality"].recall) == (0.0, 0.0)


def test_relations_from_patterns_and_co_mentions():
    from kg.extract import find_relations

    g = gazetteer({"百度": [(R + "org/baidu", "Organization")], "文心一言": [(R + "app/ernie-bot", "Application")],
                   "ERNIE 4.0": [(R + "model/ernie-4", "Model")], "红杉中国": [(R + "org/sequoia", "Organization")],
                   "智谱": [(R + "org/zhipu", "Organization")]})
    text = "百度发布文心一言。ERNIE 4.0由百度研发。红杉中国领投智谱。"
    rels = {(r.subject.rsplit("/", 1)[-1], r.predicate, r.object.rsplit("/", 1)[-1]): r
            for r in find_relations(text, g.find(text, "p"), "p")}
    assert ("ernie-bot", "providedBy", "baidu") in rels
    assert ("ernie-4", "developedBy", "baidu") in rels
    assert ("sequoia", "investedIn", "zhipu") in rels
    assert rels[("ernie-bot", "providedBy", "baidu")].evidence == "百度发布文心一言"
    # every pair named in the paragraph is a co-mention, weighted by how often both occur
    assert rels[("ernie-4", "coMention", "baidu")].weight == 1  # a pair, in IRI order
    assert ("baidu", "investedIn", "ernie-bot") not in rels
