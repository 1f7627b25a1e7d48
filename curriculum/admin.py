from django.contrib import admin

from .models import Competency, Membership, MilestoneSet, Program, Subcompetency


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


class ReadOnlyAdminMixin:
    """Milestone sets change only through the import service: ratings depend on them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CompetencyInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Competency
    fields = ["order", "code", "name"]
    extra = 0


@admin.register(MilestoneSet)
class MilestoneSetAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "program", "effective_date", "created_at"]
    list_filter = ["specialty", "program"]
    inlines = [CompetencyInline]


@admin.register(Subcompetency)
class SubcompetencyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["code", "title", "milestone_set", "seed_domains"]
    list_filter = ["milestone_set__program", "milestone_set"]
    search_fields = ["code", "title"]
