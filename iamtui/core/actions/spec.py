"""What one action declares in one place (``ActionSpec``), and the plan it drafts (``Draft``).

Each module of ``actions.catalog`` defines one ``SPEC``; ``actions.registry`` lists them. The
planner, the permission policies and the UI's keys, menus and help all read these fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iamtui.core.ids import ActionId
from iamtui.core.plan import JSON, Calls, Step, Target

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


@dataclass
class Draft:
    """A plan under construction (account, caller and times are filled in by the planner)."""

    action: ActionId
    summary: str
    targets: list[Target]
    steps: list[Step] = field(default_factory=list)
    before: dict[str, JSON] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    options: dict[str, JSON] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One action: its id, what it sends, who may run it, how it is shown and how it is planned."""

    id: ActionId
    #: Plan reads, checks, calls and undo calls: the remediate policy is derived from these.
    calls: Calls
    #: The remediate policy's statement (feature group) this action belongs to.
    group: str
    #: Menu verb ("Deactivate", "Disable console of").
    verb: str
    #: One line under the title in the menu: what it sends, how far it is undoable.
    help: str
    #: The subject type its requests carry (``subjects.KeySubject`` ...).
    subject: type
    #: Builds the plan from fresh reads; raises ActionRefused with one line when it must not run.
    build: Callable[[Planner, Request], Draft]
    #: The UI binding id that triggers it (remappable in the keymap); "" when planned elsewhere.
    binding: str = ""
