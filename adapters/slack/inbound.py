"""What a request from Slack must be before bolt or a listener sees it: well formed, and not
one already handled.

**Shape.** bolt reads a payload's fields without checking their types (its
`payload_utils.to_action` takes `body["actions"][0]`, its context builder `"id" in team`),
so a signed click whose `actions` is a dict, or whose payload is not JSON, raised inside
bolt: a 500 and a traceback. `problem()` names what is wrong with a parsed body in one
short phrase (never a value: the body holds a `response_url`), from the fields bolt and our
listeners read; a body it accepts cannot make either raise. A slash command is a form,
whose values are all strings, so only interactive payloads need the check.

**Replays.** Slack signs a request but puts no nonce in it: a signed request replayed
within the signature window is as valid as the first. What makes a request unique is
Slack's own: a slash command's `trigger_id`; a click's `action_ts`, for that user, message
and button. The keys below are fed to the core's replay guard (bot/chat/replays.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

# Fields bolt or our listeners read as an object (or an id string), a string, or a list.
_OBJECTS = frozenset(
    {
        "team",
        "user",
        "channel",
        "enterprise",
        "container",
        "message",
        "previous_message",
        "view",
        "function_data",
        "tokens",
        "function",
        "context",
    }
)
# ...and these bolt reads as `body.get(key, {}).get(...)`: a null there raises too.
_NEVER_NULL = frozenset({"view", "tokens", "function", "context"})
_ID_OR_OBJECT = frozenset({"team", "user", "channel", "enterprise"})
_STRINGS = frozenset(
    {
        "type",
        "token",
        "team_id",
        "user_id",
        "channel_id",
        "enterprise_id",
        "api_app_id",
        "trigger_id",
        "response_url",
        "thread_ts",
        "function_execution_id",
        "bot_access_token",
    }
)
# Events API fields, which bolt reads as payloads of their own: never sent to this app.
_EVENTS_ONLY = frozenset({"event", "authorizations", "item", "assistant_thread"})
# Inside those objects: the ids bolt and our listeners read.
_NESTED_STRINGS = {
    "team": ("id", "enterprise_id", "domain"),
    "user": ("id", "team_id", "user"),
    "channel": ("id",),
    "enterprise": ("id",),
    "container": ("message_ts", "channel_id"),
    "message": ("ts", "text", "user", "thread_ts"),
    "view": ("app_installed_team_id", "team_id", "callback_id", "type"),
}
_ACTION_STRINGS = ("action_id", "block_id", "action_ts", "type")


def parsed(raw: str, content_type: str | None) -> dict[str, Any] | None:
    """The body as Slack sent it (bolt's own reading, but a form's `payload` only when it
    is a field), or None when it cannot be read (a payload that is not a JSON object, JSON
    nested too deep)."""
    try:
        if content_type == "application/json" or raw.startswith("{"):
            body = json.loads(raw)
        else:
            form = dict(parse_qsl(raw, keep_blank_values=True))
            body = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, RecursionError):  # json.JSONDecodeError is a ValueError
        return None
    return body if isinstance(body, dict) else None


def problem(body: Mapping[str, Any]) -> str | None:
    """Why bolt must not see `body` (a short phrase naming a field), or None when it may."""
    for key in _EVENTS_ONLY & body.keys():
        return f"{key} is an Events API field"  # bolt reads into them; we have no events
    for key in _STRINGS & body.keys():
        if body[key] is not None and not isinstance(body[key], str):
            return f"{key} is not a string"
    for key in _OBJECTS & body.keys():
        value = body[key]
        if value is None and key in _NEVER_NULL:
            return f"{key} is null"
        if value is None or (key in _ID_OR_OBJECT and isinstance(value, str)):
            continue
        if not isinstance(value, dict):
            return f"{key} is not an object"
        for field in _NESTED_STRINGS.get(key, ()):
            if value.get(field) is not None and not isinstance(value[field], str):
                return f"{key}.{field} is not a string"
    if "actions" in body or body.get("type") == "block_actions":
        return _actions_problem(body.get("actions"))
    return None


def _actions_problem(actions: object) -> str | None:
    if not isinstance(actions, list) or not actions or not _list_of_objects(actions):
        return "actions is not a list of objects"
    for action in actions:
        if not isinstance(action.get("action_id"), str):
            return "actions[].action_id is not a string"
        for field in _ACTION_STRINGS:
            if action.get(field) is not None and not isinstance(action[field], str):
                return f"actions[].{field} is not a string"
    return None


def _list_of_objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


# ------------------------------------------------------------------ replay keys


def command_key(command: Mapping[str, Any]) -> str | None:
    """A slash command's identity: Slack's `trigger_id`, in its workspace (None: none sent)."""
    trigger = command.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        return None
    return _key("slack-command", command.get("team_id"), trigger)


def click_key(body: Mapping[str, Any], action: Mapping[str, Any]) -> str | None:
    """A click's identity: its `action_ts`, by this user, on this message's button (None:
    Slack sent no `action_ts`)."""
    action_ts = action.get("action_ts")
    if not isinstance(action_ts, str) or not action_ts:
        return None
    container = body.get("container")
    message = body.get("message")
    message_ts = (container or {}).get("message_ts") if isinstance(container, dict) else None
    if message_ts is None and isinstance(message, dict):
        message_ts = message.get("ts")
    return _key(
        "slack-click",
        _id_of(body.get("team")),
        _id_of(body.get("channel")),
        message_ts,
        _id_of(body.get("user")),
        action.get("action_id"),
        action_ts,
    )


def _id_of(part: object) -> object:
    return part.get("id") if isinstance(part, dict) else part


def _key(kind: str, *parts: object) -> str:
    # JSON keeps the parts apart whatever they hold (no separator a value could contain)
    return json.dumps([kind, *(p if isinstance(p, str) else None for p in parts)])
