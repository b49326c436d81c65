"""A local Neo4j 5 Community server from Maven Central artifacts (``kg neo4j start|stop|status``).

The launcher (``kg/neo4j_launcher``: a Maven project with one Java class, and ``launcher.sh``) is
built by Maven on first use into a cache folder (``$XDG_CACHE_HOME/aigc-kg/``, keyed by the
launcher's sources) and runs an embedded Neo4j with only the Bolt connector, bound to 127.0.0.1.
The server's files live in a state folder (default: ``.kg/neo4j`` beside the store)::

    home/          the DBMS home (data/ and logs/)
    neo4j.log      Neo4j's user log
    launcher.err   the launcher's own stderr (Maven and JVM errors)
    pid            the JVM's process id while it runs
    ready          the Bolt URI, written once the server accepts queries

The password of user ``neo4j`` is read from an environment variable (``NEO4J_PASSWORD``) by the
JVM itself, so it never appears on a command line; without one, auth is off (loopback only).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kg.errors import ServiceError

LAUNCHER = Path(__file__).resolve().parent / "neo4j_launcher"
DEFAULT_PORT = 7687
DEFAULT_HEAP = "512m"
DEFAULT_PAGECACHE = "256m"
# The full JIT (C1 then C2) and the parallel collector: about 2 s more to start than C1 alone
# with the serial collector, and twice the write throughput of a long sync (docs/benchmarks.md).
JAVA_OPTS = "-Xms256m -Xmx{heap} -XX:+UseParallelGC -Dlog4j2.disable.jmx=true"


def launcher_cache_dir() -> Path:
    """Return the cache folder of the built launcher, keyed by a hash of its sources."""
    digest = hashlib.sha256()
    for path in sorted(LAUNCHER.rglob("*")):
        if path.is_file() and "target" not in path.parts and path.suffix in (".xml", ".java", ".sh"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "aigc-kg" / f"neo4j-launcher-{digest.hexdigest()[:12]}"


def build_launcher(progress=None) -> Path:
    """Build the launcher with Maven unless the cache is up to date; return the cache folder."""
    cache = launcher_cache_dir()
    if (cache / "target" / "neo4j-launcher.jar").is_file() and (cache / "target" / "lib").is_dir():
        return cache
    if progress:
        progress("building the Neo4j launcher with Maven (first use only)")
    cache.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(["bash", str(LAUNCHER / "launcher.sh"), "build", str(cache)],
                              capture_output=True, text=True, timeout=1800)
    except FileNotFoundError as exc:
        raise ServiceError(f"cannot run the launcher build: {exc}") from exc
    if proc.returncode != 0:
        raise ServiceError("building the Neo4j launcher failed (Maven's output follows); it needs Java 17+ "
                           f"and Maven with access to Maven Central:\n{proc.stdout}{proc.stderr}")
    return cache


@dataclass
class ServerStatus:
    """Whether the local server runs, and where."""

    running: bool
    state_dir: Path
    pid: int | None = None
    uri: str | None = None

    def describe(self) -> str:
        """Return one line for ``kg neo4j status``."""
        if not self.running:
            return f"Neo4j is not running (state folder {self.state_dir}); start it with `kg neo4j start`"
        return f"Neo4j is running at {self.uri} (pid {self.pid}, data and logs in {self.state_dir})"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child (exited, not yet reaped) is not running
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def read_state(state_dir: Path) -> tuple[int | None, str | None]:
    """Read a server's state folder: the pid of its live process (None if none runs) and the
    address its ready file holds (None until it is ready). Shared by the local Neo4j and Fuseki."""
    state_dir = Path(state_dir)
    try:
        pid = int((state_dir / "pid").read_text().strip())
    except (OSError, ValueError):
        return None, None
    if not _alive(pid):
        return None, None
    ready = state_dir / "ready"
    return pid, (ready.read_text().strip() if ready.exists() else None)


def server_status(state_dir: Path) -> ServerStatus:
    """Read the state folder: is the recorded JVM alive, and is it ready."""
    pid, uri = read_state(state_dir)
    if pid is None:
        return ServerStatus(False, Path(state_dir))
    return ServerStatus(uri is not None, Path(state_dir), pid, uri)


def start_server(state_dir: Path, *, port: int = DEFAULT_PORT, heap: str = DEFAULT_HEAP,
                 pagecache: str = DEFAULT_PAGECACHE, tx_memory: str = "256m",
                 password_env: str = "NEO4J_PASSWORD", timeout: float = 240.0, progress=None) -> ServerStatus:
    """Start the local server (building the launcher first if needed) and wait until it is ready."""
    state_dir = Path(state_dir)
    status = server_status(state_dir)
    if status.running:
        return status
    cache = build_launcher(progress)
    state_dir.mkdir(parents=True, exist_ok=True)
    for name in ("ready", "pid"):
        (state_dir / name).unlink(missing_ok=True)
    args = ["bash", str(LAUNCHER / "launcher.sh"), "run", str(cache), "--home", str(state_dir / "home"),
            "--port", str(port), "--log", str(state_dir / "neo4j.log"), "--ready-file", str(state_dir / "ready"),
            "--pagecache", pagecache, "--tx-memory", tx_memory]
    if os.environ.get(password_env):
        args += ["--password-env", password_env]
    env = dict(os.environ, N4L_JAVA_OPTS=JAVA_OPTS.format(heap=heap))
    if progress:
        progress(f"starting Neo4j on 127.0.0.1:{port}")
    with open(state_dir / "launcher.out", "wb") as out, open(state_dir / "launcher.err", "wb") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)  # survives the CLI; stopped by `kg neo4j stop`
    (state_dir / "pid").write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = server_status(state_dir)
        if status.running:
            return status
        if proc.poll() is not None:
            tail = (state_dir / "launcher.err").read_text(errors="replace").strip().splitlines()[-15:]
            raise ServiceError(f"Neo4j did not start (exit {proc.returncode}); see {state_dir / 'launcher.err'} "
                               f"and {state_dir / 'neo4j.log'}:\n" + "\n".join(tail))
        time.sleep(0.2)
    stop_server(state_dir)
    raise ServiceError(f"Neo4j was not ready after {timeout:.0f} s; see {state_dir / 'neo4j.log'}")


def stop_server(state_dir: Path, timeout: float = 30.0) -> bool:
    """Stop the local server (SIGTERM, then SIGKILL after ``timeout``); return whether one ran."""
    return stop_pid(state_dir, timeout)


def stop_pid(state_dir: Path, timeout: float) -> bool:
    """Stop the process whose pid ``state_dir/pid`` holds (SIGTERM, then SIGKILL after ``timeout``),
    and remove its pid and ready files; return whether it ran. Shared by the local Neo4j and Fuseki."""
    state_dir = Path(state_dir)
    try:
        pid = int((state_dir / "pid").read_text().strip())
    except (OSError, ValueError):
        return False
    ran = _alive(pid)
    if ran:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    for name in ("pid", "ready"):
        (state_dir / name).unlink(missing_ok=True)
    return ran


def kill_server(state_dir: Path) -> None:
    """SIGKILL the server at once (fault tests: a crash, not a shutdown)."""
    pid = int((Path(state_dir) / "pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.05)
    (Path(state_dir) / "ready").unlink(missing_ok=True)
