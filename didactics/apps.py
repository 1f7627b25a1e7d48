from django.apps import AppConfig


class DidacticsConfig(AppConfig):
    name = "didactics"
    # Our sections of the CCC packet; ``AssessmentsConfig.ready()`` picks them up (didactics sits
    # below assessments and never imports it: assessments.evidence).
    ccc_evidence = (
        {
            "name": "objectives",
            "title": "Learning objectives",
            "collect": "didactics.evidence.objectives_evidence",
            "template": "assessments/evidence/objectives.html",
            "order": 20,
        },
        {
            "name": "attendance",
            "title": "Conference attendance",
            "collect": "didactics.evidence.attendance_evidence",
            "template": "assessments/evidence/attendance.html",
            "order": 30,
        },
    )
