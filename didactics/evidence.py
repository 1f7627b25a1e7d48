"""Didactics' sections of the CCC packet: learning objectives per rotation and conference
attendance against the program's requirement, as plain JSON. Declared on ``DidacticsConfig``
(``ccc_evidence``) and registered by ``assessments``: didactics sits below it and imports nothing
from it."""

from .selectors import attendance_summary, objective_progress


def objectives_evidence(*, user, fellow, period) -> list[dict]:
    """Per rotation of the fellow: objectives, how many they marked met, how many faculty
    confirmed. All of them so far (not only the period's): objectives accumulate."""
    return [
        {
            "rotation": row.rotation.name,
            "total": row.total,
            "met": row.met,
            "confirmed": row.confirmed,
        }
        for row in objective_progress(fellow=fellow)
    ]


def attendance_evidence(*, user, fellow, period) -> list[dict]:
    """Conference attendance per series against the program's required percentage."""
    return [
        {
            "series": row.series.name,
            "present": row.present,
            "counted": row.counted,
            "percent": row.percent,
            "required_percent": row.required_percent,
            "shortfall": row.shortfall,
        }
        for row in attendance_summary(fellow=fellow)
    ]
