"""Fixtures: a real store built from data/sample in a temp dir, and a real server.

Session fixtures each change one thing: ``sample_store`` (built once, read-only
for tests), ``fresh_store`` (a private copy a test may write to), ``server`` (the
app over real HTTP on a free port, its output attached on failure).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SEEDS = ROOT / "tests" / "fixtures" / "seeds"  # copies of ../shared/seeds, the real input
SHOW_PAGE = SEEDS / "000_1dbf4de277d5096e.txt"
REVIEW_TEXT = SEEDS / "002_60719b701ad4a391.txt"


def kg_cmd(
    *args: str, check: bool = True, env: dict | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the real CLI (``python -m kg``) and capture its output."""
    proc = subprocess.run(
        [sys.executable, "-m", "kg", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"kg {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def show_page_text() -> str:
    return SHOW_PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "kg"
    kg_cmd("build", "--store", str(path))
    return path


@pytest.fixture
def fresh_store(sample_store: Path, tmp_path: Path) -> Path:
    """A private copy of the sample store (a test may write to it)."""
    target = tmp_path / "kg"
    shutil.copytree(sample_store, target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(
        self,
        store: Path | str,
        extra_env: dict | None = None,
        ready_path: str = "/api/stats",
        log_dir: Path | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (log_dir or Path(store).parent) / f"server-{self.port}.log"
        self._fh = open(self.log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", str(self.port)],
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(extra_env or {})},
            cwd=ROOT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.output()}")
            try:
                urllib.request.urlopen(self.url + ready_path, timeout=2)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.output()}")

    def output(self) -> str:
        self._fh.flush()
        return self.log.read_text()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._fh.close()


@pytest.fixture(scope="session")
def server(sample_store: Path, tmp_path_factory):
    srv = Server(sample_store)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def hostile_corpus_store(tmp_path_factory) -> Path:
    """A store built from the sample plus a hostile payload in every text field (tests/hostile_corpus.py)."""
    from hostile_corpus import write_hostile_corpus

    root = tmp_path_factory.mktemp("hostile-corpus")
    data = write_hostile_corpus(root / "data")
    kg_cmd("build", "--data", str(data), "--store", str(root / "kg"))
    return root / "kg"


@pytest.fixture(scope="session")
def hostile_corpus_server(hostile_corpus_store: Path):
    srv = Server(hostile_corpus_store, {"KG_SPARQL_QUOTA": "0"})
    yield srv
    srv.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed and "server" in item.fixturenames:
        srv = item.funcargs.get("server")
        if isinstance(srv, Server):
            rep.sections.append(("server output", srv.output()[-5000:]))


# -- headless Chromium (Debian's package) driven by Playwright ------------------------------------
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NODE_MODULES = ROOT / "node_modules"


def node_tool(relpath: str) -> Path:
    """A file of an npm test tool (package.json), installed by scripts/setup_test_deps.sh."""
    path = NODE_MODULES / relpath
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run scripts/setup_test_deps.sh (make test does)")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # generous: the machine's 2 cores are shared; not a speed check
    exe = shutil.which("chromium")
    if not exe:
        pytest.fail("Debian's chromium is missing: run scripts/setup_test_deps.sh (make test does)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


def is_local_url(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"


class BrowserSession:
    """A browser context that records every request, blocks (and records) any to a host but 127.0.0.1,
    and collects page errors."""

    def __init__(self, browser, **kwargs):
        self.context = browser.new_context(**kwargs)
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.context.route(lambda url: not is_local_url(url), self._block)

    def _block(self, route) -> None:
        self.foreign.append(route.request.url)
        route.abort()

    def new_page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page

    def assert_local(self) -> None:
        assert self.requests, "no request was recorded"
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert all(is_local_url(u) for u in self.requests), [u for u in self.requests if not is_local_url(u)]
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture
def browser_session(browser):
    """``browser_session(**context_options)``: new recorded contexts, closed (and checked) after the test."""
    made: list[BrowserSession] = []

    def make(**kwargs) -> BrowserSession:
        made.append(BrowserSession(browser, **kwargs))
        return made[-1]

    yield make
    for s in made:
        s.context.close()
    for s in made:
        if s.requests:
            assert not s.foreign, f"requests to other hosts: {s.foreign}"
