from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from .models import Invitation, User


def _staff_with_mfa(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and is_mfa_enabled(user)


def admin_login(request, extra_context=None):
    """The admin has no login form of its own: sign-in goes through allauth (its rate limits and
    two-factor step), and only staff who have two-factor authentication set up get in.

    Django's admin login view would authenticate a posted password by itself, so it is never
    called, not even for a signed-in user.
    """
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    user = request.user
    if not user.is_authenticated:
        login_url = resolve_url(settings.LOGIN_URL)
        return redirect(f"{login_url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
    if not (user.is_active and user.is_staff):
        raise PermissionDenied
    if not is_mfa_enabled(user):
        messages.warning(
            request,
            "The admin needs two-factor authentication. Set up an authenticator app, then open "
            "the admin again.",
        )
        return redirect("mfa_index")
    return redirect(next_url)


# Every staff or superuser account needs two-factor authentication to use the admin.
admin.site.login = admin_login
admin.site.has_permission = _staff_with_mfa


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("full_name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only record of who invited whom; invitations change only through the services."""

    list_display = ["email", "role", "program", "invited_by", "status", "expires_at", "created_at"]
    list_filter = ["role", "program"]
    search_fields = ["email", "full_name"]
    list_select_related = ["program", "invited_by"]
    readonly_fields = [
        "program",
        "email",
        "full_name",
        "role",
        "invited_by",
        "expires_at",
        "accepted_at",
        "revoked_at",
        "accepted_user",
        "created_at",
        "updated_at",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
