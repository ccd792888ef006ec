"""Copy-on-write generations of an on-disk Oxigraph store.

Layout of a store directory::

    .kg/
      CURRENT        the name of the published generation, e.g. "gen-000007"
      gen-000007/    a complete pyoxigraph store, never written after publishing
      writer.lock    held (flock) by the one process writing a new generation

A write (build or ingest) makes a new generation - empty for a build, a cheap
hard-linked backup of the current one for an ingest - changes it, flushes it,
and only then replaces ``CURRENT`` atomically (``os.replace``). A reader never
sees half a graph, a crashed or failed write leaves ``CURRENT`` as it was, and a
running server picks up the new generation by re-reading ``CURRENT``.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.errors import Location, StoreError

_GEN = re.compile(r"^gen-(\d{6,})$")
KEEP_GENERATIONS = 3


def current_generation(root: str | Path) -> Path | None:
    root = Path(root)
    try:
        name = (root / "CURRENT").read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not _GEN.match(name):
        raise StoreError("E050", f"{root / 'CURRENT'} is damaged (holds {name[:40]!r})", Location(str(root)))
    path = root / name
    return path if path.is_dir() else None


META_FILE = "kg-meta.json"


def read_meta(gen: Path | None) -> dict:
    """Facts kept beside a generation's store (``{"quads": N}``); empty if there are none."""
    import json

    try:
        return json.loads((Path(gen) / META_FILE).read_text(encoding="utf-8")) if gen else {}
    except (OSError, ValueError):
        return {}


def write_meta(gen: Path, meta: dict) -> None:
    import json

    (Path(gen) / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _generations(root: Path) -> list[tuple[int, Path]]:
    out = []
    if root.is_dir():
        for child in root.iterdir():
            m = _GEN.match(child.name)
            if m and child.is_dir():
                out.append((int(m.group(1)), child))
    return sorted(out)


def _publish(root: Path, gen: Path) -> None:
    tmp = root / f"CURRENT.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(gen.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / "CURRENT")
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _collect(root: Path, current: Path) -> None:
    """Remove generations older than the last few, and unpublished leftovers."""
    gens = _generations(root)
    cur_n = int(_GEN.match(current.name).group(1))
    keep = {p for n, p in gens if n <= cur_n}
    keep = set(sorted(keep, key=lambda p: p.name)[-KEEP_GENERATIONS:])
    for _n, path in gens:
        if path not in keep:
            shutil.rmtree(path, ignore_errors=True)
    for stray in root.glob("CURRENT.tmp.*"):
        with contextlib.suppress(OSError):
            stray.unlink()


def _remove_unpublished(root: Path, current: Path | None) -> None:
    """Generations newer than the published one are what a killed write left (the lock is ours now)."""
    cur_n = int(_GEN.match(current.name).group(1)) if current is not None else 0
    for n, path in _generations(root):
        if n > cur_n:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError("E051", "another process is writing this store", Location(str(root))) from None
        yield
    finally:
        os.close(fd)


@dataclass
class Generation:
    """A generation being written: its store, its directory, and the one it was copied from.

    Side files that belong to the graph (indexes kept beside it) go into ``path`` too:
    they are published, kept and removed with the store.
    """

    store: pyoxigraph.Store
    path: Path
    previous: Path | None


@contextlib.contextmanager
def new_generation(root: str | Path, *, start_empty: bool) -> Iterator[pyoxigraph.Store]:
    """Yield a writable store for the next generation; publish it if the block succeeds."""
    with writing(root, start_empty=start_empty) as gen:
        yield gen.store


@contextlib.contextmanager
def writing(root: str | Path, *, start_empty: bool) -> Iterator[Generation]:
    """Like :func:`new_generation`, yielding the :class:`Generation` (store, path, previous)."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise StoreError("E050", "the store path exists and is not a directory", Location(str(root)))
    with writer_lock(root):
        current = current_generation(root)
        _remove_unpublished(root, current)
        gens = _generations(root)
        number = (gens[-1][0] + 1) if gens else 1
        target = root / f"gen-{number:06d}"
        if current is not None and not start_empty:
            source = pyoxigraph.Store.read_only(str(current))
            source.backup(str(target))
            del source
        holder = [pyoxigraph.Store(str(target))]
        gen = Generation(holder[0], target, None if start_empty else current)
        published = False
        try:
            yield gen
            holder[0].flush()
            holder.clear()  # drop our references: the store closes once the caller's go too
            gen.store = None  # type: ignore[assignment]
            gc.collect()
            _publish(root, target)
            published = True
            _collect(root, target)
        finally:
            if not published:
                holder.clear()
                gen.store = None  # type: ignore[assignment]
                gc.collect()
                shutil.rmtree(target, ignore_errors=True)
