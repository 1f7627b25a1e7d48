import pytest

from procedures.phi import BIRTH_DATE, EMAIL, MRN_LABEL, MRN_RUN, NAME, PHONE, identifier_problems

SAFE = [
    "",
    "   ",
    "L4-L5 right, 3 mL 0.25% bupivacaine",
    "good spread, no paresthesia",
    "T12-L1 and L5-S1, 80 mg triamcinolone",
    "C5-6, 20G Tuohy, 2 x 1.5 mL",
    "C5-C6-C7 medial branches",
    "10 mg/2 mL dexamethasone",
    "0.5-1.0 mL per level",
    "1/2 strength contrast",
    "took 3-4 attempts",
    "needle #22, 3.5 inch",
    "MS patient, anxious, vasovagal resolved",
    "ratio 1:1, 12.5-25 mg",
    "RFA 80 C for 90 s, 2 cycles",
    "Dr. Okafor took over for the second level",
]


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_notes_pass(text):
    assert identifier_problems(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("MRN 12345678", MRN_LABEL),
        ("mrn:1234", MRN_LABEL),
        ("record 4455", MRN_LABEL),
        ("medical record no. 99812", MRN_LABEL),
        ("#123456", MRN_LABEL),
        ("pt 1234567 tolerated well", MRN_RUN),
        ("acct 000123", MRN_RUN),
        ("03/14/1962", BIRTH_DATE),
        ("DOB 14/3/1962", BIRTH_DATE),
        ("3/14/62", BIRTH_DATE),
        ("1962-03-14", BIRTH_DATE),
        ("14.03.1962", BIRTH_DATE),
        ("14 Mar 1962", BIRTH_DATE),
        ("born 14th of March 1962", BIRTH_DATE),
        ("March 14, 1962", BIRTH_DATE),
        ("(312) 555-0142", PHONE),
        ("call 312-555-0142", PHONE),
        ("+1 312 555 0142", PHONE),
        ("312.555.0142", PHONE),
        ("jane.doe@example.org", EMAIL),
        ("Mr. Smith, L4-L5", NAME),
        ("Mrs Jones tolerated it", NAME),
        ("Ms. O'Brien", NAME),
    ],
)
def test_identifier_like_text_is_refused_with_its_reason(text, message):
    assert message in identifier_problems(text)


def test_messages_say_why_and_that_notes_must_not_identify_a_patient():
    (message,) = identifier_problems("pt 1234567")
    assert "medical record number" in message
    assert "6 or more digits" in message
    assert "Notes must never identify a patient." in message


def test_several_problems_are_all_reported():
    problems = identifier_problems("Mr. Smith 03/14/1962 jane@example.org")
    assert {NAME, BIRTH_DATE, EMAIL} <= set(problems)


def test_an_mrn_with_its_label_is_reported_once():
    assert identifier_problems("MRN 12345678") == [MRN_LABEL]
