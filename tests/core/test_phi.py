# ruff: noqa: RUF001 -- look-alike characters (full-width, en dashes) are what is tested

import time

import pytest

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
    normalise,
)

MESSAGES = (MRN_RUN, MRN_LABEL, SSN, BIRTH_DATE, PHONE, EMAIL, NAME, ADDRESS)

SAFE = [
    "",
    "   ",
    # spine levels
    "L4-L5 right, 3 mL 0.25% bupivacaine",
    "L4-5",
    "T12-L1 and L5-S1, 80 mg triamcinolone",
    "T12–L1 and L5–S1 with en dashes",
    "C7, T12 and S1",
    "C5-6, 20G Tuohy, 2 x 1.5 mL",
    "C5-C6-C7 medial branches",
    # doses
    "3 mL 0.25% bupivacaine",
    "40 mg triamcinolone",
    "1:200,000 epinephrine",
    "10 mg/kg",
    "10 mg/2 mL dexamethasone",
    "0.5-1.0 mL per level",
    "acetaminophen 500-1000 mg",
    "ratio 1:1, 12.5-25 mg",
    "1/2 strength contrast",
    # codes, scores, gauges, counts
    "CPT 64483",
    "64483",
    "Transforaminal 64483, 64484",
    "NRS 7/10",
    "VAS 8/10 after, 3/10 before",
    "3/4 of the needle",
    "22 G 3.5 inch",
    "needle #22, 3.5 inch",
    "took 3-4 attempts",
    "RFA 80 C for 90 s, 2 cycles",
    # durations, ages, times, years
    "45 min",
    "2 h",
    "q3 nights",
    "62-year-old",
    "age band 60-69",
    "07:30-09:00",
    "2026-2027 academic year",
    "PGY-5",
    "record 120 mmHg",
    # names of rotations, sessions and places of work
    "Acute pain service",
    "Acute Pain Service",
    "Journal club: SPRINT trial",
    "Room 4",
    "Suite 200",
    "3 level CT guided",
    "ST elevation resolved",
    # clinical words that look like titles
    "MS patient, anxious, vasovagal resolved",
    "MS Contin 30 mg",
    "MR imaging reviewed",
    "did not miss Journal club",
    "90 ms. Then a second cycle",
    # colleagues
    "Dr. Okafor took over for the second level",
    "Dr. John Okafor's block went well",
    "Attending Jane Lee was excellent",
    # institutions and session titles that start like a name
    "Boston Children's pain service",
    "Johns Hopkins' block schedule",
    "Patient Controlled Analgesia lecture",
    "Patient Safety Conference",
    "Week 2 Regional Anesthesia Dr. Okafor",
    "Pager 54321",
    "ACC 2026 and NHS 2026 guidance",
    # teaching narratives
    "Good ultrasound scanning of the lumbar plexus; needle visualisation improved after feedback.",
    "seen at clinic. Next visit in 2 weeks",
    "injected at 0.5 mL increments",
]


@pytest.mark.parametrize("text", SAFE)
def test_ordinary_clinical_text_passes(text):
    assert identifier_problems(text) == []


CAUGHT = [
    # record numbers
    ("MRN 12345678", MRN_LABEL),
    ("mrn:1234", MRN_LABEL),
    ("M.R.N. 482-133", MRN_LABEL),
    ("MRN: 482133", MRN_LABEL),
    ("mrn#4821", MRN_LABEL),
    ("MRN ４８２１３３", MRN_LABEL),
    ("record 4455", MRN_LABEL),
    ("record no. 4821", MRN_LABEL),
    ("medical record no. 99812", MRN_LABEL),
    ("acct 55123", MRN_LABEL),
    ("acct 000123", MRN_LABEL),
    ("NHS number 4857773456", MRN_LABEL),
    ("#48213", MRN_LABEL),
    ("#123456", MRN_LABEL),
    ("pt 1234567 tolerated well", MRN_RUN),
    ("pt １２３４５６７", MRN_RUN),
    # social security numbers
    ("SSN 123-45-6789", SSN),
    ("123-45-6789", SSN),
    ("123 45 6789", SSN),
    ("123–45–6789", SSN),
    ("ssn: xxx-xx-6789", SSN),
    # dates of birth
    ("03/14/1962", BIRTH_DATE),
    ("DOB 14/3/1962", BIRTH_DATE),
    ("3/14/62", BIRTH_DATE),
    ("1962-03-14", BIRTH_DATE),
    ("1962–03–14", BIRTH_DATE),
    ("14.03.1962", BIRTH_DATE),
    ("14 Mar 1962", BIRTH_DATE),
    ("14-Mar-62", BIRTH_DATE),
    ("born 14th of March 1962", BIRTH_DATE),
    ("March 14, 1962", BIRTH_DATE),
    ("DOB: 03 14 1961", BIRTH_DATE),
    ("03 14 1961", BIRTH_DATE),
    ("DOB 3/14/61", BIRTH_DATE),
    ("born March 1961", BIRTH_DATE),
    ("born in 1961", BIRTH_DATE),
    ("d.o.b. 3-14-61", BIRTH_DATE),
    # phones
    ("(312) 555-0142", PHONE),
    ("call 312-555-0142", PHONE),
    ("call 312–555–0142", PHONE),
    ("+1 312 555 0142", PHONE),
    ("+13125550142", PHONE),
    ("312.555.0142", PHONE),
    ("312/555/0142", PHONE),
    ("312_555_0142", PHONE),
    ("555-0142", PHONE),
    ("555 0142", PHONE),
    ("+44 20 7946 0958", PHONE),
    # emails
    ("jane.doe@example.org", EMAIL),
    ("jane＠example.org", EMAIL),
    ("jane at example dot com", EMAIL),
    ("jane [at] example [dot] com", EMAIL),
    ("jane(at)example.org", EMAIL),
    # names
    ("Mr. Smith, L4-L5", NAME),
    ("MR. SMITH", NAME),
    ("mr. smith", NAME),
    ("Mrs Jones tolerated it", NAME),
    ("Ms. O'Brien", NAME),
    ("Ms. O’Brien", NAME),
    ("Ms. Ávila", NAME),
    ("Mx Taylor", NAME),
    ("Miss Lopez", NAME),
    ("patient John Smith", NAME),
    ("pt Maria Lopez", NAME),
    ("patient's name is Ana Lima", NAME),
    ("John Smith's epidural", NAME),
    ("John Smith tolerated the block", NAME),
    ("John Smith, 62-year-old", NAME),
    # addresses
    ("12 Elm Street", ADDRESS),
    ("4410 N. Broadway Ave", ADDRESS),
    ("Apt 4B", ADDRESS),
    ("PO Box 12", ADDRESS),
    ("IL 60614", ADDRESS),
    ("Chicago, IL 60614", ADDRESS),
    ("Chicago 60614", ADDRESS),
    ("60614-1234", ADDRESS),
]


@pytest.mark.parametrize(("text", "message"), CAUGHT)
def test_identifier_like_text_is_refused_with_its_reason(text, message):
    assert message in identifier_problems(text)


def test_messages_are_field_neutral_and_say_why():
    (message,) = identifier_problems("pt 1234567")
    assert "medical record number" in message
    assert "6 or more digits" in message
    assert "Text here must never identify a patient." in message
    for message in MESSAGES:
        assert "identify a patient" in message
        assert "note" not in message.lower()


@pytest.mark.parametrize(
    ("message", "words"),
    [
        (MRN_RUN, "medical record number"),
        (MRN_LABEL, "medical record number"),
        (SSN, "social security number"),
        (BIRTH_DATE, "date of birth"),
        (PHONE, "phone number"),
        (EMAIL, "email address"),
        (NAME, "patient's name"),
        (ADDRESS, "address"),
    ],
)
def test_each_message_names_what_it_found(message, words):
    # Views and other tests look for these words.
    assert words in message
    assert "looks like it contains" in message


def test_several_problems_are_all_reported():
    problems = identifier_problems("Mr. Smith 03/14/1962 jane@example.org")
    assert {NAME, BIRTH_DATE, EMAIL} <= set(problems)


def test_an_mrn_with_its_label_is_reported_once():
    assert identifier_problems("MRN 12345678") == [MRN_LABEL]


def test_each_message_appears_at_most_once():
    text = "555-0142, 555-0199, Mr. Smith and Mrs. Jones, 12 Elm Street and 14 Oak Ave"
    problems = identifier_problems(text)
    assert sorted(problems) == sorted(set(problems))
    assert {PHONE, NAME, ADDRESS} <= set(problems)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jane＠example．org", "jane@example.org"),
        ("３１２－５５５－０１４２", "312-555-0142"),
        ("312–555—0142", "312-555-0142"),
        ("10 − 2", "10 - 2"),
        ("555_0142", "555-0142"),
        ("snake_case_name", "snake_case_name"),
        ("7/10", "7/10"),
        ("  a \t\n  b\u00a0c  ", "a b c"),
        ("48\u200b21\u00ad33", "482133"),
        ("O’Brien", "O'Brien"),
        ("٤٨٢١٣٣", "482133"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a-" * 5000,
        "x" * 5000 + " 1 2 3" * 300,
        "Dr. John Smith's block " * 400,
        "5 ms. Then " * 1000,
        "1 " * 5000,
        "jane at example dot " * 500,
    ],
)
def test_long_hostile_text_is_screened_in_linear_time(text):
    # The screen runs on every save of ~30 fields, some typed by people outside the program;
    # a pattern that backtracks over its input would hang the request.
    started = time.perf_counter()
    identifier_problems(text)
    assert time.perf_counter() - started < 1.0
