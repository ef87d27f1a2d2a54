"""The built-in projections: caseload per mentor and referral queue per unit.

They fold the case events of :mod:`mentorkit.cases` (``case/<id>``
streams) by their ``kind`` and payload, inside the append's transaction, so
the queue and the caseloads are always exactly as current as the log.
"""

from typing import Any

from .._eventlog import EventRecord
from ._contract import ProjectionView

__all__ = ["CASELOAD", "REFERRAL_QUEUE", "caseload_projector", "referral_queue_projector"]

#: Name of the caseload projection: ``mentor/<mentor_id>/<stream>`` -> the assignment.
CASELOAD = "caseload"
#: Name of the referral-queue projection: ``unit/<unit>/<stream>/<referral_id>`` -> the referral.
REFERRAL_QUEUE = "referral_queue"

_DONE_REFERRAL = frozenset({"referral.declined", "referral.completed"})


def _text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def caseload_projector(event: EventRecord, view: ProjectionView) -> None:
    """Keep ``mentor/<mentor_id>/<stream>`` for every open case a mentor holds.

    ``mentor.assigned`` and ``mentor.reassigned`` move the case to the new
    mentor; ``case.closed`` removes it. ``case/<stream>`` remembers the
    current mentor of each case.
    """
    data = dict(event.data)
    stream = event.stream
    if event.kind in ("mentor.assigned", "mentor.reassigned"):
        mentor = _text(data, "mentor_id")
        if mentor is None:
            return
        previous = view.get(f"case/{stream}")
        if isinstance(previous, str):
            view.delete(f"mentor/{previous}/{stream}")
        since = data.get("assigned_on", data.get("reassigned_on"))
        view.put(f"mentor/{mentor}/{stream}", {"stream": stream, "since": since})
        view.put(f"case/{stream}", mentor)
    elif event.kind == "case.closed":
        current = view.get(f"case/{stream}")
        if isinstance(current, str):
            view.delete(f"mentor/{current}/{stream}")
        view.delete(f"case/{stream}")


def referral_queue_projector(event: EventRecord, view: ProjectionView) -> None:
    """Keep ``unit/<unit>/<stream>/<referral_id>`` for every referral a unit has to act on.

    ``referral.proposed`` queues it as proposed, ``referral.sent`` and
    ``referral.accepted`` update its status and due date,
    ``referral.declined`` / ``referral.completed`` and ``case.closed``
    remove it. ``ref/<stream>/<referral_id>`` remembers each referral's unit.
    """
    data = dict(event.data)
    stream = event.stream
    referral_id = _text(data, "referral_id")
    if event.kind == "referral.proposed" and referral_id is not None:
        referral = data.get("referral")
        unit = _text(referral, "unit")
        if unit is None:
            return
        view.put(f"ref/{stream}/{referral_id}", unit)
        view.put(
            f"unit/{unit}/{stream}/{referral_id}",
            {
                "stream": stream,
                "referral_id": referral_id,
                "business_id": _text(referral, "business_id"),
                "rule_id": _text(referral, "rule_id"),
                "status": "proposed",
                "since": _text(referral, "proposed_on"),
                "due": None,
            },
        )
    elif event.kind in ("referral.sent", "referral.accepted") and referral_id is not None:
        unit = view.get(f"ref/{stream}/{referral_id}")
        key = f"unit/{unit}/{stream}/{referral_id}"
        entry = view.get(key)
        if isinstance(entry, dict):
            status = "sent" if event.kind == "referral.sent" else "accepted"
            since = data.get("sent_on", data.get("accepted_on"))
            view.put(key, {**entry, "status": status, "since": since, "due": data.get("due")})
    elif event.kind in _DONE_REFERRAL and referral_id is not None:
        unit = view.get(f"ref/{stream}/{referral_id}")
        view.delete(f"unit/{unit}/{stream}/{referral_id}")
        view.delete(f"ref/{stream}/{referral_id}")
    elif event.kind == "case.closed":
        for key in view.keys(f"ref/{stream}/"):
            unit = view.get(key)
            view.delete(f"unit/{unit}/{stream}/{key.rsplit('/', 1)[1]}")
            view.delete(key)
