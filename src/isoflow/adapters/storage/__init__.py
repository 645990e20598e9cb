"""Storage adapters: SQLite (WAL, ``synchronous=FULL``), artefact files, in-memory fakes."""
