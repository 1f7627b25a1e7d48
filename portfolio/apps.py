from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    """A fellow's own record of growth: individualised learning plans and scholarly activity."""

    name = "portfolio"
    verbose_name = "Portfolio"
    # Our sections of the CCC packet (``AssessmentsConfig.ready()`` picks them up).
    ccc_evidence = (
        {
            "name": "learning_plan",
            "title": "Learning plan since the last review",
            "collect": "portfolio.evidence.learning_plan_evidence",
            "template": "portfolio/evidence/learning_plan.html",
            "order": 40,
        },
        {
            "name": "scholarly",
            "title": "Scholarly activity",
            "collect": "portfolio.evidence.scholarly_evidence",
            "template": "portfolio/evidence/scholarly.html",
            "order": 50,
        },
    )
