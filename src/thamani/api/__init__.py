"""The HTTP API: FastAPI app built by ``create_app``, one router per capability."""
