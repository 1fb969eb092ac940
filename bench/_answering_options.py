"""What the answer benchmarks (``bench.news_dated``, ``bench.pages``) share: the reader and settings options, and
an assistant built over a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from rag import Assistant, ConfigError, Settings
from rag.components import READERS

__all__ = ["add_answering_options", "built", "settings_of"]


def add_answering_options(parser: argparse.ArgumentParser) -> None:
    """``--reader`` (the reader answering) and ``--config`` (a TOML file of settings, as ``rag --config``)."""
    parser.add_argument("--reader", choices=list(READERS), default=None, help="the reader answering (default: the settings')")
    parser.add_argument("--config", type=Path, default=None, help="TOML file of settings (as `rag --config`)")


def settings_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Settings:
    """The settings ``--config`` names (the defaults without it); a bad file is the parser's one-line error."""
    try:
        return Settings.from_file(args.config) if args.config else Settings()
    except ConfigError as error:
        parser.error(str(error))
        raise  # parser.error exits; this keeps type checkers sure nothing returns here


def built(index_dir: Path, folder: Path, settings: Settings) -> Assistant:
    """An assistant over the articles of ``folder``, indexed into ``index_dir`` and loaded from there."""
    Assistant(index_dir, settings=settings).index([folder])
    return Assistant.load(index_dir, settings=settings)
