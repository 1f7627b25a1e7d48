from django.contrib import admin
from django.urls import include, path

from core.views import healthz, readyz

urlpatterns = [
    path("", include("curriculum.urls")),
    path("", include("trainees.urls")),
    path("", include("assessments.urls")),
    path("", include("accounts.urls")),
    path("", include("procedures.urls")),
    path("", include("reminders.urls")),
    path("", include("didactics.urls")),
    path("", include("evaluators.urls")),
    path("", include("boards.urls")),
    path("", include("workhours.urls")),
    path("", include("surveys.urls")),
    path("", include("portfolio.urls")),
    path("", include("program_evaluation.urls")),
    path("", include("dashboard.urls")),
    path("", include("audit.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]

# A database that is down or not answering gets a 503 page that says so (core.views.server_error).
handler500 = "core.views.server_error"
