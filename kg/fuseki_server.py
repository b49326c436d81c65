"""A local Apache Jena Fuseki server from Maven Central (``kg fuseki start|stop|status``).

The runnable jar ``org.apache.jena:jena-fuseki-server`` is fetched by Maven
(``mvn dependency:copy``) on first use into ``$XDG_CACHE_HOME/aigc-kg/fuseki/`` and run with the
default ``java`` (Fuseki 5.x needs Java 17), bound to 127.0.0.1 (``--localhost``), with one
dataset that accepts updates. The server's files live in a state folder (default: ``fuseki``
beside the store)::

    tdb2/        the TDB2 database (absent with ``memory=True``)
    run/         FUSEKI_BASE: Fuseki's own configuration and logs
    fuseki.log   the JVM's output
    pid          the JVM's process id while it runs
    ready        the dataset's base URL, written once it answers queries

It is a development and test server: no authentication, loopback only. The endpoints of the
dataset ``/aigc`` are ``/aigc/query``, ``/aigc/update`` and ``/aigc/data`` (Graph Store Protocol).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ServiceError
from kg.neo4j_server import read_state, stop_pid

FUSEKI_VERSION = "5.6.0"  # the newest 5.x on Maven Central; 6.x needs Java 21
ARTIFACT = f"org.apache.jena:jena-fuseki-server:{FUSEKI_VERSION}:jar"
DEFAULT_PORT = 3030
DEFAULT_DATASET = "aigc"
JAVA_OPTS = ["-Xms128m", "-XX:+UseParallelGC"]


def fuseki_cache_dir() -> Path:
    """Return the folder holding the downloaded Fuseki jar."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "aigc-kg" / "fuseki"


def fuseki_jar(progress=None) -> Path:
    """Return the Fuseki jar, fetching it with Maven from Maven Central on first use."""
    cache = fuseki_cache_dir()
    jar = cache / f"jena-fuseki-server-{FUSEKI_VERSION}.jar"
    if jar.is_file():
        return jar
    if progress:
        progress(f"fetching {ARTIFACT} with Maven (first use only, about 55 MiB)")
    cache.mkdir(parents=True, exist_ok=True)
    cmd = ["mvn", "-q", "-B", "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy",
           f"-Dartifact={ARTIFACT}", f"-DoutputDirectory={cache}"]
    try:
        proc = subprocess.run(cmd, cwd=cache, capture_output=True, text=True, timeout=1800)
    except FileNotFoundError as exc:
        raise ServiceError(f"cannot run Maven to fetch Fuseki ({exc}); install Maven and Java 17+") from exc
    if proc.returncode != 0 or not jar.is_file():
        raise ServiceError(f"fetching {ARTIFACT} from Maven Central failed (Maven's output follows):\n"
                           f"{proc.stdout}{proc.stderr}")
    return jar


@dataclass
class FusekiStatus:
    """Whether the local Fuseki runs, and where."""

    running: bool
    state_dir: Path
    pid: int | None = None
    url: str | None = None  # the dataset's base URL, e.g. http://127.0.0.1:3030/aigc

    @property
    def query_endpoint(self) -> str:
        return f"{self.url}/query"

    @property
    def update_endpoint(self) -> str:
        return f"{self.url}/update"

    @property
    def gsp_endpoint(self) -> str:
        return f"{self.url}/data"

    def describe(self) -> str:
        """Return one line for ``kg fuseki status``."""
        if not self.running:
            return f"Fuseki is not running (state folder {self.state_dir}); start it with `kg fuseki start`"
        return (f"Fuseki is running at {self.url} (pid {self.pid}, files in {self.state_dir}); "
                f"query {self.query_endpoint}, update {self.update_endpoint}, graph store {self.gsp_endpoint}")

    def toml(self) -> str:
        """The ``[store]`` table that points kg at this server."""
        return (f'[store]\nkind = "sparql"\nquery_endpoint = "{self.query_endpoint}"\n'
                f'update_endpoint = "{self.update_endpoint}"\ngsp_endpoint = "{self.gsp_endpoint}"\n')


def fuseki_status(state_dir: Path) -> FusekiStatus:
    """Read the state folder: is the recorded JVM alive, and is it ready."""
    pid, url = read_state(state_dir)
    if pid is None:
        return FusekiStatus(False, Path(state_dir))
    return FusekiStatus(url is not None, Path(state_dir), pid, url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(f"{url}/query?query=ASK%7B%7D",
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_fuseki(state_dir: Path, *, port: int = DEFAULT_PORT, dataset: str = DEFAULT_DATASET,
                 memory: bool = False, heap: str = "512m", timeout: float = 180.0, progress=None) -> FusekiStatus:
    """Start the local Fuseki (fetching it first if needed) and wait until its dataset answers.

    ``port=0`` picks a free port; ``memory=True`` keeps the dataset in memory (tests) instead of
    a TDB2 database in ``state_dir/tdb2``.
    """
    state_dir = Path(state_dir)
    status = fuseki_status(state_dir)
    if status.running:
        return status
    jar = fuseki_jar(progress)
    state_dir.mkdir(parents=True, exist_ok=True)
    for name in ("ready", "pid"):
        (state_dir / name).unlink(missing_ok=True)
    port = port or _free_port()
    if not memory:
        (state_dir / "tdb2").mkdir(exist_ok=True)  # Fuseki creates the database, not the folder
    store = ["--mem"] if memory else ["--tdb2", f"--loc={state_dir / 'tdb2'}"]
    cmd = ["java", f"-Xmx{heap}", *JAVA_OPTS, "-jar", str(jar), *store, "--update", "--localhost",
           f"--port={port}", f"/{dataset}"]
    env = dict(os.environ, FUSEKI_BASE=str(state_dir / "run"))
    if progress:
        progress(f"starting Fuseki on 127.0.0.1:{port}")
    with open(state_dir / "fuseki.log", "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=state_dir, start_new_session=True)  # survives the CLI
    (state_dir / "pid").write_text(str(proc.pid))
    url = f"http://127.0.0.1:{port}/{dataset}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (state_dir / "fuseki.log").read_text(errors="replace").strip().splitlines()[-15:]
            (state_dir / "pid").unlink(missing_ok=True)
            raise ServiceError(f"Fuseki did not start (exit {proc.returncode}); see {state_dir / 'fuseki.log'}:\n"
                               + "\n".join(tail))
        if _answers(url):
            tmp = state_dir / "ready.tmp"
            tmp.write_text(url)
            os.replace(tmp, state_dir / "ready")
            return fuseki_status(state_dir)
        time.sleep(0.25)
    stop_fuseki(state_dir)
    raise ServiceError(f"Fuseki was not ready after {timeout:.0f} s; see {state_dir / 'fuseki.log'}")


def stop_fuseki(state_dir: Path, timeout: float = 20.0) -> bool:
    """Stop the local Fuseki (SIGTERM, then SIGKILL after ``timeout``); return whether one ran."""
    return stop_pid(state_dir, timeout)
