"""Screening free text for anything that could identify a patient.

Best effort and deliberately strict: a log note is a few words about the technique, so it should
hold no long numbers, no full dates, no contact details and no names. Spinal levels (L4-L5, T12-L1)
and doses (3 mL, 0.25%) must still pass. Pure functions: no database.
"""

import re

_WHY = "Notes must never identify a patient."

MRN_RUN = (
    "The note looks like it contains a medical record number (a run of 6 or more digits). " + _WHY
)
MRN_LABEL = (
    "The note looks like it contains a medical record number (“MRN”, “record” or “#” "
    "followed by a number). " + _WHY
)
BIRTH_DATE = (
    "The note looks like it contains a full date of birth (a day, month and year). "
    + _WHY
    + " The age band is enough."
)
PHONE = "The note looks like it contains a phone number. " + _WHY
EMAIL = "The note looks like it contains an email address. " + _WHY
NAME = (
    "The note looks like it contains a patient's name (a title such as Mr. or Mrs. followed "
    "by a name). " + _WHY
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Ten or more digits broken up by spaces, dots, dashes or brackets, e.g. (312) 555-0142.
_PHONE_RE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{8,}\d(?![\w.])")
_DIGIT_RUN_RE = re.compile(r"\d{6,}")
_MRN_LABEL_RE = re.compile(
    r"(?:\bMRN\b\s*[:#-]?\s*\d"
    r"|\b(?:medical\s+)?record(?:\s+(?:number|no\.?|num\.?))?\s*[:#-]?\s*\d{3,}"
    r"|#\s*\d{3,})",
    re.IGNORECASE,
)
_NUMERIC_DATE_RE = re.compile(r"(?<![\w.-])(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?![\w-]|\.\d)")
_TEXT_DATE_RES = (
    # 14 Mar 1962, 14th March, 1962
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTHS}\.?,?\s*(?:\d{{4}}|'\d{{2}})\b",
        re.IGNORECASE,
    ),
    # March 14, 1962 / Mar 14 1962
    re.compile(
        rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:\d{{4}}|'\d{{2}})\b",
        re.IGNORECASE,
    ),
)
_TITLE_NAME_RE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+[A-Z][A-Za-z'-]+")


def identifier_problems(text: str) -> list[str]:
    """Plain-language reasons why ``text`` may identify a patient; empty when it looks safe."""
    if not text or not text.strip():
        return []
    problems: list[str] = []
    if _EMAIL_RE.search(text):
        problems.append(EMAIL)
    if _looks_like_phone(text):
        problems.append(PHONE)
    if _MRN_LABEL_RE.search(text):
        problems.append(MRN_LABEL)
    elif _DIGIT_RUN_RE.search(_EMAIL_RE.sub(" ", text)):
        problems.append(MRN_RUN)
    if _looks_like_full_date(text):
        problems.append(BIRTH_DATE)
    if _TITLE_NAME_RE.search(text):
        problems.append(NAME)
    return problems


def _looks_like_phone(text: str) -> bool:
    for match in _PHONE_RE.finditer(text):
        candidate = match.group(0)
        digits = re.sub(r"\D", "", candidate)
        has_separator = bool(re.search(r"[\s().-]", candidate.strip()))
        if 10 <= len(digits) <= 15 and has_separator and not _is_numeric_date(candidate):
            return True
    return False


def _is_numeric_date(candidate: str) -> bool:
    return bool(_NUMERIC_DATE_RE.fullmatch(candidate.strip()))


def _looks_like_full_date(text: str) -> bool:
    if any(pattern.search(text) for pattern in _TEXT_DATE_RES):
        return True
    for match in _NUMERIC_DATE_RE.finditer(text):
        first, _, middle, last = match.groups()
        if _plausible_date(first, middle, last):
            return True
    return False


def _plausible_date(first: str, middle: str, last: str) -> bool:
    a, b, c = int(first), int(middle), int(last)
    if len(first) == 4:  # 1962-03-14
        return 1900 <= a <= 2100 and 1 <= b <= 12 and 1 <= c <= 31
    if len(first) > 2 or len(last) not in (2, 4):
        return False
    if len(last) == 4 and not 1900 <= c <= 2100:
        return False
    # 03/14/1962 (month first) or 14/03/1962 (day first)
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= a <= 31 and 1 <= b <= 12)
