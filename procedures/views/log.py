"""A fellow's own case log (log, repeat, edit, delete, favourites, import, export) and the
read-only drill-down into one fellow's log for the program's director, coordinator and faculty."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.csv import csv_streaming_response, upload_stash, upload_stashed
from core.forms import add_service_errors
from core.htmx import is_htmx, render_page_or_partial
from core.once import once_per_submit
from curriculum.access import activate_program_zone, program_for

from ..csv_entries import COLUMNS as IMPORT_COLUMNS
from ..csv_entries import MAX_ROWS as IMPORT_MAX_ROWS
from ..csv_entries import TEMPLATE_CSV as IMPORT_TEMPLATE_CSV
from ..forms.log import EntryFilterForm, EntryForm, EntryImportForm
from ..models import ProcedureSettings
from ..permissions import can_reopen_entries
from ..selectors.log import (
    category_list,
    entry_list,
    favourite_type_list,
    identical_entry,
    last_entry,
    loggable_type_list,
    own_fellow_membership_list,
    program_fellow_list,
    repeat_initial,
    supervisor_list,
    type_initial,
    with_site,
)
from ..services.log import (
    entry_create as entry_create_service,
)
from ..services.log import (
    entry_delete as entry_delete_service,
)
from ..services.log import (
    entry_import,
    entry_import_preview,
    entry_update,
)
from ..services.log import (
    favourite_toggle as favourite_toggle_service,
)

PAGE_SIZE = 25
# ``id`` names each entry for whoever reconciles the file; ``site`` is the site of the rotation
# the fellow was scheduled on that day (selectors.log.with_site). The import ignores both.
EXPORT_COLUMNS = ("id", *IMPORT_COLUMNS, "site", "status", "return_reason")


def _own_fellow(request: HttpRequest, program_id: int):
    """The signed-in fellow's membership in this program (the page then runs on the program's
    clock); anyone else gets a 404."""
    fellow = get_object_or_404(own_fellow_membership_list(user=request.user), program_id=program_id)
    activate_program_zone(fellow.program)
    return fellow


def _own_entry(request: HttpRequest, fellow, entry_id: int):
    entries = entry_list(user=request.user, program=fellow.program, fellow=fellow)
    return get_object_or_404(entries, pk=entry_id)


def _filtered(request: HttpRequest, program, fellow):
    form = EntryFilterForm(request.GET or None, categories=category_list(program=program))
    entries = entry_list(user=request.user, program=program, fellow=fellow, **form.filters())
    return form, entries


def _list_context(request: HttpRequest, program, fellow, export_url: str) -> dict:
    filter_form, entries = _filtered(request, program, fellow)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "program": program,
        "fellow": fellow,
        "filter_form": filter_form,
        "entry_page": page,
        "export_url": export_url,
    }


# --- the fellow's own log --------------------------------------------------------------------


FAVOURITES_PANEL = "favourites"


def _catalogue(program, favourite_ids: set[int]) -> list:
    return [(t, t.pk in favourite_ids) for t in loggable_type_list(program=program)]


def log(request: HttpRequest, program_id: int) -> HttpResponse:
    """The fellow's log: repeat last entry, favourites, then the filtered list.

    The catalogue for choosing favourites (a form per procedure type) is rendered only when the
    fellow opens that panel (htmx fetches it; without JavaScript a link reloads the page with it
    open): it is most of the page's rendering time and rarely used.
    """
    fellow = _own_fellow(request, program_id)
    program = fellow.program
    show_catalogue = request.GET.get("panel") == FAVOURITES_PANEL
    if show_catalogue and is_htmx(request) and request.htmx.target == "favourite-list":
        favourite_ids = set(favourite_type_list(fellow=fellow).values_list("pk", flat=True))
        context = {"program": program, "catalogue": _catalogue(program, favourite_ids)}
        return render(request, "procedures/log.html#favourite_list", context)
    context = _list_context(
        request,
        program,
        fellow,
        reverse("procedures:log_export", kwargs={"program_id": program.pk}),
    )
    context["own_log"] = True
    if not is_htmx(request):
        favourites = list(favourite_type_list(fellow=fellow))
        favourite_ids = {t.pk for t in favourites}
        context.update(
            last_entry=last_entry(fellow=fellow),
            favourites=favourites,
            favourites_open=show_catalogue,
            catalogue=_catalogue(program, favourite_ids) if show_catalogue else None,
        )
    return render_page_or_partial(request, "procedures/log.html", "entries", context)


def log_export(request: HttpRequest, program_id: int) -> HttpResponse:
    fellow = _own_fellow(request, program_id)
    _, entries = _filtered(request, fellow.program, fellow)
    return _csv_response(entries, "procedure-log.csv")


def _entry_form(request: HttpRequest, fellow, *, entry=None, initial=None) -> EntryForm:
    program = fellow.program
    action = (
        reverse("procedures:entry_edit", kwargs={"program_id": program.pk, "entry_id": entry.pk})
        if entry
        else reverse("procedures:entry_create", kwargs={"program_id": program.pk})
    )
    return EntryForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        types=loggable_type_list(
            program=program, include_pk=entry.procedure_type_id if entry else None
        ),
        favourites=favourite_type_list(fellow=fellow),  # read only if the select is drawn
        supervisors=supervisor_list(
            program=program, include_pk=entry.supervisor_id if entry else None
        ),
        action=action,
        split_age_bands=ProcedureSettings.split_for(program),
        current_age_band=entry.age_band if entry else "",
    )


def _create_initial(request: HttpRequest, fellow) -> dict:
    today = fellow.program.today()
    type_id = request.GET.get("type", "")
    if type_id.isdigit():
        procedure_type = loggable_type_list(program=fellow.program).filter(pk=type_id).first()
        if procedure_type is not None:
            return type_initial(fellow=fellow, today=today, procedure_type=procedure_type)
    if request.GET.get("repeat") == "1":
        return repeat_initial(fellow=fellow, today=today)
    initial = repeat_initial(fellow=fellow, today=today)
    keep = ("performed_on", "role", "supervision_level", "complication", "supervisor")
    return {key: value for key, value in initial.items() if key in keep}


def _logged_message(entry) -> str:
    return f"{entry.procedure_type.name} on {date_format(entry.performed_on, 'M j, Y')}"


@once_per_submit
def entry_create(request: HttpRequest, program_id: int) -> HttpResponse:
    """One screen, prefilled: repeating the last entry is one tap on Save."""
    fellow = _own_fellow(request, program_id)
    # The prefill serves the empty form; a POST brings its own values.
    initial = _create_initial(request, fellow) if request.method == "GET" else {}
    form = _entry_form(request, fellow, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = entry_create_service(actor=request.user, fellow=fellow, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Logged: {_logged_message(entry)}.")
            return redirect("procedures:log", program_id=program_id)
    context = {"program": fellow.program, "form": form, "entry": None}
    if request.method == "GET" and request.GET.get("repeat") == "1":
        # A warning, not a block: the same procedure twice in a day happens.
        context["identical"] = identical_entry(fellow=fellow, values=initial)
    return render(request, "procedures/entry_form.html", context)


def entry_edit(request: HttpRequest, program_id: int, entry_id: int) -> HttpResponse:
    fellow = _own_fellow(request, program_id)
    entry = _own_entry(request, fellow, entry_id)
    initial = {
        "performed_on": entry.performed_on,
        "procedure_type": entry.procedure_type_id,
        "guidance": entry.guidance,
        "role": entry.role,
        "supervisor": entry.supervisor_id,
        "supervision_level": entry.supervision_level,
        "complication": entry.complication,
        "age_band": entry.age_band,
        "level": entry.level,
        "laterality": entry.laterality,
        "note": entry.note,
    }
    form = _entry_form(request, fellow, entry=entry, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = entry_update(actor=request.user, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Saved: {_logged_message(entry)}.")
            return redirect("procedures:log", program_id=program_id)
    context = {"program": fellow.program, "form": form, "entry": entry}
    return render(request, "procedures/entry_form.html", context)


def entry_delete(request: HttpRequest, program_id: int, entry_id: int) -> HttpResponse:
    """A confirmation page on GET; POST deletes an entry that is not verified."""
    fellow = _own_fellow(request, program_id)
    entry = _own_entry(request, fellow, entry_id)
    error = None
    if request.method == "POST":
        try:
            entry_delete_service(actor=request.user, entry=entry)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Deleted: {_logged_message(entry)}.")
            return redirect("procedures:log", program_id=program_id)
    context = {"program": fellow.program, "entry": entry, "error": error}
    return render(request, "procedures/entry_confirm_delete.html", context)


@require_POST
def favourite_toggle(request: HttpRequest, program_id: int, type_id: int) -> HttpResponse:
    fellow = _own_fellow(request, program_id)
    procedure_type = get_object_or_404(loggable_type_list(program=fellow.program), pk=type_id)
    try:
        is_favourite = favourite_toggle_service(
            actor=request.user, fellow=fellow, procedure_type=procedure_type
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("procedures:log", program_id=program_id)
    if is_htmx(request):
        context = {"program": fellow.program, "procedure_type": procedure_type}
        context["is_favourite"] = is_favourite
        return render(request, "procedures/log.html#favourite_button", context)
    word = "added to" if is_favourite else "removed from"
    messages.success(request, f"{procedure_type.name} {word} your favourites.")
    return redirect("procedures:log", program_id=program_id)


# --- import ----------------------------------------------------------------------------------


def _import_session_key(program) -> str:
    return f"procedure_import:{program.pk}"


def _import_page(request, fellow, *, form=None, preview=None, digest="") -> HttpResponse:
    program = fellow.program
    action = reverse("procedures:log_import", kwargs={"program_id": program.pk})
    context = {
        "program": program,
        "form": form or EntryImportForm(action=action),
        "preview": preview,
        "digest": digest,
        "columns": IMPORT_COLUMNS,
        "max_rows": IMPORT_MAX_ROWS,
    }
    return render(request, "procedures/log_import.html", context)


def _import_preview(request, fellow, content: bytes) -> HttpResponse:
    key = _import_session_key(fellow.program)
    preview = entry_import_preview(actor=request.user, fellow=fellow, content=content)
    digest = upload_stash(request.session, key, content, keep=preview.is_clean)
    return _import_page(request, fellow, preview=preview, digest=digest)


@once_per_submit
def log_import(request: HttpRequest, program_id: int) -> HttpResponse:
    """Upload past entries as CSV, see every row and every problem, then import all or none."""
    fellow = _own_fellow(request, program_id)
    if request.method != "POST":
        return _import_page(request, fellow)
    if request.POST.get("step") == "confirm":
        return _import_confirm(request, fellow)
    action = reverse("procedures:log_import", kwargs={"program_id": program_id})
    form = EntryImportForm(request.POST, request.FILES, action=action)
    if not form.is_valid():
        return _import_page(request, fellow, form=form)
    return _import_preview(request, fellow, form.cleaned_data["content"])


def _import_confirm(request: HttpRequest, fellow) -> HttpResponse:
    key = _import_session_key(fellow.program)
    stashed = upload_stashed(request.session, key)
    if stashed is None:
        messages.error(
            request, "There is no checked file waiting to be imported. Upload the file again."
        )
        return _import_page(request, fellow)
    content, digest = stashed
    if digest != request.POST.get("digest"):
        messages.warning(
            request, "The file changed since this page was shown. Check it again below."
        )
        return _import_preview(request, fellow, content)
    try:
        created = entry_import(actor=request.user, fellow=fellow, content=content)
    except ValidationError:
        return _import_preview(request, fellow, content)
    request.session.pop(key, None)
    count = len(created)
    messages.success(
        request, f"{count} entr{pluralize(count, 'y,ies')} imported, waiting for verification."
    )
    return redirect("procedures:log", program_id=fellow.program_id)


def log_import_template(request: HttpRequest, program_id: int) -> HttpResponse:
    _own_fellow(request, program_id)
    response = HttpResponse(IMPORT_TEMPLATE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="procedure-log-template.csv"
    )
    return response


# --- one fellow's log, for the program's staff and faculty ---------------------------------


def _viewable_fellow(request: HttpRequest, program_id: int, membership_id: int):
    program = program_for(request.user, program_id)
    return get_object_or_404(
        program_fellow_list(user=request.user, program=program), pk=membership_id
    )


def fellow_log(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    fellow = _viewable_fellow(request, program_id, membership_id)
    export_url = reverse(
        "procedures:fellow_log_export",
        kwargs={"program_id": program_id, "membership_id": fellow.pk},
    )
    context = _list_context(request, fellow.program, fellow, export_url)
    context["own_log"] = False
    context["can_reopen"] = can_reopen_entries(request.user, fellow.program)
    return render_page_or_partial(request, "procedures/fellow_log.html", "entries", context)


def fellow_log_export(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    fellow = _viewable_fellow(request, program_id, membership_id)
    _, entries = _filtered(request, fellow.program, fellow)
    return _csv_response(entries, f"procedure-log-{fellow.pk}.csv")


# --- CSV export ------------------------------------------------------------------------------


# The export's columns as stored values (no model objects: a row is one tuple, read in chunks).
EXPORT_VALUES = (
    "pk",
    "performed_on",
    "procedure_type__name",
    "guidance",
    "role",
    "supervisor__user__email",
    "supervision_level",
    "complication",
    "age_band",
    "level",
    "laterality",
    "note",
    "site",
    "status",
    "return_reason",
)


def _csv_response(entries, filename: str) -> HttpResponse:
    """A fellow's log as CSV, streamed as the cursor yields rows (memory stays flat)."""
    rows = (
        (pk, performed_on.isoformat(), *rest)
        for pk, performed_on, *rest in with_site(entries)
        .values_list(*EXPORT_VALUES)
        .iterator(chunk_size=2000)
    )
    return csv_streaming_response(filename, EXPORT_COLUMNS, rows)
