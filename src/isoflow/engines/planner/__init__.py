"""The decay-exact optimising planner (see docs/planner-design.md)."""
