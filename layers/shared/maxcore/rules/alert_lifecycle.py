"""How stored alerts follow the rules' verdicts (pure): which alerts open, which resolve themselves.

The rules (:mod:`maxcore.rules.alerts`) say which alerts hold for a lead now, each with its episode.
The lead keeps one pointer per alert type to its latest alert (:class:`AlertPointer`). Comparing the
two gives the only writes a generation makes:

- a draft whose type has no pointer opens an alert;
- a draft of the pointer's episode changes nothing: the open alert still holds, or a user resolved
  this very episode and it stays resolved;
- a draft of a new episode opens a new alert; an open alert of the old episode is resolved as
  replaced (a later unanswered message, a new hot reply);
- an open pointer without a draft resolves itself, with the reason the rules give;
- a dismissed pointer without a draft stays as it is, so the episode the user resolved can never
  reopen, even if its condition comes back (a lead lost, then requalified).

Running the comparison again after its writes gives nothing to do: generation is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from maxcore.models.alert import AlertDraft, AlertPointer, AlertType, PointerState


@dataclass(frozen=True)
class OpenAlert:
    """Open an alert from ``draft``; ``previous`` is the pointer it replaces, if any."""

    draft: AlertDraft
    previous: AlertPointer | None = None
    previous_reason: str | None = None
    """Why the previous alert, when it was open, resolves now."""


@dataclass(frozen=True)
class CloseAlert:
    """Resolve the open alert ``pointer`` of ``type``: its condition no longer holds."""

    type: AlertType
    pointer: AlertPointer
    reason: str


Change = OpenAlert | CloseAlert


def plan(
    drafts: list[AlertDraft],
    pointers: Mapping[AlertType, AlertPointer],
    why_resolved: Callable[[AlertType, AlertPointer], str],
) -> list[Change]:
    """The changes that bring a lead's stored alerts in line with the rules' drafts.

    Parameters
    ----------
    drafts
        The alerts that hold now (at most one per type).
    pointers
        The lead's pointers to its latest alert of each type.
    why_resolved
        Gives the reason an open alert of a type no longer holds (called only for those).

    Returns
    -------
    list[Change]
        In the order of the drafts, then the closures in the order of the pointers; empty when the
        stored alerts already say what the rules say.
    """
    changes: list[Change] = []
    drafted = {d.type for d in drafts}
    for draft in drafts:
        pointer = pointers.get(draft.type)
        if pointer is None:
            changes.append(OpenAlert(draft))
        elif pointer.episode != draft.episode:
            reason = why_resolved(draft.type, pointer) if pointer.state is PointerState.OPEN else None
            changes.append(OpenAlert(draft, pointer, reason))
    for alert_type, pointer in pointers.items():
        if alert_type not in drafted and pointer.state is PointerState.OPEN:
            changes.append(CloseAlert(alert_type, pointer, why_resolved(alert_type, pointer)))
    return changes
