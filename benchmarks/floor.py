"""``cohort_dashboard_floor``: hand-written SQL computing the numbers the cohort dashboard shows.

Six statements on one cursor, each fetched to the last row, with no model objects and no
template: the cohort's fellows; the current milestone set's subcompetencies; each fellow's latest
level per subcompetency (the latest finalised CCC level, else the latest counted faculty rating,
as ``dashboard.selectors.milestone_heatmap``); verified and pending counts per fellow and
procedure target (``procedure_progress``: returned entries left out, a target matches by type or
by category, and by role when it names one); the first overdue open evaluations with their total;
the first upcoming deadlines (30 days) with their total. The cohort is passed in (the page picks
its default cohort from the enrolments it has already loaded, in Python).
"""

import datetime

from accounts.models import User
from assessments.models import (
    Assessment,
    AssessmentTemplate,
    CCCReview,
    ConsensusLevel,
    Rating,
    ReviewPeriod,
)
from assessments.selectors.unscoped import FACULTY_RATING_KINDS
from curriculum.models import Competency, Membership, MilestoneSet, Subcompetency
from dashboard.selectors import PANEL_ROWS, UPCOMING_DAYS
from procedures.models import ProcedureLogEntry, ProcedureTarget, ProcedureType
from trainees.models import Deadline, Enrolment


def _t(model) -> str:
    return model._meta.db_table


FELLOWS = f"""
SELECT e.membership_id, e.status, u.full_name, u.email
FROM {_t(Enrolment)} e
JOIN {_t(Membership)} m ON m.id = e.membership_id
JOIN {_t(User)} u ON u.id = m.user_id
WHERE e.cohort_id = %s AND e.status <> 'withdrawn'
ORDER BY u.full_name, u.email, e.id
"""  # noqa: S608 (table names come from the models; values are parameters)

SUBCOMPETENCIES = f"""
SELECT s.id, s.code
FROM {_t(Subcompetency)} s
JOIN {_t(Competency)} c ON c.id = s.competency_id
WHERE s.milestone_set_id = (
    SELECT ms.id FROM {_t(MilestoneSet)} ms
    WHERE ms.program_id = %s
      AND EXISTS (SELECT 1 FROM {_t(Subcompetency)} x WHERE x.milestone_set_id = ms.id)
    ORDER BY ms.effective_date DESC, ms.id DESC LIMIT 1)
ORDER BY c."order", s."order", s.code
"""  # noqa: S608 (table names come from the models; values are parameters)

LEVELS = f"""
WITH ccc AS (
    SELECT DISTINCT ON (r.fellow_id, cl.subcompetency_id)
           r.fellow_id, cl.subcompetency_id, cl.level
    FROM {_t(ConsensusLevel)} cl
    JOIN {_t(CCCReview)} r ON r.id = cl.review_id
    JOIN {_t(ReviewPeriod)} p ON p.id = r.period_id
    WHERE r.fellow_id = ANY(%(fellows)s) AND r.status = 'finalised'
      AND cl.subcompetency_id = ANY(%(subcompetencies)s)
    ORDER BY r.fellow_id, cl.subcompetency_id, p.ends_on DESC
), rated AS (
    SELECT DISTINCT ON (a.fellow_id, rt.subcompetency_id)
           a.fellow_id, rt.subcompetency_id, rt.level
    FROM {_t(Rating)} rt
    JOIN {_t(Assessment)} a ON a.id = rt.assessment_id
    JOIN {_t(AssessmentTemplate)} t ON t.id = a.template_id
    JOIN {_t(Membership)} am ON am.id = a.assessor_id
    JOIN {_t(Membership)} fm ON fm.id = a.fellow_id
    WHERE a.fellow_id = ANY(%(fellows)s) AND a.status = ANY(%(locked)s)
      AND NOT rt.not_assessable AND t.kind = ANY(%(kinds)s) AND am.user_id <> fm.user_id
      AND rt.subcompetency_id = ANY(%(subcompetencies)s)
      AND a.id NOT IN (SELECT x.amends_id FROM {_t(Assessment)} x
                       WHERE x.amends_id IS NOT NULL AND x.status = ANY(%(locked)s))
    ORDER BY a.fellow_id, rt.subcompetency_id, a.observed_on DESC, a.signed_at DESC, a.id DESC
)
SELECT fellow_id, subcompetency_id,
       CASE WHEN ccc.fellow_id IS NOT NULL THEN ccc.level ELSE rated.level END,
       ccc.fellow_id IS NOT NULL
FROM ccc FULL JOIN rated USING (fellow_id, subcompetency_id)
"""  # noqa: S608 (table names come from the models; values are parameters)

TARGETS = f"""
WITH counts AS (
    SELECT e.fellow_id, e.procedure_type_id, pt.category_id, e.role, e.status, count(*) AS n
    FROM {_t(ProcedureLogEntry)} e
    JOIN {_t(ProcedureType)} pt ON pt.id = e.procedure_type_id
    WHERE e.program_id = %(program)s AND e.fellow_id = ANY(%(fellows)s) AND e.status <> 'returned'
    GROUP BY 1, 2, 3, 4, 5
)
SELECT t.id, t.minimum, c.fellow_id,
       coalesce(sum(c.n) FILTER (WHERE c.status = 'verified'), 0),
       coalesce(sum(c.n) FILTER (WHERE c.status = 'pending'), 0)
FROM {_t(ProcedureTarget)} t
LEFT JOIN counts c
  ON (CASE WHEN t.procedure_type_id IS NOT NULL THEN c.procedure_type_id = t.procedure_type_id
           ELSE c.category_id = t.category_id END)
 AND (t.role = '' OR c.role = t.role)
WHERE t.program_id = %(program)s
GROUP BY t.id, t.minimum, c.fellow_id
"""  # noqa: S608 (table names come from the models; values are parameters)

OVERDUE = f"""
SELECT a.id, a.due_date, a.status, fu.full_name, au.full_name, t.name, count(*) OVER ()
FROM {_t(Assessment)} a
JOIN {_t(Membership)} fm ON fm.id = a.fellow_id
JOIN {_t(User)} fu ON fu.id = fm.user_id
JOIN {_t(Membership)} am ON am.id = a.assessor_id
JOIN {_t(User)} au ON au.id = am.user_id
JOIN {_t(AssessmentTemplate)} t ON t.id = a.template_id
WHERE a.program_id = %(program)s AND a.status = ANY(%(open)s) AND a.due_date < %(today)s
  AND a.fellow_id = ANY(%(fellows)s)
ORDER BY a.due_date, a.id
LIMIT %(rows)s
"""  # noqa: S608 (table names come from the models; values are parameters)

DEADLINES = f"""
SELECT d.id, d.due_date, d.kind, d.title, u.full_name, count(*) OVER ()
FROM {_t(Deadline)} d
LEFT JOIN {_t(Enrolment)} e ON e.id = d.enrolment_id
LEFT JOIN {_t(Membership)} m ON m.id = e.membership_id
LEFT JOIN {_t(User)} u ON u.id = m.user_id
WHERE d.program_id = %(program)s AND d.due_date BETWEEN %(today)s AND %(until)s
ORDER BY d.due_date, d.kind, d.title, d.id
LIMIT %(rows)s
"""  # noqa: S608 (table names come from the models; values are parameters)


def dashboard_floor(*, program_id: int, cohort_id: int, today: datetime.date) -> dict:
    """Run the six statements; return the figures (for a sanity check against the page)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FELLOWS, [cohort_id])
        fellows = cursor.fetchall()
        ids = [row[0] for row in fellows]
        cursor.execute(SUBCOMPETENCIES, [program_id])
        subcompetencies = cursor.fetchall()
        params = {
            "program": program_id,
            "fellows": ids,
            "today": today,
            "until": today + datetime.timedelta(days=UPCOMING_DAYS),
            "rows": PANEL_ROWS,
            "locked": [str(s) for s in Assessment.LOCKED_STATUSES],
            "open": [str(s) for s in Assessment.OPEN_STATUSES],
            "kinds": [str(k) for k in FACULTY_RATING_KINDS],
            "subcompetencies": [row[0] for row in subcompetencies],
        }
        levels = []
        if ids and subcompetencies:
            cursor.execute(LEVELS, params)
            levels = cursor.fetchall()
        cursor.execute(TARGETS, params)
        targets = cursor.fetchall()
        cursor.execute(OVERDUE, params)
        overdue = cursor.fetchall()
        cursor.execute(DEADLINES, params)
        deadlines = cursor.fetchall()
    return {
        "fellows": len(fellows),
        "subcompetencies": len(subcompetencies),
        "levels": len(levels),
        "target_rows": len(targets),
        "overdue_total": overdue[0][-1] if overdue else 0,
        "deadline_total": deadlines[0][-1] if deadlines else 0,
    }
