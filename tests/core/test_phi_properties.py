"""Property-based checks of the identifier screen.

Identifiers are generated with random digits, any of the separators people type (dashes of every
kind, spaces, slashes, underscores, dots), title and case variants and full-width forms, then put
between ordinary clinical words: every one must be caught with its reason. Clinical phrases
(spine levels, doses, durations, CPT codes, scores, times) composed the same way must all pass.
"""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from core.phi import (
    ADDRESS,
    BIRTH_DATE,
    EMAIL,
    MRN_LABEL,
    MRN_RUN,
    NAME,
    PHONE,
    SSN,
    identifier_problems,
)

# No example database: the working tree is shared and the screen is fast enough to search afresh.
FAST = settings(max_examples=150, deadline=None, database=None)

DASHES = ["-", "\u2010", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"]
SEPARATORS = [*DASHES, " ", "/", "_", "."]

# Words around an identifier. None ends in a digit or starts with a unit, which would make the
# identifier part of a dose ("555-0142 min") rather than hide it.
BEFORE = [
    "",
    "note:",
    "after L4-L5 injection",
    "good spread, no paresthesia;",
    "Acute pain service follow-up",
    "reason for delay:",
    "3 mL 0.25% bupivacaine, then",
    "Journal club discussion of",
]
AFTER = ["", "tolerated well", "- see above", ", right side", "; needle visualisation good", "."]


def digits(n: int, first: str = string.digits) -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(first), st.text(string.digits, min_size=n - 1, max_size=n - 1)
    ).map("".join)


def full_width(text: str) -> str:
    """The text in full-width forms (U+FF01..U+FF5E, ideographic space), as some keyboards type."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


def in_context(identifier: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(
        st.sampled_from(BEFORE),
        identifier,
        st.sampled_from(AFTER),
        st.booleans(),
    ).map(lambda t: " ".join(part for part in (t[0], full_width(t[1]) if t[3] else t[1], t[2])))


sep = st.sampled_from(SEPARATORS)

nanp_phones = st.tuples(
    st.sampled_from(["", "+1 ", "1-", "+1"]),
    digits(3, "23456789"),
    sep,
    digits(3, "23456789"),
    sep,
    digits(4),
).map("".join)
bracket_phones = st.tuples(digits(3, "23456789"), digits(3, "23456789"), sep, digits(4)).map(
    lambda t: f"({t[0]}) {t[1]}{t[2]}{t[3]}"
)
local_phones = st.tuples(digits(3, "23456789"), sep, digits(4)).map("".join)

ssns = st.tuples(
    st.sampled_from(["", "SSN ", "ssn: ", "S.S.N. "]), digits(3), sep, digits(2), sep, digits(4)
).map("".join)

mrn_labels = st.tuples(
    st.sampled_from(
        [
            "MRN",
            "mrn",
            "Mrn",
            "M.R.N.",
            "m.r.n.",
            "MRN:",
            "MRN#",
            "mrn #",
            "MR#",
            "record no.",
            "Record number",
            "medical record",
            "acct",
            "Acct.",
            "account #",
            "chart #",
            "#",
        ]
    ),
    st.sampled_from(["", " "]),
    digits(3),
    st.sampled_from(["", "-", "\u2013"]),
    st.text(string.digits, min_size=1, max_size=5),
).map("".join)
digit_runs = digits(6).flatmap(lambda d: st.text(string.digits, max_size=4).map(d.__add__))

months = st.integers(1, 12)
days = st.integers(1, 28)
years = st.integers(1920, 2009)
month_names = st.sampled_from(["Jan", "March", "Apr.", "sept", "October", "DEC"])
numeric_dates = st.tuples(
    months, days, years, st.sampled_from(["/", "-", "\u2013", ".", " "]), st.booleans()
).map(lambda t: f"{t[0]:02}{t[3]}{t[1]:02}{t[3]}{t[2] if t[4] or t[3] == ' ' else t[2] % 100:02}")
labelled_dates = st.one_of(
    st.tuples(
        st.sampled_from(["DOB", "DOB:", "dob", "d.o.b.", "D.O.B", "date of birth", "born"]),
        st.one_of(
            numeric_dates,
            st.tuples(month_names, years).map(lambda t: f"{t[0]} {t[1]}"),
            st.tuples(days, month_names, years).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        ),
    ).map(" ".join),
    st.tuples(st.sampled_from(["born", "born in", "Born in", "year of birth"]), years).map(
        lambda t: f"{t[0]} {t[1]}"
    ),
    numeric_dates.filter(lambda d: len(d) == 10),  # a full date with a four-digit year
    st.tuples(days, month_names, years).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
)

emails = st.tuples(
    st.text(string.ascii_lowercase, min_size=1, max_size=8),
    st.sampled_from(["", ".", "_"]),
    st.text(string.ascii_lowercase, min_size=1, max_size=8),
    st.sampled_from(["@", "\uff20", " at ", " AT ", " [at] ", "(at)", " (at) "]),
    st.text(string.ascii_lowercase, min_size=2, max_size=10),
    st.sampled_from([".", " dot ", " [dot] ", "\uff0e"]),
    st.sampled_from(["com", "org", "net", "edu"]),
).map("".join)

SURNAMES = ["Smith", "Okonkwo", "Ávila", "Müller", "Nguyễn", "O'Brien", "O\u2019Brien", "Lopez"]
FIRST_NAMES = ["John", "Maria", "Ana", "Łukasz", "Zoë", "Tariq", "Grace"]
titled_names = st.tuples(
    st.sampled_from(["Mr", "Mrs", "Ms", "Miss", "Mx"]),
    st.sampled_from([str.title, str.upper, str.lower]),
    st.booleans(),
    st.sampled_from(SURNAMES),
    st.sampled_from([str, str.upper]),
).map(
    # A title in lower case without a dot is a word ("miss", "ms" for milliseconds): not generated.
    lambda t: f"{t[1](t[0])}{'.' if t[2] or t[1] is str.lower else ''} {t[4](t[3])}"
)
untitled_names = st.tuples(
    st.sampled_from(FIRST_NAMES),
    st.sampled_from(SURNAMES),
    st.sampled_from(
        [
            "patient {} {}",
            "Patient: {} {}",
            "pt {} {}",
            "pt. {} {}",
            "patient's name is {} {}",
            "{} {}'s epidural",
            "{} {}'s injection",
            "{} {} tolerated the block",
            "{} {}, 62-year-old",
        ]
    ),
).map(lambda t: t[2].format(t[0], t[1]))

STREETS = ["Elm", "Oak", "Broadway", "Martin Luther King", "5th", "Lake Shore"]
STREET_TYPES = ["Street", "St", "St.", "Avenue", "Ave", "Road", "Rd", "Blvd", "Lane", "Drive", "Dr"]
addresses = st.one_of(
    st.tuples(
        st.integers(1, 99999),
        st.sampled_from(["", "N. ", "S ", "West "]),
        st.sampled_from(STREETS),
        st.sampled_from(STREET_TYPES),
        st.booleans(),
    ).map(lambda t: f"{t[0]} {t[1]}{t[2]} {t[3].lower() if t[4] and len(t[3]) > 3 else t[3]}"),
    st.tuples(st.sampled_from(["Apt", "apt.", "APT", "Apartment"]), st.integers(1, 999)).map(
        lambda t: f"{t[0]} {t[1]}B"
    ),
    st.tuples(st.sampled_from(["IL", "NY", "TX", "FL", "WA"]), digits(5)).map(" ".join),
    st.tuples(st.sampled_from(["Chicago", "Austin", "Denver", "Boston"]), digits(5)).map(
        lambda t: f"{t[0]}, {t[1]}"
    ),
    st.tuples(digits(5), digits(4)).map("-".join),
)

IDENTIFIERS = [
    (PHONE, st.one_of(nanp_phones, bracket_phones, local_phones)),
    (SSN, ssns),
    (MRN_LABEL, mrn_labels),
    (MRN_RUN, digit_runs),
    (BIRTH_DATE, labelled_dates),
    (EMAIL, emails),
    (NAME, st.one_of(titled_names, untitled_names)),
    (ADDRESS, addresses),
]


@FAST
@given(data=st.data())
def test_generated_identifiers_are_caught_with_their_reason(data):
    message, identifier = data.draw(st.sampled_from(IDENTIFIERS))
    text = data.draw(in_context(identifier))
    problems = identifier_problems(text)
    if message == MRN_RUN:
        # A long run of digits may also be read as a labelled number or phone; refused either way.
        assert {MRN_RUN, MRN_LABEL, PHONE} & set(problems), text
    else:
        assert message in problems, text


# --- clinical phrases that must pass ------------------------------------------------------------

REGIONS = {"C": 7, "T": 12, "L": 5, "S": 5}
dash = st.sampled_from(["-", "\u2013", "\u2212"])


@st.composite
def spine_levels(draw):
    region = draw(st.sampled_from(sorted(REGIONS)))
    level = draw(st.integers(1, REGIONS[region]))
    if draw(st.booleans()):
        return f"{region}{level}"
    if level < REGIONS[region]:
        d = draw(dash)
        return draw(
            st.sampled_from(
                [f"{region}{level}{d}{level + 1}", f"{region}{level}{d}{region}{level + 1}"]
            )
        )
    following = {"C": "T", "T": "L", "L": "S", "S": "S"}[region]
    return f"{region}{level}{draw(dash)}{following}1"


doses = st.one_of(
    st.tuples(
        st.sampled_from(["0.5", "1", "1.5", "2", "3", "5", "10", "20"]),
        st.sampled_from(["0.1", "0.2", "0.25", "0.5", "0.75", "1", "2"]),
        st.sampled_from(["bupivacaine", "ropivacaine", "lidocaine"]),
    ).map(lambda t: f"{t[0]} mL {t[1]}% {t[2]}"),
    st.tuples(
        st.integers(1, 120),
        st.sampled_from(["triamcinolone", "dexamethasone", "methylprednisolone"]),
    ).map(lambda t: f"{t[0]} mg {t[1]}"),
    st.integers(1, 20).map(lambda n: f"{n} mg/kg"),
    st.sampled_from(["100,000", "200,000", "400,000"]).map(lambda r: f"1:{r} epinephrine"),
    st.tuples(
        st.integers(1, 999),
        st.integers(1000, 4000),
        dash,
        st.sampled_from(["mg", "mcg", "mL", "units"]),
    ).map(lambda t: f"{t[0]}{t[2]}{t[1]} {t[3]}"),
)
durations = st.one_of(
    st.integers(1, 180).map(lambda n: f"{n} min"),
    st.integers(1, 48).map(lambda n: f"{n} h"),
    st.integers(1, 7).map(lambda n: f"q{n} nights"),
    st.integers(1, 52).map(lambda n: f"{n} weeks"),
)
cpt_codes = st.tuples(
    st.sampled_from(
        ["CPT {}", "{}", "cpt {}", "code {}", "Transforaminal {}", "Facet {}", "Kyphoplasty {}"]
    ),
    digits(5, "123456789"),
).map(lambda t: t[0].format(t[1]))
scores = st.tuples(st.sampled_from(["NRS", "VAS", "pain"]), st.integers(0, 10)).map(
    lambda t: f"{t[0]} {t[1]}/10"
)
others = st.one_of(
    st.tuples(st.integers(18, 27), st.sampled_from(["1.5", "2", "3.5", "5", "6"])).map(
        lambda t: f"{t[0]} G {t[1]} inch"
    ),
    st.integers(18, 99).map(lambda n: f"{n}-year-old"),
    st.integers(2, 9).map(lambda n: f"age band {n}0-{n}9"),
    st.tuples(st.integers(6, 18), st.integers(0, 59), st.integers(1, 4)).map(
        lambda t: f"{t[0]:02}:{t[1]:02}-{t[0] + t[2]:02}:{t[1]:02}"
    ),
    st.integers(2020, 2035).map(lambda y: f"{y}-{y + 1} academic year"),
    st.integers(1, 8).map(lambda n: f"PGY-{n}"),
    st.sampled_from(
        ["3/4 of the needle", "1/2 strength contrast", "2 x 1.5 mL", "Room 4", "Suite 200"]
    ),
)
CLINICAL_WORDS = [
    "good spread",
    "no paresthesia",
    "right",
    "bilateral",
    "after feedback",
    "needle visualisation improved",
    "Acute Pain Service",
    "Journal club: SPRINT trial",
    "MS patient, anxious",
    "Dr. Okafor supervised",
    "fluoroscopy",
    "ultrasound-guided",
]
fragments = st.one_of(
    spine_levels(), doses, durations, cpt_codes, scores, others, st.sampled_from(CLINICAL_WORDS)
)
joiners = st.sampled_from([", ", "; ", " and ", ". ", " then "])


@FAST
@given(st.lists(st.tuples(fragments, joiners), min_size=1, max_size=5))
def test_generated_clinical_phrases_pass(parts):
    text = "".join(fragment + joiner for fragment, joiner in parts[:-1]) + parts[-1][0]
    assert identifier_problems(text) == [], text
