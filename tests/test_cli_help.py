"""Every option of every ``elicense`` command says what it is for (issue #17).

The field report counted 53 of 321 options and arguments without help text,
among them ``revoke --reason-code``. The test walks the whole argparse tree —
every command, subcommand, option and positional — and requires non-empty help
for each (except ``-h``); the revocation reasons are named as the law names
them: 注销, 撤销, 吊销.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from elicense.cli import build_parser


def _walk(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, argparse.Action]]:
    """``(command path, action)`` for every argument of ``parser`` and its subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def _without_help(parser: argparse.ArgumentParser) -> list[str]:
    return [
        f"{path} {'/'.join(a.option_strings) or a.dest}"
        for path, a in _walk(parser, "elicense")
        if not (a.help or "").strip() or a.help == argparse.SUPPRESS
    ]


def test_every_option_has_help() -> None:
    """No option, positional or subcommand argument without help text."""
    arguments = list(_walk(build_parser(), "elicense"))
    assert len(arguments) > 300  # the walk reaches every subcommand
    assert _without_help(build_parser()) == []


def test_the_walk_finds_an_option_without_help() -> None:
    """Tamper twin: a planted option without help, two subcommands deep, is reported."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    seal = sub.choices["seal"]
    actions = next(a for a in seal._actions if isinstance(a, argparse._SubParsersAction))
    actions.choices["make"].add_argument("--planted")
    assert _without_help(parser) == ["elicense seal make --planted"]


def test_revocation_reasons_are_named_in_help() -> None:
    """``revoke --help`` names 注销, 撤销 and 吊销 and the code of each."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices["revoke"].format_help()
    for words in ("cancelled = 注销", "withdrawn = 撤销", "revoked = 吊销"):
        assert words in text, words
    overview = build_parser().format_help()
    assert "注销 / 撤销 / 吊销" in overview
