"""The `paperbot` command line: digest, search, show, fetch, run, post-now."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from bot import __version__
from bot.app import backfill, log_redaction
from bot.app.bootstrap import (
    PREVIEW_FORMATS,
    App,
    build_app,
    make_platforms,
    nothing_posted_text,
    preview_digest,
    preview_settled,
)
from bot.commands.parse import Show, read_search
from bot.commands.wording import no_paper_text, search_reply
from bot.config.load import Config, load_config
from bot.digest.text import render_paper_text, render_papers_list_text, render_text
from bot.digest.topics import parse_topics
from bot.lifecycle.settle_preview import settled_post
from bot.records.chat import CLOSE_MATCHES
from bot.records.errors import ConfigError, PaperbotError, SourceUnreachable, UserInputError
from bot.records.models import ChannelRef, Subscription
from bot.sources import SampleSource
from bot.storage import worker_lock
from bot.text.arxiv_ids import parse_arxiv_id

log = logging.getLogger("paperbot")

CLI_CHANNEL = ChannelRef(platform="cli", channel_id="cli")
# They open the store read-only: no write lock to wait for, and nothing fetched is kept.
READ_ONLY_COMMANDS = frozenset({"digest", "search", "show"})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(_topics_joined(sys.argv[1:] if argv is None else argv))
    path = _config_path(args)
    try:
        config = _load_config(args, path)
    except ConfigError as exc:
        _print_config_error(exc, path)
        return 2
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # response_url, tokens: out of every record, whichever library logs them
    log_redaction.install()
    # httpx logs every request URL at INFO; keep the log for what paperbot itself does.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if args.command == "run" and args.console:
        _warnings_only_on_the_terminal()
    try:
        return asyncio.run(_run(args, config))
    except UserInputError as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:  # found at start: a platform refused a token, and the like
        _print_config_error(exc, path)
        return 2
    except SourceUnreachable as exc:
        print(f"paperbot: {_unreachable(exc)}; `--source sample` works offline", file=sys.stderr)
        return 1
    except PaperbotError as exc:
        print(f"paperbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `paperbot digest | head`: the reader has all it wanted
        _quiet_stdout()
        return 1


def _warnings_only_on_the_terminal() -> None:
    """`run --console` talks on this terminal: INFO lines (`fetched 17 papers listed on ...`)
    landing between a question and its answer read as part of the conversation. The log
    there shows warnings and errors only; `log_level` still rules the rest."""
    for handler in logging.getLogger().handlers:
        handler.setLevel(max(handler.level, logging.WARNING))


def _unreachable(exc: SourceUnreachable) -> str:
    return f"{exc.source} at {exc.host} is unreachable ({exc.cause})"


def _print_config_error(exc: ConfigError, path: str | None) -> None:
    """Name the config file (or say there is none), then every problem, one a line."""
    where = f"config {path}" if path else "config (no file: defaults and environment)"
    if len(exc.problems) == 1:
        print(f"paperbot: {where}: {exc.problems[0]}", file=sys.stderr)
        return
    print(f"paperbot: {where}: {len(exc.problems)} problems:", file=sys.stderr)
    for problem in exc.problems:
        print(f"  {problem}", file=sys.stderr)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush of what is still buffered
    does not fail on the closed pipe too (Python's documented way out of SIGPIPE)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _topics_joined(argv: Sequence[str]) -> list[str]:
    """`--topics -survey` as `--topics=-survey`: argparse takes a lone value starting with
    "-" for an option, but a topic may start with one (an exclusion)."""
    joined: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            return [*joined, word, *words]
        if word == "--topics":
            value = next(words, None)
            if value is not None and value.startswith("-") and not value.startswith("--"):
                word = f"--topics={value}"
            elif value is not None:
                joined.append(word)
                word = value
        joined.append(word)
    return joined


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paperbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"paperbot {__version__}")
    _add_common_options(parser, default=None)
    # The same options after the verb too (`paperbot digest --source sample`); SUPPRESS keeps
    # a value given before the verb when none is given after it.
    common = argparse.ArgumentParser(add_help=False)
    _add_common_options(common, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_commands(sub, common)
    return parser


def _add_common_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--config",
        default=default,
        help="TOML config file (default: $PAPERBOT_CONFIG, ./paperbot.toml)",
    )
    parser.add_argument(
        "--source",
        default=default,
        choices=("huggingface", "sample"),
        help="where papers come from",
    )
    parser.add_argument("--db", default=default, help="database URL, e.g. sqlite:///paperbot.db")


def _add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[common])

    digest = sub.add_parser(
        "digest",
        help="print a digest",
        description="Print a digest. With --format slack or discord, print instead the exact "
        "JSON the bot would post there (Slack: each chat.postMessage body, its thread replies "
        "and a Block Kit Builder link; Discord: each message create body and the thread's), "
        "with a placeholder channel and key, to see a post before enabling a platform.",
        parents=[common],
    )
    digest.add_argument("--date", type=_date, help="the day to cover (default: latest closed day)")
    digest.add_argument(
        "--topics",
        action="append",
        default=[],
        help="topics, e.g. 'agents \"world model\" -survey'; repeat it to add more",
    )
    digest.add_argument(
        "--format",
        choices=("text", *PREVIEW_FORMATS),
        default="text",
        help="text (default), or the payloads posted to slack or discord, as JSON",
    )
    digest.add_argument(
        "--settled",
        action="store_true",
        help="with --format slack or discord: the payloads that settle the post instead (its "
        "edits with the counts of the day's list fetched now, rises marked, and its late "
        "additions reply), the stored list standing for the post",
    )

    search = add("search", "search papers")
    search.add_argument("query", nargs="+")
    search.add_argument("--limit", type=_positive, default=10, help="at most this many (10)")

    show = add("show", "show one paper")
    show.add_argument("paper", help="arXiv id or URL")

    fetch = sub.add_parser(
        "fetch",
        help="backfill the store from the daily source",
        description="Backfill the store from the daily source. A day that still fails after "
        "the retries is named at the end (exit status 1) and the other days go on; running "
        "the same command again fetches only what is missing: days already fetched after "
        "their list closed are skipped.",
        parents=[common],
    )
    fetch.add_argument("--since", type=_date, required=True, help="first day")
    fetch.add_argument("--until", type=_date, help="last day (default: latest closed day)")
    fetch.add_argument(
        "--refetch",
        action="store_true",
        help="fetch days already fetched after they closed too (fresher upvote counts)",
    )

    run = add("run", "run the bot: platforms, scheduler and delivery")
    run.add_argument("--console", action="store_true", help="chat with the bot in this terminal")

    post_now = add("post-now", "post a channel's digest now (operators)")
    post_now.add_argument("--channel", required=True, help="platform:workspace:channel")


def _positive(text: str) -> int:
    if not text.isdecimal() or len(text) > 9 or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text[:30]!r} is not a whole number from 1 up")
    return int(text)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-08-21") from None


def _config_path(args: argparse.Namespace) -> str | None:
    """The config file this run reads: --config, $PAPERBOT_CONFIG, ./paperbot.toml, or none."""
    path: str | None = args.config or os.environ.get("PAPERBOT_CONFIG")
    if path is None and Path("paperbot.toml").exists():
        path = "paperbot.toml"
    return path


def _load_config(args: argparse.Namespace, path: str | None) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8") if path else ""
    except OSError as exc:
        raise ConfigError(f"cannot read it: {exc.strerror}") from None
    config = load_config(text, os.environ)
    if args.source:
        config = dataclasses.replace(config, source=args.source)
    if args.db:
        config = dataclasses.replace(config, database_url=args.db)
    return config


async def _run(args: argparse.Namespace, config: Config) -> int:
    if args.command == "run":  # one long-running worker per SQLite file
        with worker_lock(config.database_url):
            return await _run_with_app(args, config)
    return await _run_with_app(args, config)


async def _run_with_app(args: argparse.Namespace, config: Config) -> int:
    app = await build_app(
        config, read_only=args.command in READ_ONLY_COMMANDS, check=args.command == "run"
    )
    try:
        handler = {
            "digest": _digest,
            "search": _search,
            "show": _show,
            "fetch": _fetch,
            "run": _serve,
            "post-now": _post_now,
        }[args.command]
        return await handler(app, args)
    finally:
        await app.aclose()


async def _digest(app: App, args: argparse.Namespace) -> int:
    problem = app.service.why_not_closed(args.date) if args.date else None
    if problem is not None:  # as `/papers today DAY` answers it
        raise UserInputError(problem)
    subscription = Subscription(
        channel=CLI_CHANNEL,
        topics=parse_topics(" ".join(args.topics)),
        settings=app.config.defaults,
    )
    if args.settled and args.date:  # before digest_of, which may store the day's list
        return await _settled(app, args, subscription, args.date)
    # A one-off subscription, never stored: the CLI is not a channel to deliver to.
    try:
        digest = await app.service.digest_of(subscription, args.date)
    except SourceUnreachable as exc:  # without a date, the newest list stored will do
        stored = None if args.date else await app.service.stored_digest_of(subscription)
        if stored is None:
            raise
        print(f"paperbot: {_unreachable(exc)}; the newest list stored follows", file=sys.stderr)
        digest = stored
    if args.settled:
        return await _settled(app, args, subscription, digest.day)
    if args.format == "text":
        print(render_text(digest))
        return 0
    print(json.dumps(preview_digest(args.format, digest), indent=2, ensure_ascii=False))
    if digest.is_empty:  # the JSON says it too; this is for the person at the terminal
        print(f"paperbot: {nothing_posted_text(digest)}", file=sys.stderr)
    return 0


async def _settled(
    app: App, args: argparse.Namespace, subscription: Subscription, day: date
) -> int:
    if args.format == "text":
        raise UserInputError("--settled needs --format slack or --format discord")
    daily = app.service.daily
    later = daily.settled() if isinstance(daily, SampleSource) else None
    if later is not None and day not in later.days:  # the sample settles its newest day only
        later = None
    post = await settled_post(app.store, daily, subscription, day, later=later)
    if not post.stored:
        print(f"no stored list for {day} (paperbot fetch stores one): no rises", file=sys.stderr)
    payload = preview_settled(args.format, post.posted, post.settled, post.late)
    print(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0


async def _search(app: App, args: argparse.Namespace) -> int:
    request = read_search(" ".join(args.query))  # as `/papers search` reads it
    if isinstance(request, Show):
        return await _show_paper(app, request.arxiv_id)
    query = request.query
    reply = search_reply(query, await app.service.search(query, args.limit))
    print(reply.text)
    if reply.papers:
        print("\n" + render_papers_list_text(reply.papers))
    if reply.close_papers:
        print(f"\n{CLOSE_MATCHES}:\n")
        print(render_papers_list_text(reply.close_papers, start=len(reply.papers) + 1))
    return 0


async def _show(app: App, args: argparse.Namespace) -> int:
    try:
        arxiv_id = parse_arxiv_id(args.paper)
    except ValueError as exc:
        raise UserInputError(str(exc)) from None
    return await _show_paper(app, arxiv_id)


async def _show_paper(app: App, arxiv_id: str) -> int:
    paper = await app.service.show(arxiv_id)
    if paper is None:
        print(no_paper_text(arxiv_id, app.service.lookup.name), file=sys.stderr)
        return 1
    print(render_paper_text(paper))
    return 0


async def _fetch(app: App, args: argparse.Namespace) -> int:
    service = app.service
    until = args.until or service.covered_day()
    backfill.check_range(args.since, until, service.clock.now().date())
    fetched = await app.store.latest_fetches(args.since, until)
    plan = backfill.plan_backfill(
        args.since, until, fetched, service.day_cutoff_utc, refetch=args.refetch
    )
    # Log lines go through tqdm, so on a terminal they print above the bar, not across it
    # (with no terminal there is no bar, and tqdm just writes them to stderr).
    bar = tqdm(plan.to_fetch, unit="day", disable=None, file=sys.stderr)
    with bar as progress, logging_redirect_tqdm():
        report = await backfill.run_backfill(
            service.store_day,
            progress,
            on_day=lambda day, done: progress.set_postfix_str(f"{day} {done.papers} papers"),
        )
    report.skipped = len(plan.skipped)
    print(backfill.summary_line(report))
    stopped = backfill.unreachable_lines(report, plan.to_fetch)
    for line in backfill.failure_lines(report) + stopped:
        print(line, file=sys.stderr)
    return 1 if report.failed or report.unreachable or report.stopped else 0


async def _serve(app: App, args: argparse.Namespace) -> int:
    from bot.app.runtime import Runtime  # imports the scheduler; only `run` needs it
    from bot.recommend.runner import StoreRanker

    console = (sys.stdout, sys.stdin) if args.console else (None, None)
    platforms = make_platforms(app, console_out=console[0], console_in=console[1])
    if not platforms:
        raise ConfigError(
            "no platform to run: enable [slack] or [discord] in the config, or add --console"
        )
    # The offline sample is a frozen snapshot: its clock never reaches a post time.
    deliver = app.config.source != "sample"
    await Runtime(app, platforms, deliver=deliver, ranker=StoreRanker(app.store)).run()
    return 0


async def _post_now(app: App, args: argparse.Namespace) -> int:
    from bot.delivery.runner import DeliveryRunner
    from bot.delivery.state import describe
    from bot.records.delivery import DeliveryState

    try:
        channel = ChannelRef.parse(args.channel)
    except ValueError:
        raise UserInputError(f"{args.channel!r} is not a channel like slack:T123:C456") from None
    out = sys.stdout if channel.platform == "console" else None
    platforms = make_platforms(app, console_out=out)
    if channel.platform not in platforms:
        raise ConfigError(f"platform {channel.platform!r} is not enabled in the config")
    service = app.service
    runner = DeliveryRunner(app.store, service, platforms, service.clock, app.config.delivery)
    try:
        delivery = await runner.post_now(channel)
    finally:
        for platform in platforms.values():
            await platform.stop()
    if delivery is None:
        print(f"{channel.key} is not subscribed.", file=sys.stderr)
        return 1
    if delivery.state in (DeliveryState.POSTED, DeliveryState.EMPTY):
        print(describe(delivery))
        return 0
    # failed, paused, missed or still in another worker's hands: not posted, say so
    print(f"paperbot: {channel.key} {describe(delivery)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
