from django.urls import path

from . import views

app_name = "reminders"
P = "programs/<int:program_id>/"
urlpatterns = [
    path(P + "notifications/", views.notification_centre, name="notification_centre"),
    path(P + "notifications/read-all/", views.notifications_read_all, name="read_all"),
    path(P + "notifications/open/<str:token>/", views.notification_open, name="notification_open"),
    path(P + "notifications/preferences/", views.preferences, name="preferences"),
    path(P + "notifications/calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>/feed.ics", views.calendar_feed, name="calendar_feed"),
    path(P + "reminders/", views.director_reminders, name="director_reminders"),
    path(P + "reminders/settings/", views.reminder_settings, name="reminder_settings"),
    path(P + "reminders/chase/", views.chase, name="chase"),
    path(
        P + "reminders/retry-failed/",
        views.deliveries_retry_failed,
        name="deliveries_retry_failed",
    ),
    path(
        P + "reminders/<int:reminder_id>/send-now/",
        views.reminder_send_now,
        name="reminder_send_now",
    ),
]
