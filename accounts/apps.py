from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .middleware import stamp_login

        # Starts the session clocks read by accounts.middleware (no business rule lives here).
        user_logged_in.connect(stamp_login, dispatch_uid="accounts.stamp_login")
