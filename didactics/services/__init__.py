"""Writes for didactics, one module per sub-domain: ``schedule`` (series and sessions of the
conference calendar), ``checkin`` (the check-in window and a fellow checking in),
``attendance`` (roll corrections and attendance requirements) and ``objectives`` (learning
objectives, resources, teachers, progress). Import the functions from their module, e.g.
``from didactics.services.schedule import session_create``. Every change writes one audit event
through ``audit.services``.
"""
