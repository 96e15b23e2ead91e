"""Serving the app with uvicorn: ``run`` for ``digitnet serve``, ``background_server`` for tests.

The server binds 127.0.0.1 unless told otherwise: the page is for the person at the machine.
It applies :data:`~digitnet.web.limits.SERVER_LIMITS` (body size and time, keep-alive,
connections, shutdown). With ``workers`` > 1, uvicorn's supervisor starts that many processes
sharing the listening socket; each loads the model itself (memory per process), serves on its
own, and refuses live training (each would train, and swap in, a network of its own).
"""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from digitnet.activations import Array
from digitnet.errors import DigitnetError
from digitnet.model_io import Model, load_model
from digitnet.web.app import create_app
from digitnet.web.limits import SERVER_LIMITS, ServerLimits
from digitnet.web.state import STATE_KEY

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def load_test_set(model: Model, data_dir: Path | None = None
                  ) -> tuple[tuple[Array, np.ndarray] | None, str, str | None]:
    """The test set of the model's dataset, without downloading: (set or None, name, why not)."""
    from digitnet.data import load_dataset

    name, folder = model.training_data(data_dir)
    if name is None:
        return None, "test", "the model file does not say which dataset it was trained on"
    try:
        dataset = load_dataset(name, data_dir=folder, download=False)
    except DigitnetError as error:
        return None, name, f"cannot load the {name} test set: {error}"
    if dataset.x_test.shape[1:] != (model.network.sizes[0],):
        inputs = model.network.sizes[0]
        return None, name, f"the {name} images do not fit a network of {inputs} inputs"
    return (dataset.x_test, dataset.y_test), dataset.name, None


def bind(host: str, port: int, backlog: int = SERVER_LIMITS.backlog) -> socket.socket:
    """A listening TCP socket on host:port (port 0: any free port); IPv4 or IPv6 as host says."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(backlog)
    return sock


def address(sock: socket.socket) -> str:
    """The page's URL for a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def build_app(model_path: Path, data_dir: Path | None = None, live_training: bool = True,
              limits: ServerLimits = SERVER_LIMITS, my_digits_dir: Path | None = None) -> Any:
    """The app serving the model file at ``model_path``, with its test set when it can be found
    (what each worker process calls: module-level, so it reaches the workers by pickling)."""
    model = load_model(model_path)
    test_set, name, note = load_test_set(model, data_dir)
    return create_app(model, test_set, limits.max_body_bytes, test_set_name=name,
                      test_set_note=note, data_dir=data_dir, my_digits_dir=my_digits_dir,
                      live_training=live_training, body_timeout=limits.body_timeout)


def run(model_path: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
        data_dir: Path | None = None, workers: int = 1,
        limits: ServerLimits = SERVER_LIMITS, my_digits_dir: Path | None = None) -> None:
    """Load the model (and its test set, when it can be found), print the address and serve,
    in ``workers`` processes; the page saves your own digits into ``my_digits_dir`` (None, or
    more than one worker: saving is off).

    Raises ModelFileError for a bad model file and OSError when the port cannot be bound.
    """
    import uvicorn

    if workers < 1:
        raise DigitnetError(f"--workers must be at least 1, got {workers}")
    sock = bind(host, port, limits.backlog)
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        print(f"digitnet: serving {model_path} at {address(sock)} in {workers} processes; live "
              "training and saving your digits need --workers 1  (Ctrl-C to stop)", flush=True)
        factory = functools.partial(build_app, model_path, data_dir, False, limits)
        config = uvicorn.Config(factory, factory=True, workers=workers, log_level="warning",
                                **limits.uvicorn_options())
        Multiprocess(config, sockets=[sock]).run()
        return
    app = build_app(model_path, data_dir, True, limits, my_digits_dir)
    print(f"digitnet: serving {model_path} at {address(sock)}  (Ctrl-C to stop)", flush=True)
    served = getattr(app.state, STATE_KEY).served.get()
    if served.tests is None:
        print(f"digitnet: no test-set browser: {served.test_set_note}", flush=True)
    if my_digits_dir is not None:
        print(f"digitnet: the page saves your own digits into {my_digits_dir}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **limits.uvicorn_options()))
    end_streams_first(server, app)
    server.run(sockets=[sock])


def stopping(app: Any) -> Callable[[], None]:
    """What to call when the server starts stopping: the app's event streams end.

    uvicorn waits for every response to finish before it stops, and an event stream never
    finishes by itself; the app's lifespan shutdown (which stops a training run) comes after.
    """
    state = getattr(getattr(app, "state", None), STATE_KEY, None)
    return state.trainer.end_streams if state is not None else lambda: None


def end_streams_first(server: Any, app: Any) -> None:
    """Make ``server``'s Ctrl-C / SIGTERM handler end the app's event streams first."""
    handle_exit, end_streams = server.handle_exit, stopping(app)

    def handle(sig: int, frame: FrameType | None) -> None:
        end_streams()
        handle_exit(sig, frame)

    server.handle_exit = handle


@contextmanager
def background_server(app: Any, host: str = DEFAULT_HOST, port: int = 0,
                      timeout: float = 10.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; yields its base URL, stops it on exit."""
    import uvicorn

    sock = bind(host, port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                           **SERVER_LIMITS.uvicorn_options()))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the web server did not start")
        time.sleep(0.01)
    try:
        yield address(sock).rstrip("/")
    finally:
        stopping(app)()
        server.should_exit = True
        thread.join(timeout)
        sock.close()
