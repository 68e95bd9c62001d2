"""One error tree for paperbot. Library exceptions are translated at each boundary.

    PaperbotError
    ├── ConfigError              the config file or environment is wrong; named key in message
    ├── UserInputError           a chat user's mistake; the message is safe to show them
    ├── SourceError              a paper source failed
    │   ├── SourceUnavailable    network error, timeout, 5xx or 429 after retries
    │   │   └── SourceUnreachable    the host cannot be reached (refused, DNS, TLS, timed out
    │   │                            twice in a row): not retried; the source's breaker is open
    │   ├── MalformedResponse    the body was not what the API documents
    │   └── UpstreamRejected     the API answered with an error of its own ("arXiv says: ...")
    ├── StoreError               the database failed or was inconsistent
    │   ├── StoreBusy            another writer held the lock past the timeout: the write
    │   │                        was rolled back; the same write may succeed in a minute
    │   ├── StoreFull            no room (a full disk, a size limit): the write was rolled
    │   │                        back; it fails again until someone frees space
    │   └── StoreCorrupt         the database file is damaged: recover it or restore a backup
    └── PlatformError            a chat platform failed to take a message
        ├── TransientPlatformError   try again later (5xx, timeout, rate limit exhausted)
        ├── PermanentPlatformError   stop posting to this channel; `reason` says why
        ├── MessageRejected          the platform refused this message's body (HTTP 400):
        │                            sending it again fails again; the channel is fine
        └── MessageGone              a posted message (or its channel) is no longer there:
                                     a person deleted it, or the bot left; settling it ends

Only our own short messages reach chat: `UserInputError` and `UpstreamRejected` as they are,
a `SourceError` as "the source is not answering" with its one-line cause (they name the
source and the HTTP status, never a URL, body or secret), `StoreBusy` and `StoreFull` as
"the bot's database is busy / full; nothing was changed". Anything else gets a generic reply
there and its traceback in the log.
"""

from __future__ import annotations

from datetime import UTC, datetime


class PaperbotError(Exception):
    """Base of every error paperbot raises on purpose."""


class ConfigError(PaperbotError):
    """One or more problems with the config; `problems` lists them all, each on one line
    naming its table and key, so a user fixes everything in one go."""

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)
        self.problems = problems

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        return f"{len(self.problems)} problems: " + "; ".join(self.problems)


class UserInputError(PaperbotError):
    """A chat user's mistake. `str(exc)` is short and safe to send back to them."""


class SourceError(PaperbotError):
    pass


class SourceUnavailable(SourceError):
    pass


class SourceUnreachable(SourceUnavailable):
    """The source's host cannot be reached: the connection was refused, the name does not
    resolve, the TLS handshake failed, or it timed out twice in a row. Retrying would only
    make the user wait for the same answer, so the source's circuit breaker
    (bot/sources/breaker.py) fails its next requests at once for a while.

    `source` and `host` name it, `cause` says why in a few words, `since` is when it
    stopped answering (aware), and `still_down` is True when no request was even tried
    (the breaker was open)."""

    def __init__(
        self,
        source: str,
        host: str,
        cause: str,
        *,
        since: datetime,
        still_down: bool = False,
    ) -> None:
        self.source = source
        self.host = host
        self.cause = cause
        self.since = since
        self.still_down = still_down
        text = f"{source} ({host}): {cause}"
        if still_down:
            text += f"; no answer since {since.astimezone(UTC):%H:%M} UTC"
        super().__init__(text)


class MalformedResponse(SourceError):
    pass


class UpstreamRejected(SourceError):
    """The upstream API refused the request with its own message (safe to show)."""


class StoreError(PaperbotError):
    pass


class StoreBusy(StoreError):
    """Another connection or process held the database's lock longer than the busy (or
    lock) timeout. The failed transaction was rolled back, so nothing of it was written."""


class StoreFull(StoreError):
    """The database could not grow: its disk is full, or a size limit was reached. The
    failed transaction was rolled back; what was committed before it is kept."""


class StoreCorrupt(StoreError):
    """The database file is damaged (malformed pages, or not a database at all). Its
    message names the file and how to recover it."""


class PlatformError(PaperbotError):
    pass


class TransientPlatformError(PlatformError):
    pass


class MessageRejected(PlatformError):
    """The platform refused the message itself (an invalid or oversized body), not the
    channel: the same digest would be refused on every retry, so it fails for good, and the
    channel keeps getting the next ones."""


class PermanentPlatformError(PlatformError):
    """The platform will never accept posts to this channel as it is now."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MessageGone(PlatformError):
    """A message the bot posted can no longer be edited or replied to: a person deleted it
    (Slack `message_not_found`, Discord 10008), or the channel is gone or closed to the bot.
    Not a failure: settling that post ends, and the channel is not paused."""
