from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Invitation, User


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
