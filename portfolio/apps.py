from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """A fellow's own record of growth: individualised learning plans and scholarly activity."""

    name = "portfolio"
    verbose_name = "Portfolio"
