"""Services write: each function changes the database for one use case and commits once."""
