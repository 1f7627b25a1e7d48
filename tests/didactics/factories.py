import datetime

import factory

from didactics.models import (
    Attendance,
    LearningObjective,
    ObjectiveProgress,
    RotationTeacher,
    Series,
    SeriesKind,
    Session,
)
from tests.curriculum.factories import ProgramFactory, RotationFactory


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Series {n}")
    kind = SeriesKind.CORE_LECTURE
    attendance_required = True


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    series = factory.SubFactory(SeriesFactory)
    program = factory.SelfAttribute("series.program")
    date = datetime.date(2026, 9, 2)
    start_time = datetime.time(7, 0)
    end_time = datetime.time(8, 0)
    topic = factory.Sequence(lambda n: f"Topic {n}")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    status = Attendance.Status.PRESENT
    method = Attendance.Method.CHECK_IN
    recorded_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningObjective

    rotation = factory.SubFactory(RotationFactory)
    text = factory.Sequence(lambda n: f"Objective {n}")
    order = factory.Sequence(lambda n: n)


class ProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ObjectiveProgress

    objective = factory.SubFactory(ObjectiveFactory)
    met_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RotationTeacher

    rotation = factory.SubFactory(RotationFactory)
