"""The development server (``secassure runserver``, which ``make run`` starts) sends each answer at
once on a kept-alive connection, instead of holding its body back about 40 ms for the browser's
acknowledgement of its headers."""

from __future__ import annotations

import http.client
import socket
import socketserver
import threading

from django.contrib.staticfiles.management.commands.runserver import Command as StaticFilesRunserver
from django.core.management import get_commands, load_command_class
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from secassure.web import devserver


def _served(server_class: type[WSGIServer]) -> list[bool]:
    """Three requests on one kept-alive connection to a server of that class, threaded as runserver
    threads it; each accepted connection's TCP_NODELAY as its handler found it."""
    found: list[bool] = []

    class Recording(WSGIRequestHandler):
        def setup(self):
            super().setup()
            found.append(bool(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)))

        def log_message(self, *args):
            pass

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    httpd = type("Threaded", (socketserver.ThreadingMixIn, server_class), {})(("127.0.0.1", 0), Recording)
    httpd.daemon_threads = True
    httpd.set_app(app)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
    try:
        for _ in range(3):
            connection.request("GET", "/")
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"ok")
            assert not response.will_close  # the connection is kept alive, as a browser keeps it
    finally:
        connection.close()
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
    return found


def test_the_development_server_sends_each_answer_at_once():
    assert _served(devserver.DevelopmentServer) == [True]  # one connection, kept alive for three requests
    assert _served(WSGIServer) == [False]  # Django's own leaves the delay on


def test_secassure_runserver_is_the_development_server_that_serves_static_files():
    command = load_command_class(get_commands()["runserver"], "runserver")
    assert isinstance(command, StaticFilesRunserver)  # static files still served, as in DEBUG they are
    assert command.server_cls is devserver.DevelopmentServer
