"""Engines: planner, simulator and analysis. They use the domain and never an adapter."""
