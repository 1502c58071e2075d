"""``python -m thamani`` runs the command line."""

from thamani.cli.main import main

main()
