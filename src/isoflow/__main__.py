"""``python -m isoflow``: the ``isoflow`` command line."""

from isoflow.adapters.cli.app import main

if __name__ == "__main__":
    main()
