"""The ontology and shapes: every term labelled in zh and en and defined; every class has a shape."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, URIRef

from kg import OntologyError, load_ontology
from kg.namespaces import AIGC, SH


@pytest.fixture(scope="module")
def onto():
    return load_ontology()


def _terms(g):
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, SKOS.ConceptScheme)
    return sorted({s for k in kinds for s in g.subjects(RDF.type, k)
                   if isinstance(s, URIRef) and str(s).startswith(str(AIGC))})


def test_every_term_has_one_label_and_one_definition_per_language(onto):
    missing = []
    for term in _terms(onto.graph):
        for pred in (RDFS.label, SKOS.definition):
            langs = sorted(o.language for o in onto.graph.objects(term, pred))
            if langs != ["en", "zh"]:
                missing.append((str(term), str(pred), langs))
    assert missing == []


def test_the_issue_properties_exist_with_domains_and_ranges(onto):
    object_props = ["developedBy", "basedOn", "poweredBy", "providedBy", "hasModality", "usesTechnique",
                    "inLayer", "servesIndustry", "headquarteredIn", "subsidiaryOf", "issuedBy",
                    "jurisdiction", "governs", "investee", "investor", "partOf", "mentions"]
    data_props = ["releaseDate", "foundedDate", "parameterCount", "openWeights", "license", "issuedDate",
                  "effectiveDate", "status", "amount", "currency", "round", "date", "url"]
    for name in object_props:
        assert onto.properties[name].is_object, name
        assert onto.properties[name].domains, name
    for name in data_props:
        assert not onto.properties[name].is_object and onto.properties[name].range, name
    assert {n for n in object_props if onto.properties[n].range is None} == {"governs", "mentions"}


def test_every_class_is_targeted_by_a_shape_or_inherits_one(onto):
    targeted = {str(o) for o in onto.shapes.objects(None, SH.targetClass)}
    untargeted = [c.name for c in onto.classes.values() if not set(c.ancestors) & targeted]
    assert untargeted == []


def test_every_property_shape_has_a_message(onto):
    shapes = set(onto.shapes.objects(None, SH.property))
    assert [s for s in shapes if onto.shapes.value(s, SH.message) is None] == []


def test_a_missing_ontology_file_is_a_clear_error(tmp_path):
    with pytest.raises(OntologyError, match="file not found; check \\[ontology\\] in kg.toml"):
        load_ontology(tmp_path / "nope.ttl")
