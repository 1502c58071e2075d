"""The ``thamani`` command line: one module per capability, all thin."""
