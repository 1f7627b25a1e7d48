"""Roster management (invite, deactivate, reactivate) and the public invitation-accept page."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.csv import upload_stash, upload_stashed
from core.once import once_per_submit
from curriculum.access import program_for
from curriculum.models import Membership, Program
from curriculum.selectors import program_member_list

from .forms import InvitationAcceptForm, InvitationForm, ProgramSecurityForm, RosterImportForm
from .middleware import stamp_mfa
from .permissions import can_change_security
from .roster_import import COLUMNS as ROSTER_COLUMNS
from .roster_import import MAX_ROWS as ROSTER_MAX_ROWS
from .roster_import import TEMPLATE_CSV as ROSTER_TEMPLATE_CSV
from .selectors import invitation_get_for_token, invitation_has_account, invitation_open_list
from .services import (
    invitation_accept as invitation_accept_service,
)
from .services import (
    invitation_create,
    invitation_refusal,
    invitation_resend,
    invitation_revoke,
    membership_deactivate,
    membership_reactivate,
    program_security_update,
    roster_import,
    roster_import_preview,
)

PEOPLE_PAGE_SIZE = 25
REFUSAL_STATUS = {"unknown": 404, "used": 410, "expired": 410, "revoked": 410}


def _people_page(request: HttpRequest, program: Program, invite_form: InvitationForm):
    members = Paginator(program_member_list(user=request.user, program=program), PEOPLE_PAGE_SIZE)
    context = {
        "program": program,
        "members_page": members.get_page(request.GET.get("page")),
        "invitations": invitation_open_list(user=request.user, program=program),
        "invite_form": invite_form,
        "can_change_security": can_change_security(request.user, program),
    }
    return render(request, "accounts/people.html", context)


def people(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinator: who is in the program, who is invited, and the invite form."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    return _people_page(request, program, InvitationForm())


@require_POST
@once_per_submit
def people_invite(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_create(
                actor=request.user,
                program=program,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("accounts:people", program_id=program.pk)
    return _people_page(request, program, form)


@require_POST
def people_deactivate(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    return _membership_change(request, program_id, membership_id, membership_deactivate)


@require_POST
def people_reactivate(request: HttpRequest, program_id: int, membership_id: int) -> HttpResponse:
    return _membership_change(request, program_id, membership_id, membership_reactivate)


def _membership_change(request, program_id: int, membership_id: int, service) -> HttpResponse:
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    membership = get_object_or_404(
        program_member_list(user=request.user, program=program), pk=membership_id
    )
    try:
        membership = service(actor=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        state = "reactivated" if membership.is_active else "deactivated"
        messages.success(request, f"{membership.user} ({membership.get_role_display()}) {state}.")
    return redirect("accounts:people", program_id=program.pk)


@require_POST
def invitation_revoke_view(request: HttpRequest, program_id: int, invitation_id: int):
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    invitation = get_object_or_404(
        invitation_open_list(user=request.user, program=program), pk=invitation_id
    )
    try:
        invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("accounts:people", program_id=program.pk)


@require_POST
def invitation_resend_view(request: HttpRequest, program_id: int, invitation_id: int):
    """Email a pending or expired invitation again (a new link; the old one stops working)."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    invitation = get_object_or_404(
        invitation_open_list(user=request.user, program=program), pk=invitation_id
    )
    try:
        invitation = invitation_resend(actor=request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Invitation sent again to {invitation.email}; the earlier link no longer works.",
        )
    return redirect("accounts:people", program_id=program.pk)


def _invitation_invalid(request: HttpRequest, refusal: ValidationError) -> HttpResponse:
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"message": " ".join(refusal.messages), "code": refusal.code},
        status=REFUSAL_STATUS.get(refusal.code, 410),
    )


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the link from the email. A new person sets a password and is signed in."""
    invitation = invitation_get_for_token(token=token)
    refusal = invitation_refusal(invitation)
    if refusal is not None:
        return _invitation_invalid(request, refusal)
    has_account = invitation_has_account(invitation=invitation)
    data = request.POST if request.method == "POST" else None
    form = InvitationAcceptForm(data, needs_password=not has_account)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data.get("password1")
        try:
            user = invitation_accept_service(token=token, password=password)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "password" in error.error_dict:
                form.add_error("password1", error.error_dict["password"])
            else:
                return _invitation_invalid(request, error)
        else:
            role = invitation.get_role_display().lower()
            if password and user.check_password(password):
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome. You are now a {role} in {invitation.program}.")
                return redirect("curriculum:home")
            messages.success(
                request,
                f"Your {role} role in {invitation.program} was added to your account. "
                "Sign in with your existing password.",
            )
            if request.user.is_authenticated and request.user.pk == user.pk:
                return redirect("curriculum:home")
            return redirect("account_login")
    context = {"invitation": invitation, "form": form, "has_account": has_account}
    return render(request, "accounts/invitation_accept.html", context)


def _roster_session_key(program: Program) -> str:
    return f"roster_import:{program.pk}"


def _roster_page(
    request: HttpRequest,
    program: Program,
    *,
    form: RosterImportForm | None = None,
    preview=None,
    digest: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "program": program,
        "form": form or RosterImportForm(program_id=program.pk),
        "preview": preview,
        "digest": digest,
        "columns": ROSTER_COLUMNS,
        "max_rows": ROSTER_MAX_ROWS,
    }
    return render(request, "accounts/roster_import.html", context, status=status)


def _roster_preview(request: HttpRequest, program: Program, content: bytes) -> HttpResponse:
    """Check ``content``; keep it in the session for the confirm step only if it is clean."""
    key = _roster_session_key(program)
    preview = roster_import_preview(actor=request.user, program=program, content=content)
    digest = upload_stash(request.session, key, content, keep=preview.is_clean)
    return _roster_page(request, program, preview=preview, digest=digest)


@once_per_submit
def roster_import_page(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director and coordinator: upload a roster CSV, see every problem, then invite everyone."""
    program = program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    if request.method != "POST":
        return _roster_page(request, program)
    if request.POST.get("step") == "confirm":
        return _roster_confirm(request, program)
    form = RosterImportForm(request.POST, request.FILES, program_id=program.pk)
    if not form.is_valid():
        return _roster_page(request, program, form=form)
    return _roster_preview(request, program, form.cleaned_data["content"])


def _roster_confirm(request: HttpRequest, program: Program) -> HttpResponse:
    stashed = upload_stashed(request.session, _roster_session_key(program))
    if stashed is None:
        messages.error(
            request, "There is no checked file waiting to be imported. Upload the file again."
        )
        return _roster_page(request, program)
    content, digest = stashed
    if digest != request.POST.get("digest"):
        # Another tab checked a different file since this page was shown: show what would import.
        messages.warning(
            request, "The file changed since this page was shown. Check it again below."
        )
        return _roster_preview(request, program, content)
    # The stash is dropped and the session saved before anything is written: were the session
    # save left to the end of the request, a database hiccup there would answer an error for a
    # roster that was already imported. After the import nothing in the session changes (the
    # success message travels in its cookie), so the answer reports what was saved.
    request.session.pop(_roster_session_key(program), None)
    request.session.save()
    request.session.modified = False
    try:
        invitations = roster_import(actor=request.user, program=program, content=content)
    except ValidationError:
        # Something changed since the preview (someone accepted, say): show the problems now.
        return _roster_preview(request, program, content)
    count = len(invitations)
    messages.success(request, f"{count} invitation{pluralize(count)} sent.")
    return redirect("accounts:people", program_id=program.pk)


def roster_import_template(request: HttpRequest, program_id: int) -> HttpResponse:
    """The header row and one example, ready to fill in."""
    program_for(request.user, program_id, roles=Membership.STAFF_ROLES)
    response = HttpResponse(ROSTER_TEMPLATE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="roster-template.csv"
    )
    return response


def program_security(request: HttpRequest, program_id: int) -> HttpResponse:
    """Director only: the program's sign-in rules (two-factor for directors and faculty)."""
    program = program_for(request.user, program_id, roles=[Membership.Role.DIRECTOR])
    initial = {"require_mfa_for_staff": program.require_mfa_for_staff}
    data = request.POST if request.method == "POST" else None
    form = ProgramSecurityForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        program = program_security_update(actor=request.user, program=program, **form.cleaned_data)
        # The director's own session follows the new rule at once; others within minutes.
        stamp_mfa(request, request.user)
        state = "now required" if program.require_mfa_for_staff else "no longer required"
        messages.success(request, f"Two-factor sign-in is {state} for directors and faculty.")
        return redirect("accounts:program_security", program_id=program.pk)
    return render(request, "accounts/program_security.html", {"program": program, "form": form})
