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
published), then opens the index in a new
process and asks the same questions. A trial passes when the index opens
and its answers are exactly the "before" or exactly the "after" ones: a
build is published whole or not at all. A second, uninterrupted build after
the kill must then reach the "after" answers (the lock and any leftover
generation folder do not get in its way). Writes ``bench/results/crash.json``.
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
from rag._atomic import write_atomic

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


def _answers(index_dir: Path) -> list | None:
    done = subprocess.run([sys.executable, "-c", ANSWERS, str(index_dir), *QUESTIONS], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    return json.loads(done.stdout) if done.returncode == 0 else None


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
    args = parser.parse_args(argv)
    if not 1 <= args.trials <= 200:
        parser.error("--trials must be 1..200")
    rng = random.Random(args.seed)
    env = {**os.environ, "RAG_DEBUG": ""}
    with tempfile.TemporaryDirectory(prefix="rag-crash-") as work:
        work_dir = Path(work)
        base = work_dir / "base"
        subprocess.run(_rag("index", str(bundled_articles_dir()), "--index", str(base)), check=True, capture_output=True,
                       env=env, cwd=ROOT, timeout=300)
        before = _answers(base)
        corpus = _changed_corpus(work_dir / "articles")
        full = work_dir / "full"
        shutil.copytree(base, full)
        started = time.perf_counter()
        subprocess.run(_rag("index", str(corpus), "--index", str(full)), check=True, capture_output=True, env=env,
                       cwd=ROOT, timeout=300)
        duration = time.perf_counter() - started
        after = _answers(full)
        if before is None or after is None or before == after:
            print("error: the reference builds did not give two distinct answer sets", file=sys.stderr)
            return 1
        trials = []
        for t in range(args.trials):
            trial = work_dir / f"trial-{t}"
            shutil.copytree(base, trial)
            # Half the kills anywhere in the run, half in its last 40%, where the generation is written
            # and published (the first part of a run is mostly process start-up and model loading).
            delay = rng.uniform(0.0, duration) if t % 2 == 0 else rng.uniform(0.6 * duration, duration)
            process = subprocess.Popen(_rag("index", str(corpus), "--index", str(trial)), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
            time.sleep(delay)
            killed = process.poll() is None
            if killed:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            seen = _answers(trial)
            state = "before" if seen == before else "after" if seen == after else "broken"
            rerun = subprocess.run(_rag("index", str(corpus), "--index", str(trial)), capture_output=True, env=env, cwd=ROOT,
                                   timeout=300)
            recovered = rerun.returncode == 0 and _answers(trial) == after
            trials.append({"delay_s": round(delay, 3), "killed": killed, "state": state, "recovered": recovered})
            print(f"trial {t + 1}/{args.trials}: kill at {delay:.2f}s{'' if killed else ' (already done)'} -> {state}, "
                  f"rebuild {'ok' if recovered else 'FAILED'}", flush=True)
            shutil.rmtree(trial, ignore_errors=True)
    usable = sum(t["state"] != "broken" for t in trials)
    result = {
        "command": "python -m bench.crash " + " ".join(argv if argv is not None else sys.argv[1:]),
        "trials": len(trials), "killed_mid_build": sum(t["killed"] for t in trials), "usable": usable,
        "saw_before": sum(t["state"] == "before" for t in trials), "saw_after": sum(t["state"] == "after" for t in trials),
        "recovered": sum(t["recovered"] for t in trials), "full_build_s": round(duration, 2), "per_trial": trials,
    }
    write_atomic(args.out / "crash.json", json.dumps(result, indent=2) + "\n")
    print(f"{usable}/{len(trials)} usable with identical answers ({result['killed_mid_build']} killed mid-build; "
          f"{result['saw_before']} before, {result['saw_after']} after); {result['recovered']} rebuilt cleanly")
    return 0 if usable == len(trials) and result["recovered"] == len(trials) else 1


if __name__ == "__main__":
    sys.exit(main())
