"""Every kind of signed record, defined once for signing, verifying and sealing."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Prefetch, Q

from ...models import (
    Assessment,
    CCCReview,
    ConsensusLevel,
    Rating,
    Signature,
    SummativeEvaluation,
)
from ...seals import (
    MEANINGS,
    assessment_content,
    ccc_review_content,
    summative_content,
)


def _ratings_prefetch(prefix: str = "") -> list[Prefetch]:
    return [Prefetch(f"{prefix}ratings", queryset=Rating.objects.select_related("subcompetency"))]


def _levels_prefetch(prefix: str = "") -> list[Prefetch]:
    return [
        Prefetch(f"{prefix}levels", queryset=ConsensusLevel.objects.select_related("subcompetency"))
    ]


@dataclass(frozen=True)
class SignedKind:
    """How one kind of record is signed: its content, what it must say, and how to read it."""

    name: str  # the Signature foreign key: "assessment", "ccc_review", "summative_evaluation"
    model: type[models.Model]
    sign_action: str  # the audit action that records the signing
    content: Callable[[Any], dict]
    program_id: Callable[[Any], int]
    program_path: str  # the lookup from a Signature to the record's program id
    is_locked: Callable[[Any], bool]
    signed_at: Callable[[Any], datetime.datetime | None]  # the time the record itself shows
    signer_id: Callable[[Any], int | None]  # who must have signed it, when the record says
    label: Callable[[Any], str]
    locked: Q  # the records that must carry a signature
    related: tuple[str, ...]
    prefetch: Callable[[str], list[Prefetch]]
    missing_reason: str
    unlocked_reason: Callable[[Any], str]

    @property
    def meaning(self) -> str:
        return MEANINGS[self.name][-1]

    def records(self):
        return (
            self.model.objects.select_related(*self.related)
            .prefetch_related(*self.prefetch(""))
            .order_by("pk")
        )

    def signatures(self):
        return (
            Signature.objects.filter(**{f"{self.name}__isnull": False})
            .select_related("signer", self.name, *(f"{self.name}__{r}" for r in self.related))
            .prefetch_related(*self.prefetch(f"{self.name}__"))
        )


KINDS = (
    SignedKind(
        name="assessment",
        model=Assessment,
        sign_action="assessment.sign",
        content=assessment_content,
        program_id=lambda a: a.program_id,
        program_path="assessment__program_id",
        is_locked=lambda a: a.is_locked,
        signed_at=lambda a: a.signed_at,
        signer_id=lambda a: a.assessor.user_id,
        label=lambda a: f"Assessment {a.pk} ({a.template} of {a.fellow.user} by {a.assessor.user})",
        locked=Q(status__in=Assessment.LOCKED_STATUSES),
        related=("program", "template", "fellow__user", "assessor__user"),
        prefetch=_ratings_prefetch,
        missing_reason="marked signed but has no signature",
        unlocked_reason=lambda a: f"signed but now marked {a.get_status_display().lower()}",
    ),
    SignedKind(
        name="ccc_review",
        model=CCCReview,
        sign_action="ccc_review.finalise",
        content=ccc_review_content,
        program_id=lambda r: r.period.program_id,
        program_path="ccc_review__period__program_id",
        is_locked=lambda r: r.is_finalised,
        signed_at=lambda r: r.finalised_at,
        signer_id=lambda r: None,  # any director may finalise: the seal holds who did
        label=lambda r: f"CCC review {r.pk} ({r.period} for {r.fellow.user})",
        locked=Q(status=CCCReview.Status.FINALISED),
        related=("period__academic_year", "fellow__user"),
        prefetch=_levels_prefetch,
        missing_reason="finalised but has no signature",
        unlocked_reason=lambda r: "signed but now marked draft",
    ),
    SignedKind(
        name="summative_evaluation",
        model=SummativeEvaluation,
        sign_action="summative_evaluation.sign",
        content=summative_content,
        program_id=lambda e: e.program_id,
        program_path="summative_evaluation__program_id",
        is_locked=lambda e: e.is_signed,
        signed_at=lambda e: e.signed_at,
        signer_id=lambda e: e.author_id,
        label=lambda e: f"Summative evaluation {e.pk} (of {e.fellow.user})",
        locked=Q(status=SummativeEvaluation.Status.SIGNED),
        related=("fellow__user",),
        prefetch=lambda prefix: [],
        missing_reason="signed but has no signature",
        unlocked_reason=lambda e: "signed but now marked draft",
    ),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_of(record) -> SignedKind:
    """The kind of a record to sign; anything else is a programming error."""
    for kind in KINDS:
        if isinstance(record, kind.model):
            return kind
    raise TypeError(f"{type(record).__name__} is not a kind of record that can be signed.")
