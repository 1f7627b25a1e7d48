"""A fellow's own record of growth: individualised learning plans and scholarly activity."""
