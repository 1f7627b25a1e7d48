"""Scoped reads of confidential evaluations, and the aggregate results.

Results are aggregate only and suppressed (``hidden_reason``) while the window is open or while
fewer responses exist than ``Program.confidential_minimum_answers``. Comments are sorted
alphabetically (order reveals nothing) and the names and emails of the program's people are
replaced by "[name]".
"""

import datetime
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from curriculum.models import Membership, Program

from .models import SCALE_LEVELS, Answer, Collection, EvaluationForm, EvaluationQuestion, Invitation
from .permissions import can_build_forms, can_schedule
from .services import pending_filter

Role = Membership.Role
NAME = "[name]"


# --- Scoped lists ----------------------------------------------------------------------------


def form_list(*, user, program: Program) -> QuerySet:
    """The program's forms, for its director and coordinator."""
    if not can_schedule(user, program):
        return EvaluationForm.objects.none()
    return (
        EvaluationForm.objects.filter(program=program)
        .annotate(question_count=Count("questions", distinct=True))
        .annotate(collection_count=Count("collections", distinct=True))
        .order_by("-is_active", "name", "pk")
    )


def question_list(*, user, form: EvaluationForm) -> QuerySet:
    if not can_build_forms(user, form.program):
        return EvaluationQuestion.objects.none()
    return EvaluationQuestion.objects.filter(form=form).order_by("position")


def collection_list(*, user, program: Program) -> QuerySet:
    """Staff see every collection; a faculty member those about themselves; others none.
    Annotated with ``invited`` and ``completed``."""
    collections = Collection.objects.filter(program=program)
    if can_schedule(user, program) or can_build_forms(user, program):
        pass
    elif Membership.objects.filter(
        user=user, program=program, role=Role.FACULTY, is_active=True
    ).exists():
        collections = collections.filter(faculty__user=user)
    else:
        return Collection.objects.none()
    return (
        collections.select_related("form", "faculty__user", "rotation", "program")
        .annotate(
            invited=Count("invitations", distinct=True),
            completed=Count(
                "invitations", filter=Q(invitations__completed_at__isnull=False), distinct=True
            ),
        )
        .order_by("-closes_on", "form__name", "pk")
    )


def result_collections(*, user, program: Program) -> QuerySet:
    """Collections whose results ``user`` may read: the director all, a faculty member those
    about themselves, nobody else any (the coordinator sees completion only)."""
    collections = Collection.objects.filter(program=program).select_related(
        "form", "faculty__user", "rotation", "program"
    )
    if can_build_forms(user, program):
        return collections
    if Membership.objects.filter(
        user=user, program=program, role=Role.FACULTY, is_active=True
    ).exists():
        return collections.filter(faculty__user=user)
    return Collection.objects.none()


def my_invitations(*, user, program: Program) -> list[Invitation]:
    """The fellow's invitations that have opened: pending first (by due date), then completed."""
    today = program.today()
    invitations = (
        Invitation.objects.filter(
            fellow__user=user,
            fellow__program=program,
            fellow__role=Role.FELLOW,
            opens_on__lte=today,
        )
        .select_related("collection__form", "collection__faculty__user", "collection__rotation")
        .select_related("collection__program")
        .order_by("due_on", "pk")
    )
    rows = list(invitations)
    return sorted(rows, key=lambda inv: (inv.completed_at is not None, inv.due_on, inv.pk))


def my_invitation(*, user, program: Program) -> QuerySet:
    """The fellow's own invitations (to fetch one with get_object_or_404)."""
    return Invitation.objects.filter(
        fellow__user=user, fellow__program=program, fellow__role=Role.FELLOW
    ).select_related(
        "collection__form",
        "collection__program",
        "collection__faculty__user",
        "collection__rotation",
    )


def pending_count(*, user, program: Program) -> int:
    return Invitation.objects.filter(
        pending_filter(program.today()), fellow__user=user, fellow__program=program
    ).count()


# --- Aggregates --------------------------------------------------------------------------------


def _mean(total: int, count: int) -> str:
    if not count:
        return ""
    return str((Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _name_pattern(program: Program) -> re.Pattern | None:
    """Names (whole, and each part of three letters or more) and emails of the program's
    people, longest first, as one case-insensitive pattern."""
    words = set()
    people = Membership.objects.filter(program=program).values_list(
        "user__full_name", "user__email"
    )
    for full_name, email in people:
        if email:
            words.add(email)
            words.add(email.split("@")[0])
        if full_name:
            words.add(full_name)
            words.update(part for part in re.split(r"[\s\-.,']+", full_name) if len(part) >= 3)
    words.discard("")
    if not words:
        return None
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _screened(comment: str, pattern: re.Pattern | None) -> str:
    return pattern.sub(NAME, comment) if pattern else comment


def _hidden_reason(collection: Collection, responses: int, today: datetime.date) -> str | None:
    minimum = collection.program.confidential_minimum_answers
    if today <= collection.closes_on or responses < minimum:
        return (
            f"Shown once the window has closed and at least {minimum} answers exist; "
            f"{responses} so far."
        )
    return None


def _summaries(program: Program, collections: list[Collection]) -> list[dict]:
    """The aggregate of each collection (same order): a fixed number of queries."""
    if not collections:
        return []
    ids = [collection.pk for collection in collections]
    today = program.today()
    invited = defaultdict(int)
    completed = defaultdict(int)
    counts = (
        Invitation.objects.filter(collection_id__in=ids)
        .values("collection_id")
        .annotate(invited=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
    )
    for row in counts:
        invited[row["collection_id"]] = row["invited"]
        completed[row["collection_id"]] = row["completed"]
    responses = dict(
        Collection.objects.filter(pk__in=ids).annotate(n=Count("responses")).values_list("pk", "n")
    )
    hidden = {c.pk: _hidden_reason(c, responses.get(c.pk, 0), today) for c in collections}
    shown_ids = [pk for pk in ids if hidden[pk] is None]
    questions = defaultdict(list)
    for question in EvaluationQuestion.objects.filter(
        form_id__in={c.form_id for c in collections}
    ).order_by("form_id", "position"):
        questions[question.form_id].append(question)
    distribution = defaultdict(lambda: defaultdict(int))  # (collection, question) -> level
    comments = defaultdict(list)
    pattern = None
    if shown_ids:
        levels = (
            Answer.objects.filter(response__collection_id__in=shown_ids, level__isnull=False)
            .values("response__collection_id", "question_id", "level")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in levels:
            key = (row["response__collection_id"], row["question_id"])
            distribution[key][row["level"]] += row["n"]
        texts = (
            Answer.objects.filter(response__collection_id__in=shown_ids)
            .exclude(comment="")
            .values_list("response__collection_id", "comment")
            .order_by()
        )
        pattern = _name_pattern(program)
        for collection_id, comment in texts:
            comments[collection_id].append(_screened(comment, pattern))
    summaries = []
    for collection in collections:
        shown = hidden[collection.pk] is None
        rates = (
            round(100 * completed[collection.pk] / invited[collection.pk])
            if invited[collection.pk]
            else None
        )
        summary = {
            "collection": collection,
            "title": collection.form.name,
            "subject_kind": collection.subject,
            "subject": collection.subject_name,
            "opens_on": collection.opens_on,
            "closes_on": collection.closes_on,
            "invited": invited[collection.pk],
            "completed": completed[collection.pk],
            "responses": responses.get(collection.pk, 0),
            "completion_rate": rates,
            "shown": shown,
            "hidden_reason": hidden[collection.pk],
            "questions": [],
            "comments": [],
        }
        if shown:
            for question in questions[collection.form_id]:
                if not question.is_scale:
                    continue
                levels = distribution[(collection.pk, question.pk)]
                count = sum(levels.values())
                total = sum(level * n for level, n in levels.items())
                summary["questions"].append(
                    {
                        "text": question.text,
                        "count": count,
                        "mean": _mean(total, count),
                        "distribution": {level: levels.get(level, 0) for level in SCALE_LEVELS},
                        "labels": list(question.labels),
                    }
                )
            summary["comments"] = sorted(comments[collection.pk], key=str.casefold)
        summaries.append(summary)
    return summaries


def collection_summary(*, collection: Collection) -> dict:
    """The aggregate of one collection already read through a scoped selector."""
    return _summaries(collection.program, [collection])[0]


def confidential_summary(
    *, program: Program, start: datetime.date, end: datetime.date
) -> list[dict]:
    """For the annual program evaluation: every collection of ``program`` whose window closes
    within [start, end], in aggregate with the same suppression. Fixed number of queries.

    Each item: title, subject_kind, subject, invited, completed, completion_rate (0-100 or
    None), shown, hidden_reason, questions ([{text, count, mean, distribution}]), comments."""
    collections = list(
        Collection.objects.filter(program=program, closes_on__gte=start, closes_on__lte=end)
        .select_related("form", "faculty__user", "rotation", "program")
        .order_by("closes_on", "form__name", "pk")
    )
    keys = (
        "title",
        "subject_kind",
        "subject",
        "invited",
        "completed",
        "completion_rate",
        "shown",
        "hidden_reason",
        "questions",
        "comments",
    )
    return [{key: summary[key] for key in keys} for summary in _summaries(program, collections)]
