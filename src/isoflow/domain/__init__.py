"""Pure domain: nuclear data, decay physics and (in :mod:`isoflow.scenario`) the network model.

Nothing here imports an engine or an adapter.
"""
