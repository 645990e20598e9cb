"""The REST API: a FastAPI application built by ``create_app`` with injected ports."""
