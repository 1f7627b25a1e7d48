from django.contrib import admin

from .models import Membership, Program


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "timezone", "created_at"]
    search_fields = ["name", "institution"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "program", "role", "is_active"]
    list_filter = ["role", "is_active", "program"]
    search_fields = ["user__email", "user__full_name", "program__name"]
    autocomplete_fields = ["user", "program"]
