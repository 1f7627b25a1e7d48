"""What may be logged where, in one place for the log form's service and the CSV import.

The supervision levels follow the ACGME Common Program Requirements, section VI.A.2
(effective July 1, 2023): direct supervision is the supervisor physically present, or
concurrently monitoring through telecommunication where the Review Committee allows it; each
program decides per procedure category (``ProcedureCategory.allows_telecom_supervision``).
"""

from .models import ProcedureLogEntry, ProcedureSettings, ProcedureType

Entry = ProcedureLogEntry


def telecom_refused(procedure_type: ProcedureType, supervision_level: str) -> bool:
    """True when the entry records telecommunication supervision its category does not allow."""
    return (
        supervision_level == Entry.SupervisionLevel.DIRECT_TELECOM
        and not procedure_type.category.allows_telecom_supervision
    )


def age_band_refused(age_band: str, *, split: bool, keep: str = "") -> bool:
    """True when a known age band is not offered under the program's setting (``keep``: the
    band an edited entry already has, which stays allowed)."""
    return age_band in Entry.AgeBand.values and age_band not in (
        ProcedureSettings.offered_age_bands(split=split, keep=keep)
    )


def telecom_refusal(procedure_type: ProcedureType) -> str:
    """Why direct supervision through telecommunication cannot be logged for this type."""
    return (
        f"{procedure_type.category.name} procedures need the supervisor physically present for "
        "direct supervision: this program does not accept direct supervision through "
        "telecommunication for them. Choose direct (physically present), indirect or oversight."
    )


def age_band_refusal(age_band: str, *, split: bool) -> str:
    """Why this age band cannot be logged under the program's age-band setting."""
    label = Entry.AgeBand(age_band).label
    if split:
        return f'This program logs "Under 12" or "12-17" instead of "{label}".'
    return f'This program logs "Under 18" instead of "{label}".'
