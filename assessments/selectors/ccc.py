"""The Clinical Competency Committee: review periods, reviews, the packet and the ACGME export."""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet

from curriculum.models import Membership, Program, Subcompetency
from curriculum.permissions import has_program_role

from .. import evidence
from ..evidence import level_text
from ..models import NOT_YET_LEVEL_ONE, AssessmentTemplate, CCCReview, Rating, ReviewPeriod
from ..permissions import can_view_ccc
from .unscoped import faculty_q, recorded_assessments

Role = Membership.Role
# The packet section that in-app multi-source answers join (evaluators' external ones).
MULTI_SOURCE = "multi_source"


def review_period_list(*, user, program: Program) -> QuerySet[ReviewPeriod]:
    """The program's review periods, newest first, for the director, coordinator and faculty."""
    if not can_view_ccc(user, program):
        return ReviewPeriod.objects.none()
    return (
        ReviewPeriod.objects.filter(program=program)
        .select_related("academic_year")
        .annotate(
            review_count=Count("reviews", distinct=True),
            finalised_count=Count(
                "reviews", filter=Q(reviews__status=CCCReview.Status.FINALISED), distinct=True
            ),
        )
        .order_by("-ends_on", "kind")
    )


def ccc_review_list(*, user, program: Program) -> QuerySet[CCCReview]:
    """Reviews ``user`` may open: all of the program's for the committee and coordinator; a
    fellow only their own, and only once finalised (a draft is the committee's working copy)."""
    if not user.is_authenticated:
        return CCCReview.objects.none()
    reviews = CCCReview.objects.filter(period__program=program).select_related(
        "period__academic_year", "period__program", "fellow__user"
    )
    if can_view_ccc(user, program):
        return reviews
    if has_program_role(user, program, [Role.FELLOW]):
        return reviews.filter(
            fellow__user=user, fellow__role=Role.FELLOW, status=CCCReview.Status.FINALISED
        )
    return CCCReview.objects.none()


def period_review_rows(*, user, period) -> QuerySet[CCCReview]:
    """The period's reviews with how many levels each has, in fellow order (one query)."""
    return (
        ccc_review_list(user=user, program=period.program)
        .filter(period=period)
        .annotate(level_count=Count("levels"))
        .order_by("fellow__user__full_name", "fellow__user__email", "pk")
    )


def ccc_packet_build(*, user, review: CCCReview, subcompetencies: list[Subcompetency]) -> dict:
    """The packet's figures, as plain JSON (stored as the snapshot when the review is finalised).

    Ratings per subcompetency (every level, their mean and count; "not yet completed level 1" is
    level 0.0, evidence, so it is among the levels and counts as 0 in the mean, and
    ``not_yet_level_one`` says how many there are) from every counted assessment
    (faculty ratings: ``counted_assessments``) observed in the period, procedure counts against
    the program's targets (all logged so far, as ``procedures.selectors.progress`` counts them),
    the narratives, and apart from the ratings the fellow's self-assessments and the multi-source
    forms filled in the app. Then one key per registered evidence provider (``evidence``: apps
    above this one add multi-source answers from evaluators without an account, learning
    objectives and conference attendance); in-app multi-source answers join its ``multi_source``
    section. A fixed number of queries however many assessments and entries there are. Not
    scoped: callers check that ``user`` may see the review.
    """
    from procedures.selectors.progress import fellow_target_progress

    period = review.period
    assessments = list(
        recorded_assessments(fellow=review.fellow)
        .filter(observed_on__gte=period.starts_on, observed_on__lte=period.ends_on)
        # Which ones are faculty ratings, decided by the same rule as everywhere else.
        .annotate(is_faculty=ExpressionWrapper(faculty_q(), output_field=BooleanField()))
        .select_related("template", "assessor__user")
        .prefetch_related(
            Prefetch("ratings", queryset=Rating.objects.select_related("subcompetency"))
        )
        .order_by("observed_on", "pk")
    )
    by_sub: dict[int, list] = {sub.pk: [] for sub in subcompetencies}
    narratives, self_assessments, other_forms = [], [], []
    for assessment in assessments:
        entry = {
            "assessment": assessment.pk,
            "observed_on": assessment.observed_on.isoformat(),
            "form": assessment.template.name,
            "kind": assessment.template.get_kind_display(),
            "assessor": assessment.assessor.user.display_name,
            "narrative": assessment.narrative,
        }
        if assessment.is_faculty:
            for rating in assessment.ratings.all():
                if rating.subcompetency_id in by_sub:
                    by_sub[rating.subcompetency_id].append(rating)
            if assessment.narrative.strip():
                narratives.append(entry)
            continue
        ratings = sorted(
            [r.subcompetency.code, level_text(r.level, r.not_assessable)]
            for r in assessment.ratings.all()
        )
        is_self = (
            assessment.template.kind == AssessmentTemplate.Kind.SELF
            or assessment.assessor.user_id == review.fellow.user_id
        )
        if is_self:
            self_assessments.append({**entry, "ratings": ratings})
        else:  # a multi-source form answered by someone with an account: listed with the others
            other_forms.append(
                {
                    "submitted_on": entry["observed_on"],
                    "role": f"{entry['assessor']} ({entry['form']})",
                    "narrative": assessment.narrative,
                    "ratings": ratings,
                    "assessment": assessment.pk,
                }
            )
    rows = []
    for sub in subcompetencies:
        ratings = by_sub[sub.pk]
        levels = [r.level for r in ratings if not r.not_assessable]
        mean = sum(levels) / len(levels) if levels else None
        rows.append(
            {
                "id": sub.pk,
                "code": sub.code,
                "title": sub.title,
                "count": len(levels),
                "not_assessable": len(ratings) - len(levels),
                "not_yet_level_one": sum(1 for level in levels if level == NOT_YET_LEVEL_ONE),
                "mean": None if mean is None else f"{mean:.2f}",
                "levels": [f"{level:.1f}" for level in levels],
            }
        )
    procedures = [
        {
            "label": cell.label,
            "minimum": cell.minimum,
            "verified": cell.verified,
            "pending": cell.pending,
            "met": cell.met,
        }
        for cell in fellow_target_progress(user=user, fellow=review.fellow)
    ]
    narratives.reverse()  # newest first, like the milestones page
    other = {
        provider.name: provider.collect(user=user, fellow=review.fellow, period=period)
        for provider in evidence.providers()
    }
    if other_forms:  # newest first, like the external ones (a stable sort keeps their order)
        other[MULTI_SOURCE] = sorted(
            other.get(MULTI_SOURCE, []) + other_forms[::-1],
            key=lambda item: item["submitted_on"],
            reverse=True,
        )
    return {
        "version": 2,
        "assessment_count": sum(1 for a in assessments if a.is_faculty),
        "subcompetencies": rows,
        "procedures": procedures,
        "narratives": narratives,
        "self_assessments": self_assessments,
        **other,
    }


@dataclass(frozen=True)
class LevelSuggestion:
    """A consensus level suggested from the period's ratings: shown, never saved by itself."""

    level: Decimal
    count: int  # how many counted ratings it comes from

    @property
    def value(self) -> str:
        """The level as the consensus form's choice value ("2.5")."""
        return f"{self.level:.1f}"


HALF = Decimal("0.5")


def suggested_level(levels: Iterable[Decimal]) -> Decimal | None:
    """The median of ``levels`` rounded to the nearest half level, ties up; None without any.

    The rule: sort the levels; the median is the middle one, or the mean of the two middle ones
    when there is an even number (so it is a multiple of 0.25); a median that falls between two
    half levels (x.25 or x.75) goes up to the higher one. ``[2.0, 2.5]`` -> median 2.25 -> 2.5;
    ``[3.0, 3.5, 4.0, 4.5]`` -> 3.75 -> 4.0; ``[2.0, 2.0, 4.5]`` -> 2.0. Callers pass counted
    levels only: "not yet assessable" ratings are not levels and never enter the median.

    "Not yet completed level 1" (0.0) is evidence and enters the median as 0. Below 1 the only
    level is 0.0, so a median under 1 goes to the nearer of 0.0 and 1.0, ties up: ``[0.0, 0.0,
    2.0]`` -> 0.0; ``[0.0, 1.0]`` -> 0.5 -> 1.0; ``[0.0, 0.0, 0.0, 1.0]`` -> 0.0.
    """
    values = sorted(Decimal(level) for level in levels)
    if not values:
        return None
    median = statistics.median(values)
    if median < 1:
        return NOT_YET_LEVEL_ONE if median < HALF else Decimal("1.0")
    return ((median / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF).quantize(
        Decimal("0.1")
    )


def packet_suggestions(packet: dict, *, recorded: Iterable[int]) -> dict[int, LevelSuggestion]:
    """``{subcompetency id: LevelSuggestion}`` from a packet's rows (``ccc_packet_build``: the
    period's counted faculty ratings, "not yet assessable" ones already left out) for every
    subcompetency that has ratings and no recorded consensus level (``recorded``: their ids).
    No query: it reads the packet the page already built."""
    recorded = set(recorded)
    suggestions = {}
    for row in packet.get("subcompetencies", []):
        if row["id"] in recorded:
            continue
        level = suggested_level(row["levels"])
        if level is not None:
            suggestions[row["id"]] = LevelSuggestion(level=level, count=len(row["levels"]))
    return suggestions


def packet_sections(packet: dict) -> list[dict]:
    """What the packet page shows after the narratives: each registered provider's section with
    its data from ``packet`` (a finalised review's snapshot or a fresh build; None if absent)."""
    return [
        {"provider": provider, "data": packet.get(provider.name)}
        for provider in evidence.providers()
    ]


def ccc_export_rows(*, user, period, subcompetencies: list[Subcompetency]):
    """``(header, rows, draft_count)`` of the period's finalised levels: a worksheet for entering
    them in the ACGME's Accreditation Data System by hand (ADS has no public upload). One row per
    fellow, one column per subcompetency code in the set's order, then the committee meeting that
    agreed the levels and its members present (from the finalised snapshot). Three queries
    however many fellows."""
    from trainees.models import Enrolment

    header = [
        "Last name",
        "First name",
        "Email",
        "Program year",
        *(sub.code for sub in subcompetencies),
        "Committee meeting",
        "Members present",
    ]
    reviews = ccc_review_list(user=user, program=period.program).filter(period=period)
    draft_count = reviews.filter(status=CCCReview.Status.DRAFT).count()
    finalised = list(
        reviews.filter(status=CCCReview.Status.FINALISED)
        .prefetch_related(
            "levels",
            Prefetch(
                "fellow__enrolments",
                queryset=Enrolment.objects.filter(start_date__lte=period.ends_on).order_by(
                    "-start_date"
                ),
                to_attr="enrolments_to_period",
            ),
        )
        .order_by("fellow__user__full_name", "fellow__user__email", "pk")
    )
    rows = []
    for review in finalised:
        user_row = review.fellow.user
        last, first = split_name(user_row.full_name)
        levels = {level.subcompetency_id: level for level in review.levels.all()}
        enrolments = review.fellow.enrolments_to_period
        year = ""
        if enrolments:
            days = (period.starts_on - enrolments[0].start_date).days
            year = max(days // 365, 0) + 1
        cells = []
        for sub in subcompetencies:
            level = levels.get(sub.pk)
            cells.append("" if level is None else level_text(level.level, level.not_assessable))
        committee = (review.packet_snapshot or {}).get("committee") or {}
        present = "; ".join(committee.get("present", []))
        rows.append(
            [last, first, user_row.email, year, *cells, committee.get("meeting", ""), present]
        )
    return header, rows, draft_count


HONORIFICS = {"dr", "dr.", "prof", "prof.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "mx", "mx."}


def split_name(full_name: str) -> tuple[str, str]:
    """``(last name, first name)`` from a full name: titles such as "Dr." dropped, the last word
    is the last name. A best effort: the roster keeps one full-name field."""
    words = [w for w in full_name.split() if w.lower() not in HONORIFICS]
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])
