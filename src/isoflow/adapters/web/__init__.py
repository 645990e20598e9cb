"""The web dashboard: a single page over the service's API (see ``docs/dashboard.md``)."""

from isoflow.adapters.web.pages import dashboard_router

__all__ = ["dashboard_router"]
