"""Writes for the training pathway, one module per sub-domain: ``pathway`` (academic years,
cohorts, enrolments, a fellow's background), ``calendar`` (the program's deadlines), ``schedule``
(the fellows' rotation blocks). Import the functions from their module, e.g.
``from trainees.services.pathway import enrolment_create``.

``actor=None`` means the system (seeding, commands).
"""
