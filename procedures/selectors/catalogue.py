"""Scoped reads of a program's catalogue and targets: any active member of the program sees
them; anyone else gets an empty queryset."""

from django.db.models import F, Prefetch, QuerySet
from django.db.models.functions import Coalesce

from curriculum.models import Program
from curriculum.selectors import program_list

from ..models import ProcedureCategory, ProcedureTarget, ProcedureType


def procedure_category_list(*, user, program: Program) -> QuerySet[ProcedureCategory]:
    """The program's categories in order, each with its types (retired ones too) prefetched:
    two queries however many types there are."""
    types = Prefetch("procedure_types", ProcedureType.objects.order_by("order", "name"))
    return (
        ProcedureCategory.objects.filter(program=program, program__in=program_list(user=user))
        .prefetch_related(types)
        .order_by("order", "name")
    )


def procedure_type_list(
    *, user, program: Program, active_only: bool = False
) -> QuerySet[ProcedureType]:
    types = ProcedureType.objects.filter(
        program=program, program__in=program_list(user=user)
    ).select_related("category")
    if active_only:
        types = types.filter(is_active=True)
    return types.order_by("category__order", "category__name", "order", "name")


def target_list(*, user, program: Program) -> QuerySet[ProcedureTarget]:
    """The program's targets grouped by category: a category's own target first, then its
    types' targets by name."""
    return (
        ProcedureTarget.objects.filter(program=program, program__in=program_list(user=user))
        .select_related("procedure_type__category", "category")
        .order_by(
            Coalesce("category__order", "procedure_type__category__order"),
            Coalesce("category__name", "procedure_type__category__name"),
            F("procedure_type__name").asc(nulls_first=True),
            "role",
        )
    )
