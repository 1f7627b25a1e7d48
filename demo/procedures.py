"""Demo case log: the standard catalogue, a few program targets and several hundred entries.

Entries are bulk-inserted (the demo has no real fellows to log them one by one); everything else
goes through the services. Deterministic: the same random seed gives the same log.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from curriculum.models import Membership, Program
from procedures.models import (
    ProcedureCategory,
    ProcedureEntryEvent,
    ProcedureLogEntry,
    ProcedureType,
)
from procedures.services.catalogue import catalogue_load_default, target_set

Entry = ProcedureLogEntry

# (procedure type or category name, is a category, role or "" for any, minimum)
DEMO_TARGETS = [
    ("Lumbar transforaminal epidural steroid injection", False, "performed", 20),
    ("Lumbar interlaminar epidural steroid injection", False, "performed", 15),
    ("Medial branch radiofrequency ablation", False, "performed", 15),
    ("Sacroiliac joint injection", False, "performed", 10),
    ("Sympathetic", True, "performed", 10),
    ("Neuromodulation", True, "", 10),
    ("Peripheral nerve and joint", True, "", 15),
]
# How often each procedure comes up in a pain clinic week (relative weights).
COMMON = {
    "Lumbar transforaminal epidural steroid injection": 14,
    "Lumbar interlaminar epidural steroid injection": 9,
    "Cervical interlaminar epidural steroid injection": 5,
    "Caudal epidural steroid injection": 2,
    "Medial branch block": 10,
    "Medial branch radiofrequency ablation": 8,
    "Sacroiliac joint injection": 6,
    "Stellate ganglion block": 2,
    "Lumbar sympathetic block": 2,
    "Genicular nerve block": 3,
    "Genicular nerve radiofrequency ablation": 2,
    "Occipital nerve block": 3,
    "Trigger point injection": 3,
    "Large joint injection": 2,
    "Spinal cord stimulator trial": 3,
    "Spinal cord stimulator implant": 1,
    "Intrathecal pump refill / reprogramming": 2,
    "Kyphoplasty": 1,
}
LEVELS = ["L3-L4", "L4-L5", "L5-S1", "L4-L5", "L5-S1"]
CERVICAL_LEVELS = ["C5-C6", "C6-C7", "C7-T1"]
NOTES = ["", "", "", "", "good contrast spread", "no paresthesia", "bilateral, tolerated well"]
ENTRIES_PER_FELLOW_WEEK = 5
VERIFIED_AFTER_DAYS = 10  # older entries have been signed off; recent ones are waiting


def demo_procedures_seed(*, program: Program, since: datetime.date) -> int:
    """Load the catalogue and targets, then log entries from ``since`` to today for every demo
    fellow. Does nothing if the program already has entries; returns how many were created."""
    if ProcedureLogEntry.objects.filter(program=program).exists():
        return 0
    with transaction.atomic():
        catalogue_load_default(actor=None, program=program)
        types = {t.name: t for t in ProcedureType.objects.filter(program=program)}
        categories = {c.name: c for c in ProcedureCategory.objects.filter(program=program)}
        for name, is_category, role, minimum in DEMO_TARGETS:
            subject = (
                {"category": categories[name]} if is_category else {"procedure_type": types[name]}
            )
            target_set(actor=None, program=program, role=role, minimum=minimum, **subject)
        return _seed_entries(program, types, since)


def _seed_entries(program: Program, types: dict, since: datetime.date) -> int:
    rng = random.Random(2026)  # noqa: S311 (repeatable demo data, not a secret)
    today = program.today()
    fellows = list(
        Membership.objects.filter(program=program, role=Membership.Role.FELLOW, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    faculty = list(
        Membership.objects.filter(program=program, role=Membership.Role.FACULTY, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    names, weights = zip(*COMMON.items(), strict=True)
    entries = []
    for fellow in fellows:
        day = since
        while day <= today:
            if day.weekday() < 5:  # procedure days are weekdays
                for _ in range(rng.choice([0, 1, 1, 2])):
                    entries.append(
                        _entry(rng, program, fellow, faculty, types, (names, weights), day, today)
                    )
            day += datetime.timedelta(days=1)
    ProcedureLogEntry.objects.bulk_create(entries, batch_size=500)
    events = []
    for entry in entries:
        events.append(ProcedureEntryEvent(entry=entry, actor=entry.fellow.user, action="created"))
        if entry.status == Entry.Status.VERIFIED:
            events.append(
                ProcedureEntryEvent(entry=entry, actor=entry.verified_by, action="verified")
            )
        elif entry.status == Entry.Status.RETURNED:
            events.append(
                ProcedureEntryEvent(
                    entry=entry,
                    actor=entry.supervisor.user,
                    action="returned",
                    reason=entry.return_reason,
                )
            )
    ProcedureEntryEvent.objects.bulk_create(events, batch_size=500)
    return len(entries)


def _entry(rng, program, fellow, faculty, types, mix, day, today) -> ProcedureLogEntry:
    procedure = types[rng.choices(*mix)[0]]
    supervisor = rng.choice(faculty)
    age = (today - day).days
    months_in = (day - datetime.date(day.year if day.month >= 7 else day.year - 1, 7, 1)).days // 30
    level = ""
    if procedure.has_level:
        level = rng.choice(CERVICAL_LEVELS if "Cervical" in procedure.name else LEVELS)
    entry = ProcedureLogEntry(
        program=program,
        fellow=fellow,
        performed_on=day,
        procedure_type=procedure,
        level=level,
        laterality=rng.choice(["left", "right", "bilateral"]) if procedure.has_laterality else "",
        guidance=procedure.allowed_guidance[0],
        role=rng.choices(["performed", "assisted", "observed"], [7, 2, 1])[0],
        supervisor=supervisor,
        # Supervision loosens as the year goes on.
        supervision_level="direct" if months_in < 3 else rng.choice(["direct", "indirect"]),
        complication=rng.choices(["none", "vasovagal", "dural_puncture"], [97, 2, 1])[0],
        age_band=rng.choices(["18_39", "40_64", "65_79", "80_plus"], [2, 5, 3, 1])[0],
        note=rng.choice(NOTES),
    )
    if age > VERIFIED_AFTER_DAYS:
        entry.status = Entry.Status.VERIFIED
        entry.verified_by = supervisor.user
        entry.verified_at = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=2), datetime.time(17, 0))
        )
    elif rng.random() < 0.05:
        entry.status = Entry.Status.RETURNED
        entry.return_reason = "Please add the spinal level."
    return entry
