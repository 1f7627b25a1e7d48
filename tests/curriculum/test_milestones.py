"""Milestone files: parsing, every kind of error with its location, export round trips."""

import csv
import datetime
import io

import pytest
import yaml
from django.core.exceptions import ValidationError

from curriculum import milestones
from curriculum.milestones import CompetencyData, MilestoneSetData, SubcompetencyData

LEVELS = tuple(f"Level {level} text." for level in range(1, 6))
SHIPPED_CODES = [
    "PC1",
    "PC2",
    "PC3",
    "PC4",
    "PC5",
    "MK1",
    "MK2",
    "SBP1",
    "SBP2",
    "SBP3",
    "PBLI1",
    "PBLI2",
    "PROF1",
    "PROF2",
    "PROF3",
    "ICS1",
    "ICS2",
    "ICS3",
]


def small_set(*, version: str = "1.0", subcompetencies: int = 2) -> MilestoneSetData:
    """A valid set with awkward text (commas, quotes, colons, newlines) to stress the writers."""
    return MilestoneSetData(
        specialty="Pain Medicine",
        version=version,
        effective_date=datetime.date(2015, 7, 1),
        competencies=(
            CompetencyData(
                code="PC",
                name="Patient Care",
                subcompetencies=tuple(
                    SubcompetencyData(
                        code=f"PC{number}",
                        title=f'Title {number}: "quoted", with commas',
                        summary="Line one;\nline two." if number == 1 else "",
                        seed_domains=("assessment", "interdisciplinary") if number == 1 else (),
                        levels=LEVELS,
                    )
                    for number in range(1, subcompetencies + 1)
                ),
            ),
            CompetencyData(
                code="ICS",
                name="Interpersonal and Communication Skills",
                subcompetencies=(
                    SubcompetencyData("ICS1", "Talks", "yes", ("communication",), LEVELS),
                ),
            ),
        ),
    )


def messages_of(content: str, file_format: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        milestones.parse(content, file_format)
    return caught.value.messages


def as_yaml_document(data: MilestoneSetData) -> dict:
    return yaml.safe_load(milestones.dump_yaml(data))


def test_valid_yaml_parses_into_plain_data():
    content = """
specialty: Pain Medicine
version: "2.0"
effective_date: 2022-07-01
competencies:
  - code: PC
    name: Patient Care
    subcompetencies:
      - code: PC4
        title: Demonstrates Skill in Performing Interventions
        summary: Does procedures safely.
        seed_domains: [interventional]
        levels: {1: one, 2: two, 3: three, 4: four, 5: five}
"""
    data = milestones.parse(content, "yaml")
    assert data.version == "2.0" and data.effective_date == datetime.date(2022, 7, 1)
    (competency,) = data.competencies
    assert competency.code == "PC" and competency.name == "Patient Care"
    (sub,) = competency.subcompetencies
    assert sub.code == "PC4" and sub.seed_domains == ("interventional",)
    assert sub.levels == ("one", "two", "three", "four", "five")


def test_valid_csv_parses_into_plain_data():
    content = (
        "specialty,version,effective_date,competency_code,competency_name,code,title,summary,"
        "seed_domains,level_1,level_2,level_3,level_4,level_5\r\n"
        "Pain Medicine,2.0,2022-07-01,PC,Patient Care,PC3,Plans care,Builds plans,"
        "pharmacology; interdisciplinary,a,b,c,d,e\r\n"
        ",,,,,,,,,,,,,\r\n"  # spreadsheets leave empty rows behind
        "Pain Medicine,2.0,2022-07-01,MK,Medical Knowledge,MK1,Knows,,,a,b,c,d,e\r\n"
    )
    data = milestones.parse("\ufeff" + content, "csv")
    assert data.subcompetency_codes == ["PC3", "MK1"]
    assert data.competencies[0].subcompetencies[0].seed_domains == (
        "pharmacology",
        "interdisciplinary",
    )
    assert data.competencies[1].subcompetencies[0].seed_domains == ()


@pytest.mark.parametrize("file_format", ["yaml", "csv"])
def test_export_then_import_gives_the_same_set(file_format):
    data = small_set()
    exported = milestones.dump(data, file_format)
    assert milestones.parse(exported, file_format) == data
    assert milestones.dump(milestones.parse(exported, file_format), file_format) == exported


def test_yaml_and_csv_describe_the_same_set():
    data = small_set()
    from_yaml = milestones.parse(milestones.dump_yaml(data), "yaml")
    from_csv = milestones.parse(milestones.dump_csv(data), "csv")
    assert from_yaml == from_csv == data


def test_shipped_pain_medicine_set_is_valid_and_complete():
    data = milestones.parse(milestones.default_set_content(), "yaml")
    assert (data.specialty, data.version) == (
        milestones.DEFAULT_SPECIALTY,
        milestones.DEFAULT_VERSION,
    )
    assert data.effective_date == datetime.date(2022, 7, 1)
    assert data.subcompetency_codes == SHIPPED_CODES
    assert [c.code for c in data.competencies] == ["PC", "MK", "SBP", "PBLI", "PROF", "ICS"]
    subs = {sub.code: sub for comp in data.competencies for sub in comp.subcompetencies}
    assert subs["PC3"].seed_domains == ("pharmacology", "interdisciplinary")
    assert subs["ICS2"].seed_domains == ("communication", "interdisciplinary")
    assert subs["SBP1"].seed_domains == ()
    assert all(sub.summary and len(sub.levels) == 5 for sub in subs.values())
    assert "interventions independently" in subs["PC4"].levels[3]


def test_yaml_errors_are_all_reported_with_their_location():
    document = as_yaml_document(small_set())
    document["colour"] = "blue"
    document["version"] = 2.0  # unquoted: YAML makes it a number
    pc1, pc2 = document["competencies"][0]["subcompetencies"]
    pc1["seed_domains"] = ["surgery", "assessment", "assessment"]
    pc1["levels"][6] = "beyond"
    del pc2["levels"][3]
    pc2["code"] = "MK2"
    ics1 = document["competencies"][1]["subcompetencies"][0]
    ics1["code"] = "PC1"
    ics1["title"] = ""
    document["competencies"].append({"code": "pc", "name": "Lower", "subcompetencies": []})

    messages = messages_of(yaml.safe_dump(document), "yaml")

    expected = [
        "top level: unknown key 'colour'",
        'top level: version must be quoted text such as "2.0", not 2.0',
        "subcompetency PC1: seed domain 'surgery' is not one of assessment, interventional, "
        "pharmacology, communication, interdisciplinary",
        "subcompetency PC1: seed domain 'assessment' is listed twice",
        "subcompetency PC1: level 6 is not allowed (levels are 1 to 5)",
        "competency PC, subcompetency 2: subcompetency code 'MK2' must be its competency code "
        "PC followed by a number, such as PC1",
        "subcompetency MK2: level 3 is missing",
        "competency ICS, subcompetency 1: subcompetency code 'PC1' must be its competency code "
        "ICS followed by a number, such as ICS1",
        "subcompetency PC1: title is missing",
        "competency 3: competency code 'pc' must be capital letters, such as PC",
        "competency pc: subcompetencies must be a non-empty list",
        "subcompetency PC1 appears twice",
    ]
    assert messages == expected


def test_yaml_that_is_not_yaml_or_not_a_set():
    assert messages_of("specialty: [unclosed\n", "yaml")[0].startswith("line 2: not valid YAML")
    assert messages_of("- just\n- a list\n", "yaml") == [
        "The file must be a mapping with specialty, version, competencies."
    ]
    assert messages_of("   \n", "yaml") == ["The file is empty."]
    assert set(messages_of("specialty: Pain\n", "yaml")) == {
        "top level: version is missing",
        "top level: effective date is missing",
        "top level: competencies must be a non-empty list",
    }


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([list(milestones.CSV_COLUMNS), *rows])
    return buffer.getvalue()


def csv_row(competency="PC", name="Patient Care", code="PC1", seeds="", version="1.0", **kw):
    levels = [kw.get(f"level_{n}", f"L{n}") for n in range(1, 6)]
    title = kw.get("title", "A title")
    head = ["Pain Medicine", version, "2015-07-01", competency, name, code, title]
    return [*head, "", seeds, *levels]


def test_csv_errors_are_all_reported_with_their_row():
    content = csv_text(
        [
            csv_row(code="PC1"),  # row 2: valid
            csv_row(code="PC2", version="1.1"),
            csv_row(code="PC3", name="Patient Kare", seeds="surgery;assessment"),
            csv_row(code="PC1", competency="PC"),
            csv_row(code="", title="", level_2=""),
        ]
    )
    assert messages_of(content, "csv") == [
        "row 3: version '1.1' differs from '1.0' on row 2",
        "row 4: seed domain 'surgery' is not one of assessment, interventional, pharmacology, "
        "communication, interdisciplinary",
        "row 4: competency PC is named 'Patient Kare' here but 'Patient Care' on row 2",
        "row 6: subcompetency code is missing",
        "row 6: title is missing",
        "row 6: level 2 is missing",
        "subcompetency PC1 appears twice",
    ]


def test_csv_header_problems_are_reported_together():
    messages = messages_of("specialty,version,code,colour\r\nx,y,z,w\r\n", "csv")
    assert messages[0].startswith("row 1: missing column(s): effective_date, competency_code")
    assert messages[1] == "row 1: unknown column 'colour'"
    assert messages_of("\r\n", "csv") == ["The file is empty."]


def test_csv_with_extra_values_and_a_bad_date():
    row = csv_row()
    row[2] = "July 2015"
    assert messages_of(csv_text([[*row, "stray"]]), "csv") == [
        "row 2: 15 values but only 14 columns",
        "row 2: effective date 'July 2015' is not a date such as 2022-07-01",
    ]


def test_limits_and_unknown_format():
    assert messages_of("x" * (milestones.MAX_FILE_BYTES + 1), "yaml") == [
        "The file is larger than 256 KB, the limit for a milestone file."
    ]
    # The cap counts bytes, not characters: "é" is two bytes in UTF-8.
    assert messages_of("é" * (milestones.MAX_FILE_BYTES // 2 + 1), "csv") == [
        "The file is larger than 256 KB, the limit for a milestone file."
    ]
    assert messages_of("a: b", "xml") == ["Unknown file format 'xml' (use yaml or csv)."]
    document = as_yaml_document(small_set(subcompetencies=milestones.MAX_SUBCOMPETENCIES + 1))
    assert messages_of(yaml.safe_dump(document), "yaml") == [
        f"top level: more than {milestones.MAX_SUBCOMPETENCIES} subcompetencies"
    ]
