"""Milestone set files: parse and validate YAML or CSV into plain data, and write them back.

Nothing here touches the database except :func:`milestone_set_to_data`, which reads an already
loaded set. Parsing collects every problem with its location and raises one ``ValidationError``
listing them all, so a director can fix a file in one pass.

YAML shape::

    specialty: Pain Medicine
    version: "2.0"
    effective_date: 2022-07-01
    competencies:
      - code: PC
        name: Patient Care
        subcompetencies:
          - code: PC1
            title: ...
            summary: ...
            seed_domains: [assessment]
            levels: {1: ..., 2: ..., 3: ..., 4: ..., 5: ...}

CSV shape: one row per subcompetency, with the set's specialty, version and effective date
repeated on every row (spreadsheets mangle comment or preamble lines), seed domains separated
by semicolons and one column per level.
"""

import csv
import datetime
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError

from core.csv import spreadsheet_restore, spreadsheet_safe

from .models import Competency, MilestoneSet, Subcompetency

FORMATS = ("yaml", "csv")
# A whole specialty's set is 15-30 KB; the caps keep a hostile file cheap to refuse.
MAX_FILE_BYTES = 256 * 1024
MAX_YAML_DEPTH = 20  # a set nests 7 deep
MAX_YAML_NODES = 10_000  # 200 subcompetencies with every field come to about 6,500
MAX_PROBLEMS = 50  # listed; the rest are counted, so a broken file cannot flood the page
MAX_SHOWN_CHARS = 80  # of a value quoted back in a message
FILE_TOO_LARGE = (
    f"The file is larger than {MAX_FILE_BYTES // 1024} KB, the limit for a milestone file."
)
MAX_COMPETENCIES = 20
MAX_SUBCOMPETENCIES = 200
MAX_SEED_DOMAINS = 10
MAX_TEXT_CHARS = 4000
LEVELS = tuple(range(1, 6))

DEFAULT_SET_PATH = Path(__file__).resolve().parent / "data" / "pain_medicine_milestones_2.0.yaml"
DEFAULT_SPECIALTY = "Pain Medicine"
DEFAULT_VERSION = "2.0"

CSV_COLUMNS = (
    "specialty",
    "version",
    "effective_date",
    "competency_code",
    "competency_name",
    "code",
    "title",
    "summary",
    "seed_domains",
    *(f"level_{level}" for level in LEVELS),
)
SEED_DOMAINS = tuple(Subcompetency.SeedDomain.values)
COMPETENCY_CODE = re.compile(r"^[A-Z]{1,8}$")
SET_KEYS = {"specialty", "version", "effective_date", "competencies"}
COMPETENCY_KEYS = {"code", "name", "subcompetencies"}
SUBCOMPETENCY_KEYS = {"code", "title", "summary", "seed_domains", "levels"}


@dataclass(frozen=True)
class SubcompetencyData:
    code: str
    title: str
    summary: str
    seed_domains: tuple[str, ...]
    levels: tuple[str, ...]  # descriptor text for levels 1 to 5, in order


@dataclass(frozen=True)
class CompetencyData:
    code: str
    name: str
    subcompetencies: tuple[SubcompetencyData, ...]


@dataclass(frozen=True)
class MilestoneSetData:
    specialty: str
    version: str
    effective_date: datetime.date
    competencies: tuple[CompetencyData, ...]

    @property
    def subcompetency_codes(self) -> list[str]:
        return [sub.code for comp in self.competencies for sub in comp.subcompetencies]


def _field_limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


SPECIALTY_MAX = _field_limit(MilestoneSet, "specialty")
VERSION_MAX = _field_limit(MilestoneSet, "version")
COMPETENCY_NAME_MAX = _field_limit(Competency, "name")
CODE_MAX = _field_limit(Subcompetency, "code")
TITLE_MAX = _field_limit(Subcompetency, "title")


def _shown(value) -> str:
    """A value from the file as quoted back in a message: text as is, anything else as its
    repr, cut to ``MAX_SHOWN_CHARS`` so a huge value cannot blow up the error page."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > MAX_SHOWN_CHARS:
        return text[: MAX_SHOWN_CHARS - 1] + "…"
    return text


class _Problems:
    """Collects error messages; each is prefixed with where it was found."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)

    def raise_if_any(self) -> None:
        if len(self.messages) > MAX_PROBLEMS:
            more = len(self.messages) - MAX_PROBLEMS
            raise ValidationError(
                [*self.messages[:MAX_PROBLEMS], f"… and {more} more problems not listed."]
            )
        if self.messages:
            raise ValidationError(self.messages)


class _Refused(Exception):
    """A YAML construct a milestone file may not use; raised while the file is read."""

    def __init__(self, mark, message: str) -> None:
        super().__init__(message)
        self.where = f"line {mark.line + 1}" if mark else ""
        self.message = message


class _MilestoneLoader(yaml.SafeLoader):
    """SafeLoader without anchors and aliases, with a depth and a node budget.

    An alias reuses a node, so a few hundred bytes of nested aliases ("billion laughs") expand
    to gigabytes once constructed. A milestone file has no use for them: refused on sight,
    before anything is expanded. Depth and node caps bound the rest of the work.
    """

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                event.start_mark,
                "YAML anchors and aliases (&name, *name) are not allowed in a milestone file; "
                "write each value out in full",
            )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(event.start_mark, f"the file has more than {MAX_YAML_NODES} values")
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _Refused(event.start_mark, f"nested more than {MAX_YAML_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    # Python refuses some values PyYAML's resolver accepts (2022-13-45, an int of 5,000
    # digits) with a bare ValueError; say which value instead of failing the request.
    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            raise _Refused(
                node.start_mark, f"'{_shown(node.value)}' is not a date such as 2022-07-01"
            ) from None

    def construct_yaml_int(self, node):
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise _Refused(
                node.start_mark, f"the number '{_shown(node.value)}' is too long"
            ) from None


_MilestoneLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _MilestoneLoader.construct_yaml_timestamp
)
_MilestoneLoader.add_constructor("tag:yaml.org,2002:int", _MilestoneLoader.construct_yaml_int)


def _text(problems, where, label, value, *, max_length=MAX_TEXT_CHARS, required=True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(where, f"{label} is missing")
        return ""
    if not isinstance(value, str):
        problems.add(where, f"{label} must be text, not {_shown(value)}")
        return ""
    value = value.strip()
    if len(value) > max_length:
        problems.add(where, f"{label} is longer than {max_length} characters")
    return value


def _date(problems, where, value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(where, "effective date is missing")
        return None
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.add(where, f"effective date '{_shown(value)}' is not a date such as 2022-07-01")
        return None


def _competency_code(problems, where, value) -> str:
    code = _text(problems, where, "competency code", value, max_length=CODE_MAX)
    if code and not COMPETENCY_CODE.match(code):
        problems.add(where, f"competency code '{_shown(code)}' must be capital letters, such as PC")
    return code


def _subcompetency_code(problems, where, value, competency_code: str) -> str:
    code = _text(problems, where, "subcompetency code", value, max_length=CODE_MAX)
    if code and competency_code and not re.fullmatch(rf"{re.escape(competency_code)}\d+", code):
        problems.add(
            where,
            f"subcompetency code '{_shown(code)}' must be its competency code "
            f"{_shown(competency_code)} followed by a number, such as {_shown(competency_code)}1",
        )
    return code


def _seed_domains(problems, where, values) -> tuple[str, ...]:
    if len(values) > MAX_SEED_DOMAINS:
        problems.add(where, f"more than {MAX_SEED_DOMAINS} seed domains")
        return ()
    found: list[str] = []
    for value in values:
        if not isinstance(value, str) or value.strip() not in SEED_DOMAINS:
            problems.add(
                where, f"seed domain '{_shown(value)}' is not one of {', '.join(SEED_DOMAINS)}"
            )
        elif value.strip() in found:
            problems.add(where, f"seed domain '{_shown(value.strip())}' is listed twice")
        else:
            found.append(value.strip())
    return tuple(found)


def _check_set_header(problems, where, specialty, version) -> tuple[str, str]:
    specialty = _text(problems, where, "specialty", specialty, max_length=SPECIALTY_MAX)
    if version is not None and not isinstance(version, str):
        problems.add(where, f'version must be quoted text such as "2.0", not {_shown(version)}')
        return specialty, ""
    version = _text(problems, where, "version", version, max_length=VERSION_MAX)
    return specialty, version


def _check_codes(problems, competencies: list[CompetencyData]) -> None:
    """Codes must be unique within the set; reported once per repeated code."""
    for label, codes in (
        ("competency", [comp.code for comp in competencies]),
        (
            "subcompetency",
            [sub.code for comp in competencies for sub in comp.subcompetencies],
        ),
    ):
        seen: set[str] = set()
        for code in codes:
            if code and code in seen:
                problems.add("", f"{label} {_shown(code)} appears twice")
            seen.add(code)


def parse(content: str, file_format: str) -> MilestoneSetData:
    """Validate a milestone file; raise one ``ValidationError`` listing every problem."""
    if file_format not in FORMATS:
        raise ValidationError(f"Unknown file format '{_shown(file_format)}' (use yaml or csv).")
    if len(content) > MAX_FILE_BYTES or len(content.encode("utf-8")) > MAX_FILE_BYTES:
        raise ValidationError(FILE_TOO_LARGE)
    content = content.removeprefix("\ufeff")
    if not content.strip():
        raise ValidationError("The file is empty.")
    return parse_yaml(content) if file_format == "yaml" else parse_csv(content)


def parse_yaml(content: str) -> MilestoneSetData:
    problems = _Problems()
    try:
        document = yaml.load(content, Loader=_MilestoneLoader)  # noqa: S506 (safe: SafeLoader)
    except _Refused as refused:
        problems.add(refused.where, refused.message)
        problems.raise_if_any()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}" if mark else ""
        problems.add(where, f"not valid YAML ({_shown(error.problem)})")
        problems.raise_if_any()
    except yaml.YAMLError as error:
        raise ValidationError(f"not valid YAML ({_shown(str(error))})") from error

    if not isinstance(document, dict):
        raise ValidationError("The file must be a mapping with specialty, version, competencies.")
    for key in sorted(set(map(str, document)) - SET_KEYS):
        problems.add("top level", f"unknown key '{_shown(key)}'")
    specialty, version = _check_set_header(
        problems, "top level", document.get("specialty"), document.get("version")
    )
    effective_date = _date(problems, "top level", document.get("effective_date"))

    raw_competencies = document.get("competencies")
    competencies: list[CompetencyData] = []
    if not isinstance(raw_competencies, list) or not raw_competencies:
        problems.add("top level", "competencies must be a non-empty list")
        raw_competencies = []
    elif len(raw_competencies) > MAX_COMPETENCIES:
        problems.add("top level", f"more than {MAX_COMPETENCIES} competencies")
        raw_competencies = []
    total_subs = sum(
        len(item.get("subcompetencies") or [])
        for item in raw_competencies
        if isinstance(item, dict) and isinstance(item.get("subcompetencies"), list)
    )
    if total_subs > MAX_SUBCOMPETENCIES:
        problems.add("top level", f"more than {MAX_SUBCOMPETENCIES} subcompetencies")
        raw_competencies = []

    for index, raw in enumerate(raw_competencies, start=1):
        competencies.append(_yaml_competency(problems, index, raw))
    _check_codes(problems, competencies)
    problems.raise_if_any()
    return MilestoneSetData(specialty, version, effective_date, tuple(competencies))


def _yaml_competency(problems, index: int, raw) -> CompetencyData:
    where = f"competency {index}"
    if not isinstance(raw, dict):
        problems.add(where, "must be a mapping with code, name and subcompetencies")
        return CompetencyData("", "", ())
    code = _competency_code(problems, where, raw.get("code"))
    where = f"competency {_shown(code)}" if code else where
    for key in sorted(set(map(str, raw)) - COMPETENCY_KEYS):
        problems.add(where, f"unknown key '{_shown(key)}'")
    name = _text(problems, where, "name", raw.get("name"), max_length=COMPETENCY_NAME_MAX)
    raw_subs = raw.get("subcompetencies")
    if not isinstance(raw_subs, list) or not raw_subs:
        problems.add(where, "subcompetencies must be a non-empty list")
        raw_subs = []
    subs = tuple(
        _yaml_subcompetency(problems, where, code, sub_index, raw_sub)
        for sub_index, raw_sub in enumerate(raw_subs, start=1)
    )
    return CompetencyData(code, name, subs)


def _yaml_subcompetency(problems, parent: str, competency_code: str, index: int, raw):
    where = f"{parent}, subcompetency {index}"
    if not isinstance(raw, dict):
        problems.add(where, "must be a mapping with code, title, summary, seed_domains, levels")
        return SubcompetencyData("", "", "", (), ())
    code = _subcompetency_code(problems, where, raw.get("code"), competency_code)
    where = f"subcompetency {_shown(code)}" if code else where
    for key in sorted(set(map(str, raw)) - SUBCOMPETENCY_KEYS):
        problems.add(where, f"unknown key '{_shown(key)}'")
    title = _text(problems, where, "title", raw.get("title"), max_length=TITLE_MAX)
    summary = _text(problems, where, "summary", raw.get("summary"), required=False)

    raw_domains = raw.get("seed_domains")
    if raw_domains is None:
        raw_domains = []
    if not isinstance(raw_domains, list):
        problems.add(where, "seed_domains must be a list (use [] for none)")
        raw_domains = []
    seed_domains = _seed_domains(problems, where, raw_domains)

    raw_levels = raw.get("levels")
    levels: list[str] = []
    if not isinstance(raw_levels, dict):
        problems.add(where, "levels must be a mapping of level 1 to 5 to its description")
    else:
        raw_levels = {
            int(key) if isinstance(key, str) and key.strip().isdigit() else key: value
            for key, value in raw_levels.items()
        }
        for key in raw_levels:
            if key not in LEVELS:
                problems.add(where, f"level {_shown(key)} is not allowed (levels are 1 to 5)")
        for level in LEVELS:
            levels.append(_text(problems, where, f"level {level}", raw_levels.get(level)))
    return SubcompetencyData(code, title, summary, seed_domains, tuple(levels))


def parse_csv(content: str) -> MilestoneSetData:
    problems = _Problems()
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except (StopIteration, csv.Error):
        raise ValidationError("The file has no header row.") from None
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        problems.add("row 1", f"missing column(s): {', '.join(missing)}")
    for column in header:
        if column not in CSV_COLUMNS:
            problems.add("row 1", f"unknown column '{_shown(column)}'")
    repeated = sorted(column for column, count in Counter(header).items() if count > 1)
    if repeated:
        problems.add("row 1", f"column(s) appear twice: {', '.join(map(_shown, repeated))}")
    problems.raise_if_any()

    set_values: dict[str, tuple[int, object]] = {}
    competencies: dict[str, dict] = {}  # code -> {"name", "row", "subs"}, in order of appearance
    row_count = 0
    try:
        for row_number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            row_count += 1
            if row_count > MAX_SUBCOMPETENCIES:
                problems.add("", f"more than {MAX_SUBCOMPETENCIES} subcompetencies")
                break
            _csv_row(problems, header, row_number, values, set_values, competencies)
    except csv.Error as error:
        problems.add(f"row {reader.line_num}", f"not valid CSV ({error})")
    if not row_count and not problems.messages:
        problems.add("", "the file has no subcompetency rows")

    comp_data = [
        CompetencyData(code, entry["name"], tuple(entry["subs"]))
        for code, entry in competencies.items()
    ]
    _check_codes(problems, comp_data)
    problems.raise_if_any()
    return MilestoneSetData(
        set_values["specialty"][1],
        set_values["version"][1],
        set_values["effective_date"][1],
        tuple(comp_data),
    )


def _csv_row(problems, header, row_number, values, set_values, competencies) -> None:
    where = f"row {row_number}"
    if len(values) > len(header):
        problems.add(where, f"{len(values)} values but only {len(header)} columns")
    cells = [spreadsheet_restore(value.strip()) for value in values]
    row = dict(zip(header, cells, strict=False))
    get = row.get

    specialty, version = _check_set_header(problems, where, get("specialty"), get("version"))
    effective_date = _date(problems, where, get("effective_date"))
    for key, value in (
        ("specialty", specialty),
        ("version", version),
        ("effective_date", effective_date),
    ):
        if not value:
            continue
        first = set_values.setdefault(key, (row_number, value))
        if first[1] != value:
            label = key.replace("_", " ")
            problems.add(
                where,
                f"{label} '{_shown(value)}' differs from '{_shown(first[1])}' on row {first[0]}",
            )

    competency_code = _competency_code(problems, where, get("competency_code"))
    competency_name = _text(
        problems, where, "competency name", get("competency_name"), max_length=COMPETENCY_NAME_MAX
    )
    code = _subcompetency_code(problems, where, get("code"), competency_code)
    title = _text(problems, where, "title", get("title"), max_length=TITLE_MAX)
    summary = _text(problems, where, "summary", get("summary"), required=False)
    raw_domains = [part for part in (get("seed_domains") or "").split(";") if part.strip()]
    seed_domains = _seed_domains(problems, where, raw_domains)
    levels = tuple(
        _text(problems, where, f"level {level}", get(f"level_{level}")) for level in LEVELS
    )

    if not competency_code:
        return
    entry = competencies.setdefault(
        competency_code, {"name": competency_name, "row": row_number, "subs": []}
    )
    if competency_name and entry["name"] and competency_name != entry["name"]:
        problems.add(
            where,
            f"competency {_shown(competency_code)} is named '{_shown(competency_name)}' here but "
            f"'{_shown(entry['name'])}' on row {entry['row']}",
        )
    entry["subs"].append(SubcompetencyData(code, title, summary, seed_domains, levels))


def milestone_set_to_data(milestone_set: MilestoneSet) -> MilestoneSetData:
    """Plain data for a loaded set; expects competencies→subcompetencies→levels prefetched."""
    return MilestoneSetData(
        specialty=milestone_set.specialty,
        version=milestone_set.version,
        effective_date=milestone_set.effective_date,
        competencies=tuple(
            CompetencyData(
                code=competency.code,
                name=competency.name,
                subcompetencies=tuple(
                    SubcompetencyData(
                        code=sub.code,
                        title=sub.title,
                        summary=sub.summary,
                        seed_domains=tuple(sub.seed_domains),
                        levels=tuple(descriptor.text for descriptor in sub.levels.all()),
                    )
                    for sub in competency.subcompetencies.all()
                ),
            )
            for competency in milestone_set.competencies.all()
        ),
    )


def dump_yaml(data: MilestoneSetData) -> str:
    document = {
        "specialty": data.specialty,
        "version": data.version,
        "effective_date": data.effective_date,
        "competencies": [
            {
                "code": competency.code,
                "name": competency.name,
                "subcompetencies": [
                    {
                        "code": sub.code,
                        "title": sub.title,
                        "summary": sub.summary,
                        "seed_domains": list(sub.seed_domains),
                        "levels": dict(zip(LEVELS, sub.levels, strict=True)),
                    }
                    for sub in competency.subcompetencies
                ],
            }
            for competency in data.competencies
        ],
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def dump_csv(data: MilestoneSetData) -> str:
    """Every cell goes through ``spreadsheet_safe`` (a title starting with "=" is text, not a
    formula); ``parse_csv`` takes the guard off again, so an export imports back unchanged."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for competency in data.competencies:
        for sub in competency.subcompetencies:
            row = [
                data.specialty,
                data.version,
                data.effective_date.isoformat(),
                competency.code,
                competency.name,
                sub.code,
                sub.title,
                sub.summary,
                ";".join(sub.seed_domains),
                *sub.levels,
            ]
            writer.writerow([spreadsheet_safe(value) for value in row])
    return buffer.getvalue()


def dump(data: MilestoneSetData, file_format: str) -> str:
    return dump_yaml(data) if file_format == "yaml" else dump_csv(data)


def default_set_content() -> str:
    return DEFAULT_SET_PATH.read_text(encoding="utf-8")
