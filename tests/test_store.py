"""The store is replaced atomically, keeps one previous generation, and admits one writer."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import StoreError, build_graph, load_config, open_store
from kg.store import current_generation, new_generation, write_lock


def test_rebuild_switches_generation_and_keeps_only_the_previous(sink):
    config = load_config(sink.config)
    gens = []
    for _ in range(3):
        build_graph(config)
        gens.append(current_generation(sink.store).name)
    assert len(set(gens)) == 3
    on_disk = sorted(p.name for p in sink.store.glob("gen-*"))
    assert on_disk == sorted(gens[1:])


def test_an_uncommitted_generation_is_discarded(sink):
    build_graph(load_config(sink.config))
    before = sink.store_fingerprint()
    with pytest.raises(RuntimeError):
        with new_generation(sink.store) as gen:
            gen.store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
            raise RuntimeError("killed half way")
    assert sink.store_fingerprint() == before
    assert len(list(sink.store.glob("gen-*"))) == 1


def test_a_second_writer_is_refused_clearly(sink):
    with write_lock(sink.store):
        with pytest.raises(StoreError, match="is being written by pid"):
            build_graph(load_config(sink.config))


def test_opening_a_store_that_was_never_built_says_how_to_build(project):
    with pytest.raises(StoreError, match="run `kg build` first"):
        open_store(project.store)
