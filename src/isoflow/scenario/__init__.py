"""The scenario model: products, sites, processes, lanes, demand, policies and disruptions.

:mod:`isoflow.scenario.schema` holds the pydantic models (the single source of truth: the
JSON Schema and ``docs/scenario.md`` are generated from them).
"""
