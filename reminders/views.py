"""Notification centre, preferences, calendar feed and the director's reminders page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.links import absolute_url
from curriculum.access import program_for

from . import ical
from .forms import PreferenceForm, ReminderSettingsForm
from .links import assessment_path, link_token, link_token_load, program_paths
from .models import OPTIONAL_KINDS, ReminderSettings
from .permissions import MANAGER_ROLES
from .selectors import (
    LEDGER_VIEWS,
    calendar_items,
    calendar_owner,
    chase_candidates,
    coming_deadline_list,
    failed_delivery_list,
    failed_email_list,
    ledger_counts,
    ledger_list,
    notification_list,
    program_reminder_list,
)
from .services import chase as chase_services
from .services import preferences as services
from .services import retries as retry_services

PAGE_SIZE = 25
CALENDAR_LINK_SESSION_KEY = "reminders:new-calendar-link"


def notification_centre(request: HttpRequest, program_id: int) -> HttpResponse:
    """The person's own notifications, newest first, unread ones marked."""
    program = program_for(request.user, program_id)
    page = Paginator(notification_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for reminder in page:
        reminder.token = link_token(reminder.pk)
    context = {"program": program, "notification_page": page}
    return render(request, "reminders/notification_centre.html", context)


@require_POST
def notifications_read_all(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id)
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("reminders:notification_centre", program_id=program.pk)


def notification_open(request: HttpRequest, program_id: int, token: str) -> HttpResponse:
    """The link in an email or the centre: check the signature, mark read, go to the item."""
    program = program_for(request.user, program_id)
    reminder_id = link_token_load(token)
    if reminder_id is None:
        raise Http404("This link is not valid or has expired.")
    reminder = get_object_or_404(
        notification_list(user=request.user).filter(program=program), pk=reminder_id
    )
    services.notification_mark_read(actor=request.user, reminder=reminder)
    target = reminder.url_path
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None) or not target.startswith(
        "/"
    ):
        raise Http404("No such page.")
    return redirect(target)


def preferences(request: HttpRequest, program_id: int) -> HttpResponse:
    """One's own reminder preferences (they apply in every program)."""
    program = program_for(request.user, program_id)
    current = services.preference_get(user=request.user)
    initial = {
        "delivery": current.delivery,
        "digest_hour": current.digest_hour,
        "kinds": [kind.value for kind in OPTIONAL_KINDS if kind.value not in current.muted_kinds],
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(
                actor=request.user,
                delivery=form.cleaned_data["delivery"],
                digest_hour=form.cleaned_data["digest_hour"],
                muted_kinds=form.muted_kinds(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Your reminder preferences are saved.")
            return redirect("reminders:preferences", program_id=program.pk)
    context = {"program": program, "form": form}
    return render(request, "reminders/preferences.html", context)


def calendar_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    """The private calendar link: make one (revoking the old) and see it once, or turn it off.

    Only the link's hash is stored, so a new link is shown on the next page only, carried there
    in this session and dropped from it as it is shown (as evaluators show a patient's link)."""
    program = program_for(request.user, program_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reset":
            pref = services.calendar_token_reset(actor=request.user)
            request.session[CALENDAR_LINK_SESSION_KEY] = absolute_url(
                reverse("reminders:calendar_feed", kwargs={"token": pref.calendar_token})
            )
            messages.success(request, "Your new calendar link is ready; the old one is revoked.")
        elif action == "revoke":
            request.session.pop(CALENDAR_LINK_SESSION_KEY, None)
            services.calendar_token_revoke(actor=request.user)
            messages.success(request, "Your calendar link is turned off.")
        else:
            messages.error(request, "Choose what to do with the link.")
        return redirect("reminders:calendar_settings", program_id=program.pk)
    pref = services.preference_get(user=request.user)
    has_link = bool(pref.calendar_token_hash)
    feed_url = request.session.pop(CALENDAR_LINK_SESSION_KEY, "") if has_link else ""
    context = {"program": program, "feed_url": feed_url, "has_link": has_link}
    return render(request, "reminders/calendar_settings.html", context)


@login_not_required
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The secret link's iCalendar feed of its owner's own deadlines; 404 once revoked."""
    user = calendar_owner(token=token)
    if user is None:
        raise Http404("No such calendar.")
    deadlines, assessments = calendar_items(user=user)
    events = []
    for deadline in deadlines:
        events.append(
            ical.Event(
                uid=ical.site_uid(f"deadline-{deadline.pk}"),
                day=deadline.due_date,
                summary=deadline.title,
                description=f"{deadline.get_kind_display()} · {deadline.program.name}",
                url=absolute_url(program_paths(deadline.program_id)["calendar"]),
            )
        )
    for assessment in assessments:
        paths = program_paths(assessment.program_id)
        fellow = assessment.fellow.user.display_name
        events.append(
            ical.Event(
                uid=ical.site_uid(f"assessment-{assessment.pk}"),
                day=assessment.due_date,
                summary=f"Due: {assessment.template.name} for {fellow}",
                description=assessment.program.name,
                url=absolute_url(assessment_path(paths, assessment.pk)),
            )
        )
    body = ical.calendar(events, name="Fellowship deadlines", stamp=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="fellowship.ics"'
    response["Cache-Control"] = "private, max-age=900"
    response["Referrer-Policy"] = "no-referrer"
    return response


def director_reminders(request: HttpRequest, program_id: int) -> HttpResponse:
    """What was sent to whom and when, what failed, what is waiting and what is coming."""
    program = program_for(request.user, program_id, roles=MANAGER_ROLES)
    show = request.GET.get("show", "upcoming")
    if show not in LEDGER_VIEWS:
        raise Http404("No such list.")
    page = Paginator(
        ledger_list(user=request.user, program=program, show=show), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context = {
        "program": program,
        "show": show,
        "counts": ledger_counts(user=request.user, program=program),
        "reminder_page": page,
        "coming": coming_deadline_list(user=request.user, program=program),
        "settings_row": ReminderSettings.for_program(program),
        "failed_count": failed_delivery_list(user=request.user, program=program).count(),
        "failed_emails": failed_email_list(user=request.user, program=program),
    }
    return render(request, "reminders/director_reminders.html", context)


@require_POST
def deliveries_retry_failed(request: HttpRequest, program_id: int) -> HttpResponse:
    """One click: every failed email of the program gets a fresh round of retries."""
    program = program_for(request.user, program_id, roles=MANAGER_ROLES)
    try:
        count = retry_services.deliveries_retry_failed(actor=request.user, program=program)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        if count:
            messages.success(request, f"Trying {count} failed email{pluralize(count)} again now.")
        else:
            messages.info(request, "No failed emails to try again.")
    return redirect(
        f"{reverse('reminders:director_reminders', kwargs={'program_id': program.pk})}?show=failed"
    )


@require_POST
def reminder_send_now(request: HttpRequest, program_id: int, reminder_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=MANAGER_ROLES)
    reminder = get_object_or_404(
        program_reminder_list(user=request.user, program=program), pk=reminder_id
    )
    try:
        retry_services.reminder_send_now(actor=request.user, reminder=reminder)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(
            request, f"Sending “{reminder.subject}” to {reminder.recipient.display_name} now."
        )
    show = request.POST.get("show", "upcoming")
    if show not in LEDGER_VIEWS:
        show = "upcoming"
    return redirect(
        f"{reverse('reminders:director_reminders', kwargs={'program_id': program.pk})}?show={show}"
    )


@require_POST
def chase(request: HttpRequest, program_id: int) -> HttpResponse:
    """Send a reminder now: to the assessor of each ``assessment`` posted, to every assessor
    with an overdue assessment (``overdue=all``), or to every assessor who owes one ``fellow``
    an assessment; then back to the page it was sent from."""
    program = program_for(request.user, program_id, roles=MANAGER_ROLES)
    ids = [value for value in request.POST.getlist("assessment") if value.isdigit()]
    everyone_overdue = request.POST.get("overdue") == "all"
    fellow = request.POST.get("fellow", "")
    fellow_id = int(fellow) if fellow.isdigit() else None
    assessments = []
    if ids or everyone_overdue or fellow_id:
        assessments = list(
            chase_candidates(
                user=request.user,
                program=program,
                assessment_ids=[int(value) for value in ids] if ids else None,
                overdue=everyone_overdue,
                fellow_id=fellow_id,
            )
        )
    if not assessments:
        messages.info(request, "Nothing to remind anyone of: no open assessment was chosen.")
    else:
        try:
            result = chase_services.assessments_chase(
                actor=request.user, program=program, assessments=assessments
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            if result.sent:
                messages.success(
                    request,
                    f"Reminded {result.assessors} assessor{pluralize(result.assessors)} of "
                    f"{result.sent} assessment{pluralize(result.sent)} now.",
                )
            if result.already:
                messages.info(
                    request,
                    f"{result.already} assessment{pluralize(result.already)} "
                    f"{pluralize(result.already, 'was,were')} already chased today; "
                    "nothing was sent again.",
                )
    target = request.POST.get("next", "")
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = reverse("reminders:director_reminders", kwargs={"program_id": program.pk})
    return redirect(target)


def reminder_settings(request: HttpRequest, program_id: int) -> HttpResponse:
    program = program_for(request.user, program_id, roles=MANAGER_ROLES)
    current = ReminderSettings.for_program(program)
    initial = {
        "days_before_deadline": current.days_before_deadline,
        "escalate_after_days": current.escalate_after_days,
        "verification_after_days": current.verification_after_days,
        "target_check_months": ", ".join(str(m) for m in current.target_check_months),
    }
    form = ReminderSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_settings_update(
                actor=request.user, program=program, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Reminder settings saved.")
            return redirect("reminders:director_reminders", program_id=program.pk)
    return render(request, "reminders/reminder_settings.html", {"program": program, "form": form})
