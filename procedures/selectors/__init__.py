"""Scoped reads for the case log, one module per sub-domain (see ``procedures.services``)."""
