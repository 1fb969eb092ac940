"""Crash test: ``kill -9`` at random points of an incremental build; every trial must leave a usable index.

    python -m bench.crash                 # 20 trials (a few minutes)
    python -m bench.crash --trials 3      # quicker

A base index of the bundled articles is built once, and the answers to a few
questions are recorded from it ("before"). A complete incremental build
that adds, changes and removes articles gives the "after" answers. Each
trial copies the base index, starts ``rag index`` on the changed folder in a
new process, kills it with SIGKILL at a random moment of that build (every
other trial drawn uniformly over the measured duration of a complete one,
the others over its last 40%, where the new generation is written and
published; on PostgreSQL the others wait for the writer lock and kill
within 0.2 s of it), then opens the index in a new
process and asks the same questions. A trial passes when the index opens
and its answers are exactly the "before" or exactly the "after" ones: a
build is published whole or not at all. A second, uninterrupted build after
the kill must then reach the "after" answers (the lock and any leftover
generation folder do not get in its way). Writes ``bench/results/crash.json``.

    python -m bench.crash --store postgresql://rag@127.0.0.1:55432/rag --trials 10

runs the same trials against PostgreSQL: the base index is built into a new
database on that server, each trial starts from a copy of it (``CREATE
DATABASE … TEMPLATE``), and every database made is dropped at the end. The
kill then lands in the writer's one transaction or around it; the
database's writer lock must not outlive the killed process. Writes
``crash-pg.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag import bundled_articles_dir
from rag.evaluation import write_atomic
from rag.stores import is_url

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["How many troops?", "Why Tajikistan?", "What did the port workers demand?", "Who is Wei Fenghe?"]

ANSWERS = """
import json, sys
from rag import Assistant
a = Assistant.load(sys.argv[1])
print(json.dumps([a.ask(q).text for q in sys.argv[2:]] + [len(a.documents())]))
"""


def _rag(*args: str) -> list[str]:
    return [sys.executable, "-m", "rag.cli", *args]


def _answers(location: str) -> list | None:
    done = subprocess.run([sys.executable, "-c", ANSWERS, location, *QUESTIONS], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    return json.loads(done.stdout) if done.returncode == 0 else None


class _Folders:
    """Index copies as folders under ``work``."""

    def __init__(self, work: Path):
        self.work = work

    def new(self, name: str) -> str:
        return str(self.work / name)

    def copy(self, source: str, name: str) -> str:
        shutil.copytree(source, self.work / name)
        return str(self.work / name)

    def drop(self, location: str) -> None:
        shutil.rmtree(location, ignore_errors=True)

    def writing(self, location: str) -> bool | None:
        """Unknown for a folder (its lock is a ``flock``)."""
        return None

    def close(self) -> None:
        pass


class _Databases:
    """Index copies as databases on the server of ``url`` (each dropped by :meth:`close`)."""

    def __init__(self, url: str):
        self.server, self.prefix = url.rsplit("/", 1)[0], f"crash_{os.getpid()}_"
        self.admin = url
        self.made: list[str] = []

    def _run(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql)

    def new(self, name: str) -> str:
        self._run(f"CREATE DATABASE {self.prefix}{name}")
        self.made.append(self.prefix + name)
        return f"{self.server}/{self.prefix}{name}"

    def copy(self, source: str, name: str) -> str:
        self._run(f"CREATE DATABASE {self.prefix}{name} TEMPLATE {source.rsplit('/', 1)[1]}")
        self.made.append(self.prefix + name)
        return f"{self.server}/{self.prefix}{name}"

    def drop(self, location: str) -> None:
        database = location.rsplit("/", 1)[1]
        self._run(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if database in self.made:
            self.made.remove(database)

    def writing(self, location: str) -> bool:
        """Whether a session holds the database's writer lock (an advisory lock) now."""
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                               "WHERE l.locktype = 'advisory' AND l.granted AND d.datname = %s",
                               (location.rsplit("/", 1)[1],)).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        for database in list(self.made):
            self.drop(f"{self.server}/{database}")


def _changed_corpus(folder: Path) -> Path:
    """The bundled articles with one added, one changed and one removed."""
    shutil.copytree(bundled_articles_dir(), folder)
    names = sorted(p.name for p in folder.glob("*.txt"))
    (folder / names[0]).unlink()
    changed = folder / names[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe ministry added that the drill ended on schedule.\n",
                       encoding="utf-8")
    (folder / "port-strike.txt").write_text(
        "Port strike\n\nDock workers walked out on Friday. The port workers demanded a 12 percent pay rise and shorter "
        "shifts. The port authority said talks would resume next week.\n", encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--store", default="", metavar="URL",
                        help="a PostgreSQL server (postgresql://…/DB): trials run in new databases there")
    args = parser.parse_args(argv)
    if not 1 <= args.trials <= 200:
        parser.error("--trials must be 1..200")
    if args.store and not is_url(args.store):
        parser.error("--store must be a postgresql:// URL")
    rng = random.Random(args.seed)
    env = {**os.environ, "RAG_DEBUG": ""}
    with tempfile.TemporaryDirectory(prefix="rag-crash-") as work:
        work_dir = Path(work)
        copies = _Databases(args.store) if args.store else _Folders(work_dir)
        try:
            return _trials(args, argv, rng, env, work_dir, copies)
        finally:
            copies.close()


def _trials(args: argparse.Namespace, argv: list[str] | None, rng: random.Random, env: dict[str, str], work_dir: Path,
            copies: _Folders | _Databases) -> int:
    base = copies.new("base")
    subprocess.run(_rag("index", str(bundled_articles_dir()), "--index", base), check=True, capture_output=True,
                   env=env, cwd=ROOT, timeout=300)
    before = _answers(base)
    corpus = _changed_corpus(work_dir / "articles")
    full = copies.copy(base, "full")
    started = time.perf_counter()
    subprocess.run(_rag("index", str(corpus), "--index", full), check=True, capture_output=True, env=env,
                   cwd=ROOT, timeout=300)
    duration = time.perf_counter() - started
    after = _answers(full)
    if before is None or after is None or before == after:
        print("error: the reference builds did not give two distinct answer sets", file=sys.stderr)
        return 1
    trials = []
    for t in range(args.trials):
        trial = copies.copy(base, f"trial_{t}")
        # Half the kills anywhere in the run, half in its last 40%, where the generation is written
        # and published (the first part of a run is mostly process start-up and model loading).
        delay = rng.uniform(0.0, duration) if t % 2 == 0 else rng.uniform(0.6 * duration, duration)
        process = subprocess.Popen(_rag("index", str(corpus), "--index", trial), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        launched = time.perf_counter()
        if t % 2 == 1 and isinstance(copies, _Databases):
            # A database update is one short transaction at the end of the run, which a draw over the
            # run's last 40% seldom hits: wait for the writer lock, then kill within its first 0.2 s.
            while process.poll() is None and not copies.writing(trial) and time.perf_counter() - launched < 3 * duration:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.2))
        else:
            time.sleep(delay)
        delay = time.perf_counter() - launched
        killed = process.poll() is None
        writing = copies.writing(trial) if killed else False
        if killed:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        seen = _answers(trial)
        state = "before" if seen == before else "after" if seen == after else "broken"
        rerun = subprocess.run(_rag("index", str(corpus), "--index", trial), capture_output=True, env=env, cwd=ROOT,
                               timeout=300)
        recovered = rerun.returncode == 0 and _answers(trial) == after
        trials.append({"delay_s": round(delay, 3), "killed": killed, "writing": writing, "state": state,
                       "recovered": recovered})
        during = " while writing" if writing else ""
        print(f"trial {t + 1}/{args.trials}: kill at {delay:.2f}s{during}{'' if killed else ' (already done)'} -> {state}, "
              f"rebuild {'ok' if recovered else 'FAILED'}", flush=True)
        copies.drop(trial)
    usable = sum(t["state"] != "broken" for t in trials)
    result = {
        "command": "python -m bench.crash " + " ".join(argv if argv is not None else sys.argv[1:]),
        "trials": len(trials), "killed_mid_build": sum(t["killed"] for t in trials), "usable": usable,
        "saw_before": sum(t["state"] == "before" for t in trials), "saw_after": sum(t["state"] == "after" for t in trials),
        "recovered": sum(t["recovered"] for t in trials), "full_build_s": round(duration, 2), "per_trial": trials,
        "store": "postgresql" if args.store else "local",
        # PostgreSQL only: kills that landed while the build held the database's writer lock.
        "killed_while_writing": sum(bool(t["writing"]) for t in trials) if args.store else None,
    }
    write_atomic(args.out / ("crash-pg.json" if args.store else "crash.json"), json.dumps(result, indent=2) + "\n")
    print(f"{usable}/{len(trials)} usable with identical answers ({result['killed_mid_build']} killed mid-build; "
          f"{result['saw_before']} before, {result['saw_after']} after); {result['recovered']} rebuilt cleanly")
    return 0 if usable == len(trials) and result["recovered"] == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
