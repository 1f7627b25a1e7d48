"""Didactics pages, one module per sub-domain: ``schedule`` (calendar, series, sessions),
``checkin`` (running and doing check-in), ``attendance`` (the roll and attendance pages) and
``objectives`` (learning objectives, resources, teachers). Thin: gate on the role in the URL's
program (``curriculum.access.program_for``), read through a selector, write through a service.
Anything outside the user's role or program is a 404.
"""
