"""The fixed plain-language form for patients, and how its answers map to milestone levels.

Patients answer six questions on a plain scale. Each question serves one subcompetency; a
subcompetency's level is the mean of its answers on the scale below, rounded to the nearest half
level. The mapping tops out at 4.0, the graduation target: a patient can confirm that the fellow
communicates as an independent physician should, not rate the aspirational level 5. Pure
functions: no database.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class PatientQuestion:
    key: str
    text: str
    code: str  # the subcompetency it serves


PATIENT_QUESTIONS = [
    PatientQuestion(
        "explained", "Did the doctor explain things in a way you could understand?", "ICS1"
    ),
    PatientQuestion("listened", "Did the doctor listen carefully to you?", "ICS1"),
    PatientQuestion("involved", "Did the doctor involve you in decisions about your care?", "ICS1"),
    PatientQuestion("respect", "Did the doctor treat you with courtesy and respect?", "PROF1"),
    PatientQuestion(
        "team",
        "Did the doctor work well with the nurses, therapists and others looking after you?",
        "ICS2",
    ),
    PatientQuestion(
        "followed_up",
        "Did the doctor do what they said they would, such as call back or follow up?",
        "PROF2",
    ),
]
PATIENT_CODES = sorted({q.code for q in PATIENT_QUESTIONS})

DOES_NOT_APPLY = 0
PATIENT_SCALE = [
    (5, "Yes, completely"),
    (4, "Yes, mostly"),
    (3, "Somewhat"),
    (2, "Not really"),
    (1, "Not at all"),
    (DOES_NOT_APPLY, "Does not apply to my visit"),
]
ANSWER_LEVELS = {
    1: Decimal("1.0"),
    2: Decimal("2.0"),
    3: Decimal("3.0"),
    4: Decimal("3.5"),
    5: Decimal("4.0"),
}


def patient_levels(answers: dict[str, int]) -> dict[str, Decimal | None]:
    """Subcompetency code -> mapped half level, or ``None`` when every answer was "does not
    apply" (or missing): not yet assessable."""
    levels: dict[str, Decimal | None] = {}
    for code in PATIENT_CODES:
        values = [
            ANSWER_LEVELS[answers[q.key]]
            for q in PATIENT_QUESTIONS
            if q.code == code and answers.get(q.key) in ANSWER_LEVELS
        ]
        if not values:
            levels[code] = None
            continue
        mean = sum(values) / len(values)
        levels[code] = (mean * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP) / 2
    return {code: (None if v is None else Decimal(f"{v:.1f}")) for code, v in levels.items()}
