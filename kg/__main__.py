"""``python -m kg`` runs the command-line tool."""

from kg.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
