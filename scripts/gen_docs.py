"""Regenerate docs/scenario.md from the scenario models: python scripts/gen_docs.py."""

from pathlib import Path

from isoflow.scenario.docs import write

if __name__ == "__main__":
    written = write(Path(__file__).resolve().parent.parent)
    print(f"wrote {written}")
