"""The web face of digitnet: a page to draw a digit and watch the network think, and its API.

``create_app(model)`` builds the FastAPI app; ``run(model_path)`` serves it with uvicorn on
127.0.0.1 (what ``digitnet serve`` calls). Importing this package needs the ``web`` extra.
"""

from digitnet.web.app import create_app
from digitnet.web.server import background_server, run

__all__ = ["background_server", "create_app", "run"]
