"""The permission matrix's rows for the portfolio routes (merged into MATRIX in
tests/trust/test_permission_matrix.py); the objects they name come from world.py beside this."""

from tests.trust.matrix import Route  # noqa: F401

ROUTES: dict = {}
