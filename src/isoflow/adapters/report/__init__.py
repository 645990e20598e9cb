"""HTML report of a plan: one self-contained, offline file (see :func:`render_report`)."""

from isoflow.adapters.report.html import render_html, render_report

__all__ = ["render_html", "render_report"]
