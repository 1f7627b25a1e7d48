"""The assessment forms (``AssessmentTemplate``): the director's list, what a fellow may request."""

from django.db.models import Prefetch, QuerySet

from curriculum.models import Membership, Program, Subcompetency
from curriculum.permissions import has_program_role

from ..models import AssessmentTemplate
from ..permissions import can_manage_templates

Role = Membership.Role


def template_list(*, user, program: Program) -> QuerySet[AssessmentTemplate]:
    """Every form of the program (active or not), for its director only."""
    if not can_manage_templates(user, program):
        return AssessmentTemplate.objects.none()
    return (
        AssessmentTemplate.objects.filter(program=program)
        .select_related("milestone_set")
        .prefetch_related(
            Prefetch("subcompetencies", queryset=Subcompetency.objects.order_by("code"))
        )
        .order_by("-is_active", "name")
    )


def requestable_template_list(*, user, program: Program) -> QuerySet[AssessmentTemplate]:
    """Active forms a fellow of the program can ask for (end-of-rotation ones are automatic)."""
    if not has_program_role(user, program, [Role.FELLOW]):
        return AssessmentTemplate.objects.none()
    return (
        AssessmentTemplate.objects.filter(program=program, is_active=True)
        .exclude(kind=AssessmentTemplate.Kind.END_OF_ROTATION)
        .order_by("name")
    )
