"""The `assistant` command line: parse, chat, serve, staff/analyst accounts, content check, train, evaluate, report."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from core.content import check_content, load_content, load_office_rules, render_review_state, review_fingerprint
from core.content import fingerprint as text_fingerprint
from core.templates import check_templates, load_template_seeds, render_template_review_state
from core.errors import AssistantError, NluUnavailable
from core.settings import Settings

if TYPE_CHECKING:  # the commands import what they need when they run, so `assistant --help` stays quick
    from nlu.understanding import MessageUnderstanding


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `assistant` sub-command and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        settings = Settings.from_env()
        return int(args.run(settings, args))
    except AssistantError as error:
        print(f"assistant: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")

    parse = commands.add_parser("parse", help="classify JSON lines from stdin: language, topic, confidence")
    parse.set_defaults(run=_run_parse)

    chat = commands.add_parser("chat", help="talk to the assistant in the terminal (or via stdin)")
    chat.add_argument(
        "--at",
        type=_moment,
        default=None,
        metavar="YYYY-MM-DDTHH:MM",
        help="answer as at this moment (Europe/Berlin unless it has an offset), on a scratch copy: nothing real changes",
    )
    chat.set_defaults(run=_run_chat)

    serve = commands.add_parser("serve", help="run the channels: the web server, and Telegram when configured")
    serve.set_defaults(run=_run_serve)

    for role, title in (("staff", "staff accounts (the inbox at /staff/)"), ("analyst", "analyst accounts (/analytics/)")):
        accounts = commands.add_parser(role, help=f"manage {title}")
        account_commands = accounts.add_subparsers(required=True, metavar="action")
        add = account_commands.add_parser("add", help=f"create a {role} account; asks for the password")
        add.add_argument("username")
        add.add_argument("--name", default="", help="the name colleagues see")
        add.add_argument("--languages", default="", help="comma-separated language codes, e.g. uk,ru")
        add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        add.set_defaults(run=_run_account_add, role=role)
        password = account_commands.add_parser(
            "password", help=f"give a {role} account a new password; ends its logins and closes their inboxes"
        )
        password.add_argument("username")
        password.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        password.set_defaults(run=_run_account_password, role=role)
        remove = account_commands.add_parser("remove", help=f"delete a {role} account; ends its logins at once")
        remove.add_argument("username")
        remove.set_defaults(run=_run_account_remove, role=role)

    content = commands.add_parser("content", help="work with the content under data/")
    content_commands = content.add_subparsers(required=True, metavar="action")
    content_commands.add_parser("check", help="validate data/faq/ and friends").set_defaults(run=_run_content_check)
    fingerprint = content_commands.add_parser("fingerprint", help="print what a native speaker's review confirms")
    fingerprint.add_argument("topic", help="a topic id, 'ui' for the interface strings, or template:KEY")
    fingerprint.add_argument("language")
    fingerprint.set_defaults(run=_run_content_fingerprint)

    train = commands.add_parser("train", help="train the NLU model if content or config changed")
    train.add_argument("--force", action="store_true", help="train even if an up-to-date model exists")
    train.set_defaults(run=_run_train)

    evaluate = commands.add_parser("evaluate", help="accuracy per language and topic on the held-out set")
    evaluate.add_argument("sets", type=Path, nargs="*", help="labelled sets (default: every data/eval/*.yml)")
    evaluate.add_argument("--output", type=Path, default=None, help="also write the report (Markdown) here")
    evaluate.set_defaults(run=_run_evaluate)

    report = commands.add_parser("report", help="the analysts' report for the committee (German): csv, html or pdf")
    report.add_argument("--from", dest="first", required=True, type=_day, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, type=_day, help="last day (included), YYYY-MM-DD")
    report.add_argument("--format", choices=("csv", "html", "pdf"), default="pdf")
    report.add_argument("--output", type=Path, default=None, help="write here instead of to stdout")
    report.add_argument("--channel", default="", help="only this channel, e.g. telegram or web")
    report.add_argument("--language", default="", help="only this language, e.g. uk")
    report.set_defaults(run=_run_report)
    return parser


def _read_password(args: argparse.Namespace) -> str | None:
    import getpass

    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password (at least 10 characters): ")
    if getpass.getpass("Repeat the password: ") != password:
        print("assistant: the passwords differ", file=sys.stderr)
        return None
    return password


def _run_account_password(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 1
    return asyncio.run(_change_account(settings, args.username, args.role, password))


def _run_account_remove(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_change_account(settings, args.username, args.role, None))


async def _change_account(settings: Settings, username: str, role: str, password: str | None) -> int:
    """Set a new password (or remove the account with None); running apps close its inboxes within seconds."""
    from accounts.models import Account
    from accounts.service import AccountError, AccountService
    from sqlalchemy import select
    from storage.migrate import open_database

    async with open_database(settings.database_url) as database:
        async with database.sessions() as session:
            account = await session.scalar(select(Account).where(Account.username == username.strip().lower()))
        if account is None or not account.has_role(role):
            raise AccountError(f"there is no {role} account {username.strip().lower()!r}")
        service = AccountService(database)
        ended = await (service.set_password(username, password) if password is not None else service.remove(username))
    done = "new password for" if password is not None else "removed"
    print(f"{done} {role} account {username.strip().lower()!r}; {len(ended)} login(s) ended")
    return 0


def _run_account_add(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 1
    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    return asyncio.run(_add_account(settings, args.username, password, args.role, args.name, languages))


async def _add_account(
    settings: Settings, username: str, password: str, role: str, name: str, languages: list[str]
) -> int:
    from accounts.service import AccountService
    from storage.migrate import open_database

    async with open_database(settings.database_url) as database:
        account = await AccountService(database).create(username, password, [role], name, languages)
    print(f"created {role} account {account.username!r}")
    return 0


def _run_content_check(settings: Settings, args: argparse.Namespace) -> int:
    problems = check_content(settings.data_dir)
    problems += check_templates(settings.data_dir) if not problems else []
    for problem in problems:
        print(problem)
    if problems:
        print(f"content check failed: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    content = load_content(settings.data_dir)
    examples = sum(len(ex) for topic in content.topics.values() for ex in topic.examples.values())
    print(f"content OK: {len(content.topics)} topics, {len(content.languages)} languages, {examples} examples")
    print(render_review_state(content))
    seeds = load_template_seeds(settings.data_dir)
    print(f"reply templates OK: {len(seeds)}")
    print(render_template_review_state(seeds, list(content.languages)))
    return 0


def _run_content_fingerprint(settings: Settings, args: argparse.Namespace) -> int:
    content = load_content(settings.data_dir)
    if args.topic.startswith("template:"):
        key = args.topic.removeprefix("template:")
        seed = next((s for s in load_template_seeds(settings.data_dir) if s.key == key), None)
        if seed is None or args.language not in seed.texts:
            print(f"unknown template or language: {key} {args.language}", file=sys.stderr)
            return 1
        print(text_fingerprint(seed.texts[args.language]))
        return 0
    try:
        print(review_fingerprint(content, args.topic, args.language))
    except KeyError:
        print(f"unknown topic or language: {args.topic} {args.language}", file=sys.stderr)
        return 1
    return 0


def _run_train(settings: Settings, args: argparse.Namespace) -> int:
    from nlu.training import train

    path = train(settings, load_content(settings.data_dir), force=args.force)
    print(f"model: {path}")
    return 0


def _run_parse(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_parse_lines(settings, sys.stdin, sys.stdout))


async def _parse_lines(settings: Settings, source: TextIO, sink: TextIO) -> int:
    from nlu.runtime import running_nlu

    async with running_nlu(settings) as nlu:
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, source.readline):
            if not line.strip():
                continue
            sink.write(json.dumps(await _parse_one(nlu.understanding, line), ensure_ascii=False) + "\n")
            sink.flush()
    return 0


async def _parse_one(understanding: MessageUnderstanding, line: str) -> dict[str, object]:
    try:
        request = json.loads(line)
        text = request["text"]
        hint = request.get("language_hint")
        if not isinstance(text, str) or not (hint is None or isinstance(hint, str)):
            raise TypeError("text must be a string and language_hint a string or null")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return {"text": None, "error": f"invalid request: {type(error).__name__}"}
    guess = understanding.detect_language(text, hint=hint)
    try:
        understood = await understanding.classify(text, guess)
    except NluUnavailable as error:
        return {"text": text, "language": guess.language, "topic": None, "confidence": 0.0, "error": str(error)}
    return {
        "text": text,
        "language": understood.language.language,
        "topic": understood.topic,
        "confidence": round(understood.confidence, 4),
    }


def _run_chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.channels.console import run_console

    at: datetime | None = args.at
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=load_office_rules(settings.data_dir).timezone)
    return asyncio.run(run_console(settings, sys.stdin, sys.stdout, at=at))


def _run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import announce, create_demo_logins
    from bot.web import run_serving, serve

    telegram = "off"
    if settings.telegram_bot_token:
        telegram = "webhook" if settings.telegram_webhook_url else "polling"
    logins = asyncio.run(create_demo_logins(settings))

    def ready(port: int) -> None:
        print(f"assistant: serving on http://{settings.http_host}:{port} (telegram: {telegram})", file=sys.stderr, flush=True)
        announce(settings.http_host, port, logins, sys.stdout)

    run_serving(serve(settings, ready=ready))
    return 0


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a moment (YYYY-MM-DDTHH:MM, optionally with an offset): {text!r}") from error


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def _run_report(settings: Settings, args: argparse.Namespace) -> int:
    from monitoring.cli import write_report

    if args.last < args.first:
        print("assistant: --to is before --from", file=sys.stderr)
        return 2
    return asyncio.run(write_report(settings, args.first, args.last, args.format, args.output, args.channel, args.language))


def _run_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from nlu.evaluate import run_evaluation

    sets = args.sets or sorted((settings.data_dir / "eval").glob("*.yml"))
    return asyncio.run(run_evaluation(settings, sets, args.output))


if __name__ == "__main__":
    raise SystemExit(main())
