"""The demo program's confidential evaluations: a program form, a faculty form and a rotation
form; last academic year's (2025-2026) collections closed with answers from every demo fellow
(invented for the demo), so results show; and this year's program evaluation open, so each demo
fellow's to-do list has one pending, plus the rotation evaluation of this year's blocks."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from curriculum.models import Membership, Rotation
from surveys.models import (
    Answer,
    Collection,
    EvaluationForm,
    EvaluationQuestion,
    Invitation,
    Response,
    Subject,
)
from surveys.services import collection_schedule

Role = Membership.Role
LAST_YEAR = (datetime.date(2025, 7, 1), datetime.date(2026, 6, 30))
LAST_WINDOW = (datetime.date(2026, 4, 1), datetime.date(2026, 5, 31))
THIS_YEAR = (datetime.date(2026, 7, 1), datetime.date(2027, 6, 30))
ROTATION_NAME = "Acute pain service"


@dataclass(frozen=True)
class DemoForm:
    name: str
    subject: str
    questions: tuple[tuple[str, str], ...]  # (text, kind)


FORMS = (
    DemoForm(
        "Annual program evaluation",
        Subject.PROGRAM,
        (
            ("The program prepares me for independent practice", "scale"),
            ("Clinical workload is appropriate for learning", "scale"),
            ("The didactic curriculum is useful", "scale"),
            ("I would recommend this program", "scale"),
            ("What should the program change?", "comment"),
        ),
    ),
    DemoForm(
        "Faculty teaching evaluation",
        Subject.FACULTY,
        (
            ("Gives useful feedback", "scale"),
            ("Supervises at the right level", "scale"),
            ("Teaches during procedures", "scale"),
            ("Comments for this faculty member", "comment"),
        ),
    ),
    DemoForm(
        "End-of-rotation evaluation",
        Subject.ROTATION,
        (
            ("The rotation's goals were clear", "scale"),
            ("I saw enough cases", "scale"),
            ("Comments on the rotation", "comment"),
        ),
    ),
)
COMMENTS = (
    "More protected time for research would help.",
    "Great hands-on teaching in the procedure suite.",
    "Feedback came quickly and was specific.",
    "Clinic templates are too full on Mondays.",
    "The journal club could meet less often.",
    "",
)


def _form(program, spec: DemoForm) -> EvaluationForm:
    form, created = EvaluationForm.objects.get_or_create(
        program=program, name=spec.name, defaults={"subject": spec.subject}
    )
    if created:
        for position, (text, kind) in enumerate(spec.questions, start=1):
            EvaluationQuestion.objects.create(
                form=form, position=position, text=text, kind=kind, required=kind == "scale"
            )
    return form


def _closed_collection(program, form, fellows, rng, *, faculty=None, rotation=None, window):
    """A closed collection of last year with every fellow invited and answering (demo only)."""
    subject = form.subject
    collection, created = Collection.objects.get_or_create(
        program=program,
        form=form,
        faculty=faculty,
        rotation=rotation,
        opens_on=window[0],
        closes_on=window[1],
        defaults={"subject": subject},
    )
    if not created:
        return
    questions = list(form.questions.order_by("position"))
    for index, fellow in enumerate(fellows):
        Invitation.objects.create(
            collection=collection,
            fellow=fellow,
            opens_on=window[0],
            due_on=window[1],
            completed_at=datetime.datetime.combine(
                window[1] - datetime.timedelta(days=10 + index), datetime.time(15), datetime.UTC
            ),
        )
    for _ in fellows:
        response = Response.objects.create(collection=collection)
        answers = []
        for question in questions:
            if question.is_scale:
                answers.append(
                    Answer(response=response, question=question, level=rng.choice((3, 4, 4, 5, 5)))
                )
            else:
                comment = rng.choice(COMMENTS)
                if comment:
                    answers.append(Answer(response=response, question=question, comment=comment))
        Answer.objects.bulk_create(answers)


def demo_surveys_seed(*, program) -> None:
    """Idempotent: runs on every ``seed_demo``; adds what is missing."""
    forms = {spec.subject: _form(program, spec) for spec in FORMS}
    fellows = list(
        Membership.objects.filter(program=program, role=Role.FELLOW, is_active=True).order_by(
            "user__email"
        )
    )
    faculty = list(
        Membership.objects.filter(program=program, role=Role.FACULTY, is_active=True).order_by(
            "user__email"
        )
    )
    rotation = Rotation.objects.filter(program=program, name=ROTATION_NAME).first()
    if len(fellows) < 3:
        return
    rng = random.Random(2026)  # noqa: S311 (demo data: the same invented answers each seed)
    _closed_collection(program, forms[Subject.PROGRAM], fellows, rng, window=LAST_WINDOW)
    for person in faculty:
        _closed_collection(
            program, forms[Subject.FACULTY], fellows, rng, faculty=person, window=LAST_WINDOW
        )
    if rotation is not None:
        _closed_collection(
            program, forms[Subject.ROTATION], fellows, rng, rotation=rotation, window=LAST_YEAR
        )
    director = Membership.objects.filter(program=program, role=Role.DIRECTOR, is_active=True)
    director = director.select_related("user").first()
    if director is None:
        return
    current = Collection.objects.filter(program=program, opens_on=THIS_YEAR[0])
    if not current.filter(form=forms[Subject.PROGRAM]).exists():
        collection_schedule(
            actor=director.user,
            form=forms[Subject.PROGRAM],
            opens_on=THIS_YEAR[0],
            closes_on=THIS_YEAR[1],
        )
    if rotation is not None and not current.filter(form=forms[Subject.ROTATION]).exists():
        collection_schedule(
            actor=director.user,
            form=forms[Subject.ROTATION],
            opens_on=THIS_YEAR[0],
            closes_on=THIS_YEAR[1],
            rotation=rotation,
        )
