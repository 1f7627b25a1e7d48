from django.contrib import admin

from .models import AcademicYear, Cohort, Enrolment, MedicalEducation, Residency


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["__str__", "program", "start_date", "end_date"]
    list_filter = ["program"]
    list_select_related = ["program"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "academic_year"]
    list_filter = ["program"]
    list_select_related = ["program", "academic_year"]
    search_fields = ["name"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = [
        "membership",
        "cohort",
        "status",
        "start_date",
        "end_date",
        "leave_days",
        "leave_extension_days",
    ]
    list_filter = ["status", "cohort__program"]
    list_select_related = ["membership__user", "membership__program", "cohort__academic_year"]
    raw_id_fields = ["membership", "cohort"]
    search_fields = ["membership__user__email", "membership__user__full_name"]


@admin.register(MedicalEducation)
class MedicalEducationAdmin(admin.ModelAdmin):
    list_display = ["membership", "degree", "school", "country", "graduation_year"]
    list_select_related = ["membership__user", "membership__program"]
    raw_id_fields = ["membership"]


@admin.register(Residency)
class ResidencyAdmin(admin.ModelAdmin):
    list_display = ["membership", "specialty", "program_name", "completion_year", "board_status"]
    list_filter = ["specialty", "board_status"]
    list_select_related = ["membership__user", "membership__program"]
    raw_id_fields = ["membership"]
