"""`reader` with no command, and `reader open`: the TUI (issue: the reader)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    pass


def default_handler(args: argparse.Namespace) -> int:
    from reader.cli import build_parser

    build_parser().print_help()
    return 0
