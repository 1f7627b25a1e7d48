"""Clinical and educational work hours: the ACGME rules, computed per fellow."""
