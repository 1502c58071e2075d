"""The demonstration scenario that ``thamani demo`` tells: it grows with every capability."""
