"""Fellows' confidential evaluations of faculty, rotations and the program: answers kept
apart from who gave them."""
