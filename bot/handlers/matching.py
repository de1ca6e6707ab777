"""Bolt's listener matching, without building every listener argument for every listener tried.

Bolt tries the app's listeners in order, for each request, until one matches. Each listener's
constraints (``app.action("id")``, ``app.view(...)``, ``app.command(...)``, ``app.event(...)``)
are a function of the request body; Bolt's ``BuiltinListenerMatcher`` calls it through
``build_required_kwargs``, which builds every argument a listener may ask for (about thirty:
the client, ``say``, ``respond``, the payload's parts...) to hand it that one. The app has
about 80 listeners, so a click on the ballot (the 18th) paid that 17 times before its own, and
a later one up to 80 times. ``use_body_matchers`` gives those matchers the body directly: the
same function, the same answer. Global middleware functions are called the same way
(``NamedArgsMiddleware``: with the few arguments they name), where Bolt's ``CustomMiddleware``
builds all of them for every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.listener_matcher import ListenerMatcher
from slack_bolt.listener_matcher.builtins import BuiltinListenerMatcher
from slack_bolt.middleware import Middleware
from slack_bolt.util.utils import get_arg_names_of_callable

#: What a global middleware function of the app may ask for.
MIDDLEWARE_ARGS = frozenset({"body", "context", "next", "req", "request", "resp", "response"})


class BodyMatcher(ListenerMatcher):
    """A builtin matcher whose function takes the body alone, called with it."""

    def __init__(self, builtin: BuiltinListenerMatcher) -> None:
        self.func = builtin.func

    def matches(self, req: BoltRequest, resp: BoltResponse) -> bool:
        return bool(self.func(body=req.body))


def use_body_matchers(app: App) -> int:
    """Swap the matchers of ``app``'s registered listeners that take the body alone; returns
    how many were swapped."""
    swapped = 0
    listeners: list[Any] = app._listeners  # Bolt keeps them in registration order
    for listener in listeners:
        matchers = []
        for matcher in listener.matchers:
            if isinstance(matcher, BuiltinListenerMatcher) and list(matcher.arg_names) == ["body"]:
                matcher = BodyMatcher(matcher)
                swapped += 1
            matchers.append(matcher)
        listener.matchers = matchers
    return swapped


class NamedArgsMiddleware(Middleware):
    """A global middleware function, called with the arguments it names (``MIDDLEWARE_ARGS``),
    as Bolt's ``CustomMiddleware`` calls it."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.arg_names = tuple(get_arg_names_of_callable(func))
        unknown = set(self.arg_names) - MIDDLEWARE_ARGS
        if unknown:
            raise TypeError(f"middleware {func.__name__} asks for {sorted(unknown)}")

    @property
    def name(self) -> str:
        return f"NamedArgsMiddleware({self.func.__name__})"

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        given = {
            "body": req.body,
            "context": req.context,
            "next": next,
            "req": req,
            "request": req,
            "resp": resp,
            "response": resp,
        }
        result: BoltResponse | None = self.func(**{name: given[name] for name in self.arg_names})
        return result
