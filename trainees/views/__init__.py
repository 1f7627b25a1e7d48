"""Pages of the training pathway, one module per sub-domain: ``pathway`` (cohorts, enrolments, a
fellow's profile), ``calendar`` (the program's deadlines), ``schedule`` (the rotation grid)."""
