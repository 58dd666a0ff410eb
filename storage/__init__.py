"""SQLite storage: the connection, the migrations and every query."""
