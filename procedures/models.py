"""The procedure case log: a program's catalogue and targets, and each fellow's log entries.

No patient identifiers, ever: an entry has no field for a name, record number or birth date, holds
at most an age band, and its short note is screened for identifier-like text by the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.fields import ScreenedCharField
from core.models import TimeStampedModel
from curriculum.models import Membership, Program


class Guidance(models.TextChoices):
    FLUOROSCOPY = "fluoroscopy", "Fluoroscopy"
    ULTRASOUND = "ultrasound", "Ultrasound"
    CT = "ct", "CT"
    LANDMARK = "landmark", "Landmark"


class ProcedureCategory(TimeStampedModel):
    """A group of procedure types (epidural steroid injections, facet, neuromodulation ...)."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="procedure_categories"
    )
    name = ScreenedCharField(max_length=120)
    order = models.PositiveSmallIntegerField(default=0)
    # ACGME Common Program Requirements VI.A.2 (effective July 2023) let a Review Committee
    # allow direct supervision through telecommunication; programs bar it for invasive work.
    # The shipped pain catalogue turns it off for every category (all are interventional);
    # a program's own categories allow it until the director says otherwise.
    allows_telecom_supervision = models.BooleanField(
        default=True,
        help_text="Entries may record direct supervision through telecommunication.",
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "procedure categories"
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="procedures_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProcedureType(TimeStampedModel):
    """One procedure of the program's catalogue. Retiring it (``is_active=False``) hides it from
    new entries and keeps every entry already logged against it."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "allowed_guidance": "a list of Guidance codes (validated)",
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="procedure_types")
    category = models.ForeignKey(
        ProcedureCategory, on_delete=models.PROTECT, related_name="procedure_types"
    )
    name = ScreenedCharField(max_length=160)
    allowed_guidance = models.JSONField(
        default=list, help_text="Guidance modalities this procedure may be logged with."
    )
    has_level = models.BooleanField(default=False, help_text="A spinal level applies.")
    has_laterality = models.BooleanField(default=False, help_text="Left/right applies.")
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category__order", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="procedures_type_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ProcedureTarget(TimeStampedModel):
    """A program-set minimum: a count of entries of one type or of one category, optionally only
    those where the fellow had a given role. There are no national minimums in pain medicine."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "role": "a ProcedureLogEntry.Role code or empty",
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="procedure_targets")
    procedure_type = models.ForeignKey(
        ProcedureType, on_delete=models.PROTECT, null=True, blank=True, related_name="targets"
    )
    category = models.ForeignKey(
        ProcedureCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="targets"
    )
    role = models.CharField(
        max_length=20,
        blank=True,
        help_text="Count only entries with this role; blank counts every role.",
    )
    minimum = models.PositiveIntegerField()

    class Meta:
        ordering = ["category__order", "procedure_type__name", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(procedure_type__isnull=False, category__isnull=True)
                    | Q(procedure_type__isnull=True, category__isnull=False)
                ),
                name="procedures_target_type_xor_category",
            ),
            models.CheckConstraint(
                condition=Q(minimum__gte=1), name="procedures_target_minimum_positive"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["", "performed", "assisted", "observed"]),
                name="procedures_target_role_valid",
            ),
            models.UniqueConstraint(
                fields=["program", "procedure_type", "role"],
                condition=Q(procedure_type__isnull=False),
                name="procedures_target_unique_type_role",
            ),
            models.UniqueConstraint(
                fields=["program", "category", "role"],
                condition=Q(category__isnull=False),
                name="procedures_target_unique_category_role",
            ),
        ]

    def __str__(self) -> str:
        subject = self.procedure_type or self.category
        role = f" {self.role}" if self.role else ""
        return f"{self.minimum}{role} {subject}"


class ProcedureSettings(TimeStampedModel):
    """How one program logs procedures; a program without a row uses the defaults."""

    program = models.OneToOneField(
        Program, on_delete=models.PROTECT, related_name="procedure_settings"
    )
    split_pediatric_age_bands = models.BooleanField(
        default=False,
        help_text='Offer "Under 12" and "12-17" instead of "Under 18" when logging.',
    )

    class Meta:
        verbose_name_plural = "procedure settings"

    def __str__(self) -> str:
        return f"Procedure settings of {self.program}"

    @staticmethod
    def offered_age_bands(*, split: bool, keep: str = "") -> list[str]:
        """The age band values a new entry may take (``keep``: an entry's current band, still
        offered when it is edited). The one definition the form, the services and the import use."""
        bands = ProcedureLogEntry.AgeBand
        hidden = {bands.UNDER_18} if split else {bands.UNDER_12, bands.AGE_12_17}
        return [value for value in bands.values if value not in hidden or value == keep]

    @classmethod
    def split_for(cls, program) -> bool:
        """Whether ``program`` splits pediatric ages (one query; no row means no)."""
        return cls.objects.filter(program=program, split_pediatric_age_bands=True).exists()


class ProcedureLogEntry(TimeStampedModel):
    """One procedure a fellow took part in. Editable by the fellow until verified; a verified
    entry is locked and only the director can reopen it (recorded as an event)."""

    class Role(models.TextChoices):
        PERFORMED = "performed", "Performed"
        ASSISTED = "assisted", "Assisted"
        OBSERVED = "observed", "Observed"

    class Laterality(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"
        BILATERAL = "bilateral", "Bilateral"
        MIDLINE = "midline", "Midline"

    class SupervisionLevel(models.TextChoices):
        # ACGME Common Program Requirements VI.A.2 (effective July 1, 2023): direct (the
        # supervisor physically present, or concurrently monitoring through telecommunication),
        # indirect, oversight ...
        DIRECT = "direct", "Direct (supervisor physically present)"
        DIRECT_TELECOM = "direct_telecom", "Direct, through telecommunication"
        INDIRECT = "indirect", "Indirect (supervisor immediately available)"
        OVERSIGHT = "oversight", "Oversight (review after care)"
        # ... and the earlier four-level split, kept so older data keeps its meaning.
        INDIRECT_AVAILABLE = (
            "indirect_available",
            "Indirect, direct supervision available (pre-2023)",
        )

    class Complication(models.TextChoices):
        NONE = "none", "None"
        VASOVAGAL = "vasovagal", "Vasovagal reaction"
        DURAL_PUNCTURE = "dural_puncture", "Dural puncture / post-dural puncture headache"
        INTRAVASCULAR = "intravascular", "Intravascular injection"
        BLEEDING = "bleeding", "Bleeding / hematoma"
        LAST = "last", "Local anesthetic systemic toxicity"
        NERVE_INJURY = "nerve_injury", "Nerve injury"
        PNEUMOTHORAX = "pneumothorax", "Pneumothorax"
        INFECTION = "infection", "Infection"
        OTHER = "other", "Other"

    class AgeBand(models.TextChoices):
        # "Under 18" is the default band; a program that splits pediatric ages
        # (ProcedureSettings.split_pediatric_age_bands) logs "Under 12" and "12-17" instead.
        # Entries logged as "Under 18" keep that band either way.
        UNDER_18 = "under_18", "Under 18"
        UNDER_12 = "under_12", "Under 12"
        AGE_12_17 = "12_17", "12-17"
        AGE_18_39 = "18_39", "18-39"
        AGE_40_64 = "40_64", "40-64"
        AGE_65_79 = "65_79", "65-79"
        AGE_80_PLUS = "80_plus", "80 or older"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending verification"
        VERIFIED = "verified", "Verified"
        RETURNED = "returned", "Returned to the fellow"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="procedure_entries")
    fellow = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="procedure_entries"
    )
    performed_on = models.DateField()
    procedure_type = models.ForeignKey(
        ProcedureType, on_delete=models.PROTECT, related_name="entries"
    )
    level = ScreenedCharField(max_length=20, blank=True, help_text="Spinal level, e.g. L4-L5.")
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    guidance = models.CharField(max_length=20, choices=Guidance.choices)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PERFORMED)
    supervisor = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="supervised_procedure_entries"
    )
    supervision_level = models.CharField(
        max_length=20, choices=SupervisionLevel.choices, default=SupervisionLevel.DIRECT
    )
    complication = models.CharField(
        max_length=20, choices=Complication.choices, default=Complication.NONE
    )
    age_band = models.CharField(max_length=10, choices=AgeBand.choices)
    note = ScreenedCharField(
        max_length=200, blank=True, help_text="Optional. Never a name, record number or birth date."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="verified_procedure_entries",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    return_reason = ScreenedCharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-performed_on", "-pk"]
        verbose_name_plural = "procedure log entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "verified", "returned"]),
                name="procedures_entry_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False),
                name="procedures_entry_verified_has_time",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["performed", "assisted", "observed"]),
                name="procedures_entry_role_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["fellow", "-performed_on"]),
            # last_entry() (the log page's "repeat last" and the create form's prefill): without
            # it PostgreSQL walks the global created_at order backwards once the table is large.
            models.Index(fields=["fellow", "-created_at", "-id"], name="procedures_entry_latest"),
            models.Index(fields=["supervisor", "status"]),
            models.Index(fields=["program", "status", "performed_on"]),
        ]

    def __str__(self) -> str:
        return (
            f"{self.procedure_type} on {self.performed_on:%Y-%m-%d} ({self.get_status_display()})"
        )


class ProcedureEntryEvent(TimeStampedModel):
    """What happened to an entry, by whom: the record behind verification and reopening."""

    # Text fields deliberately not screened for patient identifiers (core.fields), and why.
    SCREENING_EXEMPT = {
        "summary": "written by the app from the entry's screened fields",
    }

    class Action(models.TextChoices):
        CREATED = "created", "Logged"
        EDITED = "edited", "Edited"
        VERIFIED = "verified", "Verified"
        RETURNED = "returned", "Returned"
        REOPENED = "reopened", "Reopened by the director"
        DELETED = "deleted", "Deleted"

    entry = models.ForeignKey(
        ProcedureLogEntry, on_delete=models.PROTECT, null=True, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procedure_entry_events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reason = ScreenedCharField(max_length=300, blank=True)
    summary = models.CharField(
        max_length=300, blank=True, help_text="What the entry was, kept when it is deleted."
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class FavouriteProcedure(TimeStampedModel):
    """A fellow's pinned procedure types, offered first when logging."""

    fellow = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="favourite_procedures"
    )
    procedure_type = models.ForeignKey(
        ProcedureType, on_delete=models.CASCADE, related_name="favourited_by"
    )

    class Meta:
        ordering = ["procedure_type__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fellow", "procedure_type"], name="procedures_favourite_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fellow.user}: {self.procedure_type}"
