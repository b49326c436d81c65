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


def test_kg_extract_on_the_originating_report(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "kg.toml").write_text(f'[store]\npath = ".kg/store"\n\n[[sources]]\nkind = "curated"\n'
                                     f'path = "{ROOT / "data" / "curated"}"\n', encoding="utf-8")
    assert CliRunner().invoke(main, ["build", "-q", "--config", str(project / "kg.toml")]).exit_code == 0
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
    # a text that is not a report at all: no mentions, no error
    other = tmp_path / "recipe.txt"
    other.write_text("Boil water. Add salt.\n\nServe warm.", encoding="utf-8")
    quiet = CliRunner().invoke(main, ["extract", str(other), "--config", str(project / "kg.toml")])
    assert quiet.exit_code == 0 and quiet.stdout == ""
