"""The commands a Markdown page shows, read from its shell code blocks, checked against the
real `tabour` CLI and, where they can run unattended, run.

A line in a ```sh block is one command; `# ...` ends it. Lines for other programs (pip,
systemctl, python3 -m venv) are not Tabour's and are left alone; `export VAR=...` lines are
examples of the environment, not applied. A `tabour` line may be a synopsis: `[optional]`
parts, `a|b` alternatives (of a subcommand, of a value, or of whole groups in `( ... | ... )`)
and UPPERCASE placeholders. Every variant of a synopsis must parse as the CLI would parse it
(existing commands and options, the right number of arguments, values of the right type and
among the allowed choices), without running it.

A line with no synopsis syntax and no placeholder is *concrete*: the tests run it too, unless
it waits for a person or runs until stopped (`sandbox`, `sync` without `--once`, the
front-ends, a `--staff` without a PIN piped in).
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass

import click

from branch.cli import cli

FENCE = re.compile(r"^```(\w*)\s*$")
SHELL_LANGS = {"sh", "bash", "shell", "console"}
PIPED_PIN = re.compile(r"^echo\s+(\d+)\s*\|\s*(.*)$")
# the words a synopsis stands for a value with (a real value such as NAF or A023 is checked)
PLACEHOLDERS = {
    "N", "M", "U", "P", "S", "D", "T", "CODE", "USER", "FILE", "PLAN", "SPEC", "DIR",
    "SUPERVISOR", "MANAGER", "PAYMENT_ID", "ARGS", "ARGS...", "NAME", "...", "COMMAND",
}  # fmt: skip
PIN_COMMANDS = {("staff", "add")}  # read a PIN from the terminal or stdin
SYNOPSIS_CHARS = re.compile(r"[\[\]()|]")
# commands that run until stopped or wait for a person at a screen
LONG_RUNNING = {("sandbox",), ("kiosk",), ("hall",), ("manager",), ("demo",), ("counter",)}


@dataclass(frozen=True)
class DocCommand:
    page: str
    line_no: int
    line: str  # as written, comment stripped
    args: tuple[str, ...]  # after `tabour` (or `python3 dev.py tabour`)
    stdin: str | None  # a PIN piped in with `echo N |`
    concrete: bool

    def where(self) -> str:
        return f"{self.page}:{self.line_no}: {self.line}"


@dataclass(frozen=True)
class OtherCommand:
    """A command line that is not `tabour`: `python3 dev.py run|test`, pip, systemctl, ..."""

    page: str
    line_no: int
    line: str


def shell_lines(text: str) -> list[tuple[int, str]]:
    """(line number, command) of every command line inside a shell code block."""
    out: list[tuple[int, str]] = []
    lang: str | None = None
    for no, raw in enumerate(text.splitlines(), 1):
        fence = FENCE.match(raw.strip())
        if fence:
            lang = (fence.group(1) or "") if lang is None else None
            continue
        if lang is None or lang not in SHELL_LANGS:
            continue
        line = _strip_comment(raw).strip()
        if line:
            out.append((no, line))
    return out


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


INLINE = re.compile(r"`((?:[A-Z_]+=\S+ )*(?:echo \d+ \| )?(?:tabour|python3 dev\.py) [^`]*)`")


def inline_commands(text: str) -> list[tuple[int, str]]:
    """(line number, command) of every `tabour ...` or `python3 dev.py ...` in running text
    (code spans outside the code blocks)."""
    out: list[tuple[int, str]] = []
    in_block = False
    for no, raw in enumerate(text.splitlines(), 1):
        if FENCE.match(raw.strip()):
            in_block = not in_block
            continue
        if not in_block:
            out += [(no, m.group(1).strip()) for m in INLINE.finditer(raw)]
    return out


def parse_page(
    page: str, text: str, inline: bool = False
) -> tuple[list[DocCommand], list[OtherCommand]]:
    """The commands of the page's shell blocks (and, with `inline`, of its running text)."""
    tabour_cmds: list[DocCommand] = []
    others: list[OtherCommand] = []
    lines = shell_lines(text) + (inline_commands(text) if inline else [])
    for no, line in sorted(lines):
        stdin = None
        body = line
        piped = PIPED_PIN.match(line)
        if piped:
            stdin, body = piped.group(1) + "\n", piped.group(2)
        words = body.split()
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=\S*$", words[0]):
            words = words[1:]  # `TABOUR_HOME=var tabour ...`: the tests choose the home
        if words[:1] == ["tabour"]:
            rest = words[1:]
        elif words[:3] == ["python3", "dev.py", "tabour"]:
            rest = words[3:]
        else:
            others.append(OtherCommand(page, no, line))
            continue
        rest_text = " ".join(rest)
        concrete = not SYNOPSIS_CHARS.search(rest_text) and not any(
            w in PLACEHOLDERS for w in shlex.split(rest_text)
        )
        args = tuple(shlex.split(rest_text)) if concrete else tuple(rest)
        tabour_cmds.append(DocCommand(page, no, line, args, stdin, concrete))
    return tabour_cmds, others


# -- synopsis expansion --------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    spaced = re.sub(r"([\[\]()])", r" \1 ", text)
    spaced = re.sub(r"\s\|\s", " | ", spaced)
    return shlex.split(spaced)


def _alternatives(tokens: list[str], i: int, close: str | None) -> tuple[list[list[str]], int]:
    """Variants of a sequence up to `close` (or the end), and where it stopped."""
    branches: list[list[list[str]]] = [[]]  # per branch: list of items' variant lists
    while i < len(tokens):
        tok = tokens[i]
        if tok == close:
            break
        if tok == "|":
            branches.append([])
            i += 1
            continue
        if tok in ("[", "("):
            inner, i = _alternatives(tokens, i + 1, "]" if tok == "[" else ")")
            branches[-1].append(([[]] if tok == "[" else []) + inner)
            i += 1
            continue
        word_variants = [[w] for w in tok.split("|")] if "|" in tok else [[tok]]
        branches[-1].append(word_variants)
        i += 1
    variants: list[list[str]] = []
    for items in branches:
        for combo in itertools.islice(itertools.product(*items), 256):
            variants.append([w for part in combo for w in part])
    return variants, i


def variants(cmd: DocCommand) -> list[list[str]]:
    if cmd.concrete:
        return [list(cmd.args)]
    found, _ = _alternatives(_tokens(" ".join(cmd.args)), 0, None)
    return found


# -- checking against the CLI --------------------------------------------------------------


def resolve(args: list[str]) -> tuple[click.Command, list[str], list[str], click.Context]:
    """The command `args` names, its own arguments, and the path to it."""
    ctx = click.Context(cli, info_name="tabour")
    cmd: click.Command = cli
    path: list[str] = []
    rest = list(args)
    while (
        isinstance(cmd, click.Group)
        and rest
        and not rest[0].startswith("-")
        and rest[0] not in PLACEHOLDERS
    ):
        sub = cmd.get_command(ctx, rest[0])
        if sub is None:
            raise AssertionError(f"no command `tabour {' '.join([*path, rest[0]])}`")
        path.append(rest.pop(0))
        cmd = sub
        ctx = click.Context(cmd, info_name=path[-1], parent=ctx)
    if isinstance(cmd, click.Group) and not cmd.invoke_without_command and not rest:
        raise AssertionError(f"`tabour {' '.join(path)}` needs a subcommand")
    return cmd, path, rest, ctx


def check(args: list[str]) -> None:
    """Parse `args` as the CLI would; AssertionError naming what is wrong. `tabour` alone or
    `tabour ARGS...` names the program, not a command: nothing to check."""
    if not args or args[0] in PLACEHOLDERS:
        return
    cmd, _, rest, ctx = resolve(args)
    if isinstance(cmd, click.Group) and rest and rest[0] in PLACEHOLDERS:
        return  # `tabour counter ...`: the group exists, its sub-commands are elsewhere
    where = f"`tabour {' '.join(args)}`"
    try:
        opts, extra, _ = cmd.make_parser(ctx).parse_args(list(rest))
    except click.UsageError as exc:
        raise AssertionError(f"{where}: {exc.format_message()}") from None
    if extra and not cmd.allow_extra_args:
        raise AssertionError(f"{where}: unexpected arguments {extra}")
    for param in cmd.params:
        value = opts.get(param.name) if param.name else None
        if value is None:
            if param.required:
                raise AssertionError(f"{where}: missing {param.get_error_hint(ctx)}")
            continue
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if isinstance(v, str) and v in PLACEHOLDERS:
                continue
            try:
                param.type_cast_value(ctx, v)
            except click.BadParameter as exc:
                raise AssertionError(f"{where}: {param.get_error_hint(ctx)}: {exc}") from None


def unattended(cmd: DocCommand) -> bool:
    """Can this concrete command run in a test without a person or a stop signal?"""
    if not cmd.concrete or not cmd.args:
        return False
    _, path, rest, _ = resolve(list(cmd.args))
    if tuple(path) in LONG_RUNNING and "--seconds" not in rest:
        return False
    if path == ["sync"] and "--once" not in rest:
        return False
    if path == ["display", "emulate"] and "--seconds" not in rest:
        return False
    needs_pin = tuple(path) in PIN_COMMANDS or bool({"--staff", "--as"} & set(rest))
    return cmd.stdin is not None or not needs_pin
