"""Case-log routes, one module per sub-domain, all in the ``procedures`` namespace."""

from django.urls import include, path

app_name = "procedures"
urlpatterns = [
    path("", include("procedures.urls.catalogue")),
    path("", include("procedures.urls.log")),
    path("", include("procedures.urls.verification")),
]
