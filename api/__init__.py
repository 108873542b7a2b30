"""The read API: JWT login and the filterable car listings, on FastAPI."""
