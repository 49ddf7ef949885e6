"""Calling the JSON API as a script would: a token made through the product's own action, sent as
a bearer token over HTTPS, and the JSON answer read back."""

from __future__ import annotations

import json

from django.test import Client

from secassure.api.tokens import create_token

BASE = "/api/v1"


def make_token(user, org, *, read_only: bool = False, days: int = 90, name: str = "") -> str:
    """A live token of ``user`` in ``org``; returns the token itself."""
    return create_token(user, org, by=user, name=name or f"test {user.pk} {read_only} {days}", read_only=read_only,
                        days=days)[1]


class Api:
    """An API client holding one token (or none). Each method takes the path after /api/v1 and
    returns the response, whose ``json()`` is the parsed body."""

    def __init__(self, token: str | None = None, address: str = "127.0.0.1"):
        self.token = token
        self.client = Client(REMOTE_ADDR=address)

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, headers=self._headers(), secure=True)

    def send(self, method: str, path: str, body=None):
        data = json.dumps(body if body is not None else {})
        return self.client.generic(method, BASE + path, data, content_type="application/json",
                                   headers=self._headers(), secure=True)

    def post(self, path: str, body=None):
        return self.send("POST", path, body)

    def patch(self, path: str, body=None):
        return self.send("PATCH", path, body)

    def put(self, path: str, body=None):
        return self.send("PUT", path, body)

    def delete(self, path: str):
        return self.client.delete(BASE + path, headers=self._headers(), secure=True)

    def upload(self, path: str, files: dict, data: dict | None = None):
        """A multipart POST, as a browser or curl -F sends a file."""
        return self.client.post(BASE + path, {**(data or {}), **files}, headers=self._headers(), secure=True)

    def everything(self, path: str, **params) -> list:
        """Every item of a paginated list, following ``next`` to the end."""
        items, response = [], self.get(path, **params)
        while True:
            assert response.status_code == 200, response.content
            body = response.json()
            items.extend(body["results"])
            if not body["next"]:
                return items
            response = self.client.get(body["next"], headers=self._headers(), secure=True)
