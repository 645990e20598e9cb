"""Adapters: command line, REST API, web dashboard, storage and executors."""
