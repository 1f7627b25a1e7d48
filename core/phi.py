"""Screening free text for anything that could identify a patient.

Best effort and deliberately strict: every free-text field (log notes, narratives, reasons, names of
rotations and sessions) is a few words about training, so it should hold no record numbers, no
full dates, no contact details, no addresses and no patient names. Clinical shorthand must still
pass: spinal levels (L4-L5, T12-L1), doses (3 mL 0.25%, 1:200,000), 5-digit CPT codes, scores
(NRS 7/10), times, durations and ages.

The text is normalised first (see ``normalise``) so look-alike characters cannot slip a number or
an address past the patterns. Judgement calls, on purpose:

- "Room 4" and "Suite 200" pass: they name a place of work, not where a patient lives. "Apt 4B",
  "PO Box 12" and street addresses are refused.
- "Dr." is a colleague's title and passes; Mr., Mrs., Ms., Miss and Mx are refused because in these
  fields they almost always name a patient.
- Two capitalised words are a name only next to a patient word ("patient John Smith", "John
  Smith's epidural", "John Smith tolerated ..."), never on their own ("Acute Pain Service").
- A 5-digit number after a capitalised word counts as "City ZIP" unless the word is clinical
  vocabulary ("Transforaminal 64483" passes, "Chicago 60614" does not).

Pure functions: no database, no Django.
"""

import re
import unicodedata

_WHY = "Text here must never identify a patient."

MRN_RUN = "This looks like it contains a medical record number (a run of 6 or more digits). " + _WHY
MRN_LABEL = (
    "This looks like it contains a medical record number (“MRN”, “record”, “account” or “#” "
    "followed by a number). " + _WHY
)
SSN = "This looks like it contains a social security number. " + _WHY
BIRTH_DATE = (
    "This looks like it contains a date of birth (a full date, or “born”/“DOB” with a date). "
    + _WHY
    + " The age band is enough."
)
PHONE = "This looks like it contains a phone number. " + _WHY
EMAIL = "This looks like it contains an email address. " + _WHY
NAME = (
    "This looks like it contains a patient's name (a title such as Mr. or Mrs. followed by a "
    "name, or a name next to “patient”). " + _WHY
)
ADDRESS = "This looks like it contains a postal address (a street, apartment or ZIP code). " + _WHY

# --- normalisation ------------------------------------------------------------------------------

# Everything that renders as a dash. NFKC already folds full-width/small hyphen-minus and U+2011.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u02d7\u2796\u2e3a\u2e3b\ufe58\ufe63"
_TRANSLATE = {ord(c): "-" for c in _DASHES}
_TRANSLATE.update({ord(c): "'" for c in "\u2018\u2019\u201b\u02bc\u2032"})
_TRANSLATE.update({ord(c): "/" for c in "\u2044\u2215"})  # NFKC turns one-half into 1 U+2044 2
_TRANSLATE.update({ord(c): "." for c in "\u00b7\u2027\u2219"})
# Invisible characters that would otherwise split a number or a word in two.
_TRANSLATE.update({ord(c): None for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"})

_UNDERSCORE_BETWEEN_DIGITS_RE = re.compile(r"(?<=\d)\s*_+\s*(?=\d)")
_WHITESPACE_RE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as the patterns see it.

    NFKC (a full-width at sign U+FF20 and full-width digits become ASCII), every decimal digit as
    ASCII, every dash as "-", curly apostrophes as "'", invisible characters dropped, an
    underscore between digits as "-", whitespace collapsed to single spaces. Case is kept: names
    are told apart by capitals, and every other pattern matches case-insensitively. Slashes
    between digits are kept because they carry meaning (7/10, 3/14/61); the date, phone and SSN
    patterns accept them as separators.
    """
    text = unicodedata.normalize("NFKC", text or "").translate(_TRANSLATE)
    text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    text = _UNDERSCORE_BETWEEN_DIGITS_RE.sub("-", text)
    return _WHITESPACE_RE.sub(" ", text).strip()


def _words(lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


# --- shared pieces ------------------------------------------------------------------------------

_I = re.IGNORECASE
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# Units that make a number a dose or a duration, not an identifier (500-1000 mg, record 120 mmHg).
_UNIT = (
    r"(?:mg|mcg|ug|µg|g|kg|ng|ml|l|cc|units?|iu|meq|mmol|mmhg|%|mm|cm|hz|ms|s|sec|min|mins|h|hr"
    r"|hrs|hours?|days?|weeks?|months?|years?)\b"
)
# Digits that stand alone: not glued to a word, a decimal point or another number.
_START = r"(?<![\w.,:/+-])"
_END = r"(?![\w]|[.,:/-]\d)"
_SEP = r"\s?[\s./-]\s?"  # one separator, optionally padded: 555-0142, 555 / 0142
# A word made of letters in any script (Ávila, O'Brien, Smith-Jones).
_WORD = r"[^\W\d_]+(?:['-][^\W\d_]+)*"

# --- email --------------------------------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+\s?@\s?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", _I)
_EMAIL_STRIP_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w.-]+")
_AT_BRACKET = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_DOT_ANY = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_TLD = r"(?:com|org|net|edu|gov|mil|int|io|co|uk|us|ca|au|de|fr|nl|info|biz|me|health|test)"
_OBFUSCATED_EMAIL_RES = (
    # jane [at] example [dot] org: a bracketed "at" is unmistakable, any alphabetic TLD.
    re.compile(
        rf"(?<![\w.+-])[\w.+-]+{_AT_BRACKET}[\w-]+(?:{_DOT_ANY}[\w-]+)*{_DOT_ANY}[a-z]{{2,}}\b", _I
    ),
    # jane at example dot com: plain "at" is an ordinary word, so insist on a familiar TLD.
    re.compile(
        rf"(?<![\w.+-])[\w.+-]+(?:\s*@\s*|\s+at\s+)[a-z0-9][\w-]*(?:{_DOT_ANY}[\w-]+)*"
        rf"{_DOT_ANY}{_TLD}\b",
        _I,
    ),
)

# --- phone --------------------------------------------------------------------------------------

# Ten to fifteen digits broken up by spaces, dots, dashes or brackets, e.g. +44 20 7946 0958.
# A dot joins digits only when a digit follows it: "NRS 7/10. 2026-2027" is two sentences.
_PHONE_RUN_RE = re.compile(r"(?<![\w./])\+?\(?\d(?:[\d\s()-]|\.(?=\d)){8,}\d(?!\w|\.\d)")
# "64483 64484" is a list of 5-digit CPT codes, not a phone number.
_CODE_LIST_RE = re.compile(r"\d{5}(?: \d{5})+")
# North American numbers: exchange and area code start with 2-9, so 1-2-3 level lists never match.
_NANP_RE = re.compile(
    rf"{_START}(?:\+?1(?:{_SEP})?)?(?:\(\s?[2-9]\d\d\s?\)\s?|[2-9]\d\d{_SEP})[2-9]\d\d{_SEP}\d{{4}}"
    rf"{_END}(?!\s?{_UNIT})",
    _I,
)
# +13125550142: the plus sign makes a bare run of digits a phone number.
_PLUS_PHONE_RE = re.compile(r"(?<![\w+])\+\d{10,15}(?!\d)")
# A seven-digit local number: 555-0142, 555 0142.
_LOCAL_PHONE_RE = re.compile(rf"{_START}[2-9]\d\d{_SEP}\d{{4}}{_END}(?!\s?{_UNIT})", _I)

# --- social security number ---------------------------------------------------------------------

_SSN_RE = re.compile(rf"{_START}\d{{3}}{_SEP}\d\d{_SEP}\d{{4}}{_END}(?!\s?{_UNIT})", _I)
_SSN_LABEL_RE = re.compile(
    r"\b(?:ssn|s\.s\.n\b\.?|social\s+security(?:\s+(?:number|no\b\.?|#))?)\W{0,4}(?:\d|x{3})", _I
)

# --- record numbers -----------------------------------------------------------------------------

_DIGIT_RUN_RE = re.compile(r"\d{6,}")
# What may sit between a label and its number: "MRN: 482133", "record no. 4821", "mrn#4821".
_TAIL = r"\s?(?:(?:#|no\b\.?|num\b\.?|number|nr\b\.?|:|=|-)\s?)*"
_NO_LETTER = r"(?![^\W\d_])"  # the label may touch its number (MRN4821) but not another letter
_MRN_LABEL_RE = re.compile(
    r"(?:"
    rf"\bm\.?r\.?n{_NO_LETTER}\.?{_TAIL}\d"
    rf"|\bmr\s?(?:#|no\b\.?|number){_TAIL}\d"
    rf"|\b(?:medical\s)?record{_NO_LETTER}{_TAIL}\d{{3,}}"
    rf"|\b(?:acct|account|a/c|csn|fin|patient\sid|pt\.?\s?id){_NO_LETTER}\.?{_TAIL}\d{{3,}}"
    rf"|\b(?:id|encounter)\b\.?{_TAIL}\d{{3,}}"
    # "ACC 2026", "NHS 2026 guidance" and "chart 2026" are not record numbers without a "no."
    rf"|\b(?:chart|visit|hospital|nhs)\s?(?:#|no\b\.?|number){_TAIL}\d{{3,}}"
    r"|#\s?\d{3,}"
    rf")\d*(?!\d|\.\d)(?!\s?{_UNIT})",
    _I,
)

# --- dates of birth -----------------------------------------------------------------------------

_NUMERIC_DATE_RE = re.compile(
    r"(?<![\w.,:-])(\d{1,4})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{1,4})(?![\w-]|\.\d)"
)
# 03 14 1961, 1961 03 14: only with a four-digit year, spaces alone are too common otherwise.
_SPACED_DATE_RE = re.compile(
    r"(?<![\w.,:/-])(?:(\d{1,2}) (\d{1,2}) ((?:19|20)\d\d)|((?:19|20)\d\d) (\d{1,2}) (\d{1,2}))"
    r"(?![\w]|[.,:/-]\d)"
)
_TEXT_DATE_RES = (
    # 14 Mar 1962, 14th of March, 1962, 14-Mar-62
    re.compile(
        rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s?(?:of\s)?{_MONTHS}\.?,?\s?(?:\d{{4}}|'\d\d)\b"
        rf"|\b\d{{1,2}}[-/]{_MONTHS}[-/](?:\d{{4}}|\d\d)\b",
        _I,
    ),
    # March 14, 1962 / Mar 14th 1962
    re.compile(rf"\b{_MONTHS}\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s(?:\d{{4}}|'\d\d)\b", _I),
)
_BIRTH_LABEL_RE = re.compile(
    # DOB / d.o.b. / date of birth / year of birth followed by anything date-like.
    rf"\b(?:d\.?o\.?b\b\.?|date\sof\sbirth|birth\s?date|year\sof\sbirth|y\.?o\.?b\b\.?)"
    rf"\W{{0,4}}(?:\d|{_MONTHS}\b)"
    # born March 1961 / born in 1961 / born 3/14/61 / born 14 March
    rf"|\bborn(?:\s(?:on|in))?,?\s?(?:{_MONTHS}\b|(?:19|20)\d\d\b|\d{{1,2}}\s?[\s/.-]\s?\d"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s(?:of\s)?{_MONTHS}\b)",
    _I,
)

# --- names --------------------------------------------------------------------------------------

_TITLE_NAME_RE = re.compile(rf"(?<![\w.])(mr|mrs|ms|miss|mx|mister)\b(\.?)\s?({_WORD})", _I)
_NOT_A_UNIT_TITLE_RE = re.compile(r"\d\s?$")  # "90 ms. Then ..." is milliseconds
_PATIENT_THEN_NAME_RE = re.compile(
    rf"\b(?:patient|pt|pts|client)(?:'s)?(?:\sname)?\b\.?\s?[:,-]?\s?"
    rf"(?:(?:is|was|named|called)\s)?({_WORD}) ({_WORD})",
    _I,
)
_NAME_POSSESSIVE_RE = re.compile(
    rf"(?<![\w'-])({_WORD}) ({_WORD})'s?\s"
    # Only nouns that belong to a patient: "Boston Children's pain service" and "Johns Hopkins'
    # block" are institutions.
    r"(?:epidural|injection|procedure|surgery|ablation"
    r"|history|family|wife|husband|partner|daughter|son|mother|father|chart|record|mrn|dob|consent"
    r"|labs|scan|mri|imaging|catheter|pump|stimulator|back|neck|knee|hip|shoulder|spine|visit"
    r"|appointment|admission|diagnosis|symptoms|medications?)\b",
    _I,
)
_NAME_THEN_PATIENT_RE = re.compile(
    rf"(?<![\w'-])({_WORD}) ({_WORD}),?\s(?:tolerated|underwent|consented|complained"
    r"|\d{1,3}\s?(?:-?\s?(?:year|yr)s?\s?-?\s?old|yo\b|y/o|y\.o\b))",
    _I,
)
_COLLEAGUE_BEFORE_RE = re.compile(
    r"\b(?:dr|doctor|prof|professor|fellow|attending|resident|nurse|rn|np|pa|crna|faculty)\.?\s?$",
    _I,
)
# Capitalised words that are clinical or teaching vocabulary, not names.
_NOT_NAMES = _words(
    (
        "a an and or of in on at to for with without no not this that these those then than",
        "today it he she they we i is was be has had have the my our his her their your all any",
        "some very well good excellent great fair poor needs needed more less after before",
        "during while next first second third last new old acute chronic pain service services",
        "clinic clinics team teams unit units hospital center centre department dept club",
        "journal rounds grand conference session sessions lecture workshop rotation rotations",
        "block blocks nerve nerves plexus epidural spinal injection injections procedure",
        "procedures regional anesthesia anaesthesia anesthesiology medicine surgery",
        "interventional program programme fellowship fellow fellows faculty resident residents",
        "attending nurse nurses clinical case cases review reviews trial study studies research",
        "left right bilateral lumbar cervical thoracic sacral caudal facet medial branch",
        "radiofrequency ablation ultrasound fluoroscopy fluoroscopic guided ct mri room suite",
        "ward bed icu pacu ed emergency patient patients pt pts tolerated positioned prone",
        "supine sitting seated lateral sedation consent consented contrast steroid local",
        "stimulation stimulator trial pump catheter intrathecal sympathetic stellate ganglion",
        "genicular sacroiliac joint joints transforaminal interlaminar kyphoplasty",
        "vertebroplasty discography botox trigger point points peripheral neuromodulation",
        "palliative cancer headache migraine neuropathic musculoskeletal sports spine back neck",
        "knee hip shoulder pelvic abdominal ward outpatient inpatient simulation sim lab skills",
        "quality improvement morbidity mortality m&m wellness orientation board boards exam",
        "exams ite milestone milestones ccc evaluation evaluations feedback deadline deadlines",
        "meeting meetings committee academic year semester quarter week weeks month months day",
        "days monday tuesday wednesday thursday friday saturday sunday january february march",
        "april may june july august september october november december north south east west",
        "general annual spring summer autumn fall winter children women men saint st",
        "safety experience survey reported outcomes outcome controlled analgesia education",
        "satisfaction centered centred care advocacy portal selection positioning",
    )
)
# Words that follow MS/MR without being a name (MS Contin, MR imaging, MS patient).
_NOT_NAMES_AFTER_TITLE = _NOT_NAMES | _words(
    (
        "contin ir er sr imaging angiography angiogram arthrogram arthrography enterography",
        "neurography venography spectroscopy elastography conditional compatible safe unsafe",
        "scan scanner sequence sequences findings diagnosis dx history hx symptoms flare flares",
        "relapse relapses lesion lesions",
    )
)

# --- addresses ----------------------------------------------------------------------------------

_STREET_TYPES = _words(
    (
        "Street St Avenue Ave Av Road Rd Boulevard Blvd Lane Ln Drive Dr Court Ct Place Pl Way",
        "Terrace Ter Parkway Pkwy Highway Hwy Circle Cir Square Sq Trail Trl Crescent Cres",
        "Close Alley Row Plaza",
    )
)
# Title case or lower case, plus capitals for the long forms only: CT, ST and DR in capitals are
# a scan, an ST segment and a doctor.
_STREET_TYPE = "|".join(
    sorted(
        {form for t in _STREET_TYPES for form in (t, t.lower())}
        | {t.upper() for t in _STREET_TYPES if len(t) > 3},
        key=len,
        reverse=True,
    )
)
_STREET_RE = re.compile(
    rf"(?<![\w.,:/-])\d{{1,6}}[A-Za-z]?\s(?:(?:[NSEW]|North|South|East|West|NE|NW|SE|SW)\.?\s)?"
    rf"(?:(?:[A-Z][\w'-]*|\d+(?:st|nd|rd|th))\s){{1,3}}(?:{_STREET_TYPE})\b"
    # "Week 2 Regional Anesthesia Dr. Okafor": Dr or St before a name is a doctor or a saint.
    r"(?!(?<=Dr|St|dr|st)\.?\s[A-Z])"
)
_UNIT_ADDRESS_RE = re.compile(
    r"\b(?:apt|apartment)\b\.?\s?(?:#|no\b\.?)?\s?\d+[a-z]?\b|\bp\.?\s?o\.?\s?box\s?\d+", _I
)
_STATES = _words(
    (
        "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV",
        "NH NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY",
    )
)
# State codes that are also clinical abbreviations (CT scan, OR, PA, MS, LA local anaesthetic...)
# count only after a comma or a capitalised city.
_AMBIGUOUS_STATES = _words(("AL CA CO CT DE ID IN LA MA MD ME MI MO MS NE OH OK OR PA PR SC VA",))
_ZIP = r"\d{5}(?:-\d{4})?(?![\w]|[.,:/-]\d)"
_STATE_ZIP_RE = re.compile(
    rf"(?<![\w])(,\s?|[A-Z][a-z]+\s)?({'|'.join(sorted(_STATES))})\.?\s?{_ZIP}"
)
_CITY_ZIP_RE = re.compile(rf"(?<![\w])([A-Z][a-z]{{2,}}),?\s{_ZIP}(?!\s?{_UNIT})")
# Words that put a 5-digit number in a work context (a pager, a code, a study), not an address.
_NOT_CITIES = _NOT_NAMES | _words(
    (
        "cpt code codes pager beeper ext extension box version cohort class grant protocol irb",
        "nct study trial billing billed level levels number no",
    )
)
_ZIP_PLUS_FOUR_RE = re.compile(rf"{_START}\d{{5}}-\d{{4}}{_END}")
# Clinical words often put before a code: "Transforaminal 64483", "Kyphoplasty 22513".
_CLINICAL_ENDINGS = (
    "al",
    "ar",
    "ic",
    "tion",
    "sion",
    "plasty",
    "ectomy",
    "otomy",
    "graphy",
    "gram",
)


# --- the screen ---------------------------------------------------------------------------------


def identifier_problems(text: str) -> list[str]:
    """Plain-language reasons why ``text`` may identify a patient; empty when it looks safe.

    Each reason appears at most once, in a fixed order.
    """
    text = normalise(text)
    if not text:
        return []
    checks = (
        (EMAIL, _looks_like_email),
        (PHONE, _looks_like_phone),
        (SSN, _looks_like_ssn),
        (MRN_LABEL, _MRN_LABEL_RE.search),
        (MRN_RUN, _looks_like_digit_run),
        (BIRTH_DATE, _looks_like_birth_date),
        (NAME, _looks_like_name),
        (ADDRESS, _looks_like_address),
    )
    problems = [message for message, check in checks if check(text)]
    if MRN_LABEL in problems and MRN_RUN in problems:
        problems.remove(MRN_RUN)  # the same number, explained once
    return problems


def _looks_like_email(text: str) -> bool:
    return bool(_EMAIL_RE.search(text)) or any(p.search(text) for p in _OBFUSCATED_EMAIL_RES)


def _looks_like_phone(text: str) -> bool:
    if _NANP_RE.search(text) or _LOCAL_PHONE_RE.search(text) or _PLUS_PHONE_RE.search(text):
        return True
    for match in _PHONE_RUN_RE.finditer(text):
        candidate = match.group(0).strip()
        digits = re.sub(r"\D", "", candidate)
        has_separator = bool(re.search(r"[\s().-]", candidate))
        if (
            10 <= len(digits) <= 15
            and has_separator
            and not _NUMERIC_DATE_RE.fullmatch(candidate)
            and not _CODE_LIST_RE.fullmatch(candidate)
        ):
            return True
    return False


def _looks_like_ssn(text: str) -> bool:
    return bool(_SSN_RE.search(text) or _SSN_LABEL_RE.search(text))


def _looks_like_digit_run(text: str) -> bool:
    return bool(_DIGIT_RUN_RE.search(_EMAIL_STRIP_RE.sub(" ", text)))


def _looks_like_birth_date(text: str) -> bool:
    if _BIRTH_LABEL_RE.search(text) or any(p.search(text) for p in _TEXT_DATE_RES):
        return True
    for match in _NUMERIC_DATE_RE.finditer(text):
        first, _, middle, last = match.groups()
        if _plausible_date(first, middle, last):
            return True
    for match in _SPACED_DATE_RE.finditer(text):
        day_first = match.group(1, 2, 3)
        first, middle, last = day_first if day_first[0] else match.group(4, 5, 6)
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


def _looks_like_name(text: str) -> bool:
    for match in _TITLE_NAME_RE.finditer(text):
        title, dot, word = match.groups()
        if word.lower() in _NOT_NAMES_AFTER_TITLE:
            continue
        if _NOT_A_UNIT_TITLE_RE.search(_just_before(text, match)):
            continue
        if title.islower() and not dot:
            continue  # "miss", "ms" and "mr" in lower case without a dot are words or units
        if word[0].isupper() or dot:
            return True
    for pattern in (_PATIENT_THEN_NAME_RE, _NAME_POSSESSIVE_RE, _NAME_THEN_PATIENT_RE):
        for match in pattern.finditer(text):
            if not all(_is_name_word(word) for word in match.groups()):
                continue
            if pattern is not _PATIENT_THEN_NAME_RE and _COLLEAGUE_BEFORE_RE.search(
                _just_before(text, match)
            ):
                continue  # "Dr. John Okafor's block" names a colleague
            return True
    return False


def _just_before(text: str, match: re.Match) -> str:
    # A short window, so a text full of titles stays linear to screen.
    return text[max(0, match.start() - 16) : match.start()]


def _is_name_word(word: str) -> bool:
    """Capitalised, not all capitals (CT, NRS) and not clinical vocabulary."""
    return word[0].isupper() and any(c.islower() for c in word) and word.lower() not in _NOT_NAMES


def _looks_like_address(text: str) -> bool:
    if _STREET_RE.search(text) or _UNIT_ADDRESS_RE.search(text):
        return True
    if _ZIP_PLUS_FOUR_RE.search(text):
        return True
    for match in _STATE_ZIP_RE.finditer(text):
        before, state = match.groups()
        if state not in _AMBIGUOUS_STATES or (
            before and (before.startswith(",") or before.strip().lower() not in _NOT_NAMES)
        ):
            return True
    for match in _CITY_ZIP_RE.finditer(text):
        city = match.group(1).lower()
        if city not in _NOT_CITIES and not city.endswith(_CLINICAL_ENDINGS):
            return True
    return False
