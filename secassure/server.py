"""``secassure serve``: gunicorn, run in this process through its application API.

Running gunicorn from our own command rather than as ``gunicorn secassure.wsgi`` means one
program to install and one set of defaults, chosen for this application: the access log on standard
output with private-link tokens redacted, no control socket left in the home folder, and worker
counts bounded so that a large machine does not start dozens of processes against one SQLite file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from secassure.tenancy.logging import RedactInvitationTokens

DEFAULT_BIND = "127.0.0.1:8000"
MAX_DEFAULT_WORKERS = 8


def default_workers(cpus: int | None = None) -> int:
    """One per CPU, at least 2 (so that one long request does not stop the service) and at most
    MAX_DEFAULT_WORKERS.

    Not gunicorn's rule of thumb of two per CPU plus one, which expects workers to spend much of a
    request waiting, on the database or on a slow client. Behind a proxy that takes in a request
    and its answer whole before passing them on (nginx does by default), a slow client does not
    hold a worker; and this application's requests spend most of their time computing (the ORM, the
    templates), while a database on the same machine does its share on the same CPUs, PostgreSQL in
    a process of its own for each connection. More workers than CPUs then only take turns on them,
    and each turn costs processor time of its own. On a two-CPU machine under 16 connections
    (``bench/serve.py --workers-each 2,5``), going from 2 workers to 5 raised the processor time a
    request by a fifth to a quarter on PostgreSQL and by a tenth on SQLite, and cut the requests a
    second by a seventh to a fifth and by about a twentieth. Give more with ``--workers`` where the
    database is across a network and workers wait on it, or where long requests (large submission
    packs) are common; ``--threads`` where the proxy passes slow uploads through as they arrive."""
    cpus = cpus if cpus is not None else (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                          else os.cpu_count() or 1)
    return max(2, min(cpus, MAX_DEFAULT_WORKERS))


@dataclass(frozen=True)
class ServeOptions:
    bind: str = DEFAULT_BIND
    workers: int | None = None
    threads: int = 1
    timeout: int = 120
    access_log: bool = True


def gunicorn_config(options: ServeOptions) -> dict:
    """The gunicorn settings for the options given: the whole of what ``serve`` decides."""
    return {
        "bind": [options.bind],
        "workers": options.workers or default_workers(),
        "threads": options.threads,
        # One thread: the plain synchronous worker. More: gunicorn's threaded worker, in which an
        # idle kept-alive connection does not hold a whole process.
        "worker_class": "gthread" if options.threads > 1 else "sync",
        "timeout": options.timeout,
        "graceful_timeout": 30,
        "accesslog": "-" if options.access_log else None,
        "errorlog": "-",
        "logger_class": RedactingLogger,
        "proc_name": "secassure",
        # gunicorn 25 and later open a control socket under $XDG_RUNTIME_DIR or ~/.gunicorn by
        # default; nothing here uses it, and two servers on one account would contend for it.
        "control_socket_disable": True,
    }


class RedactingLogger(Logger):
    """gunicorn's logger, with the access log passed through the filter that keeps invitation,
    read-and-understood and calendar-feed tokens out of Django's request logs: their paths (and
    the Referer of the pages they open) are secrets until used."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactInvitationTokens) for f in self.access_log.filters):
            self.access_log.addFilter(RedactInvitationTokens())


class Server(BaseApplication):
    """The gunicorn application: its settings come from ``gunicorn_config``, never from a
    gunicorn.conf.py in the working folder or GUNICORN_CMD_ARGS, so what runs is what was asked."""

    def __init__(self, config: dict):
        self.config = config
        super().__init__(prog="secassure serve")

    def load_config(self):
        for name, value in self.config.items():
            self.cfg.set(name, value)

    def load(self):
        from secassure.wsgi import application

        return application
