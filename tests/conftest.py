"""Shared fixtures: throwaway project folders built from the test datasets."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
KITCHEN_SINK = DATA / "kitchen_sink"
BAD = DATA / "bad"
SHARED = ROOT.parent / "shared"


class Project:
    """A project folder: kg.toml, a copy of some curated files, and a store."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.store = root / ".kg" / "store"
        self.config = root / "kg.toml"
        self.data.mkdir(parents=True, exist_ok=True)
        self.write_config()

    def write_config(self, extra: str = "") -> None:
        self.config.write_text(
            f'[store]\npath = ".kg/store"\n\n[[sources]]\nkind = "curated"\npath = "data"\n{extra}',
            encoding="utf-8")

    def add(self, *paths: Path) -> None:
        """Copy files (or every file of folders) into the project's data folder."""
        for path in paths:
            for src in ([path] if path.is_file() else sorted(path.iterdir())):
                shutil.copy(src, self.data / src.name)

    def store_fingerprint(self) -> str:
        """Hash the store's pointer and every file of its live generation (to prove 'untouched')."""
        digest = hashlib.sha256()
        current = self.store / "CURRENT"
        if not current.exists():
            return "no store"
        digest.update(current.read_bytes())
        gen = self.store / current.read_text().strip()
        for f in sorted(p for p in gen.rglob("*") if p.is_file() and p.name != "LOCK"):
            digest.update(f.name.encode())
            digest.update(f.read_bytes())
        return digest.hexdigest()


@pytest.fixture
def project(tmp_path) -> Project:
    """An empty project folder with a kg.toml reading ./data."""
    return Project(tmp_path / "proj")


@pytest.fixture
def sink(project) -> Project:
    """A project holding the kitchen-sink dataset (every class and property), not yet built."""
    project.add(KITCHEN_SINK)
    return project


@pytest.fixture(scope="session")
def built_sink(tmp_path_factory):
    """A kitchen-sink project built once for the session (read-only tests share it)."""
    from kg import build_graph, load_config

    proj = Project(tmp_path_factory.mktemp("sink") / "proj")
    proj.add(KITCHEN_SINK)
    build_graph(load_config(proj.config))
    return proj
