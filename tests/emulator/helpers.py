"""Small helpers shared by the emulator tests."""

from __future__ import annotations

from typing import Any

import httpx


def new_client(client_id: str = "app1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": client_id,
        "name": "App One",
        "confidential": True,
        "redirect_uris": ["https://app.example.com/callback"],
    }
    body.update(extra)
    return body


def put_body(api: httpx.Client, client_id: str, **changes: Any) -> dict[str, Any]:
    """GET -> modify -> the full PUT body, as Rauthy's own tests build it."""
    body: dict[str, Any] = api.get(f"/clients/{client_id}").json()
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None or k in changes}


def error(response: httpx.Response) -> tuple[int, str, str]:
    """(status, error, message) of a Rauthy JSON error body, checking its shape."""
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["timestamp", "error", "message"]
    assert isinstance(body["timestamp"], int)
    return response.status_code, body["error"], body["message"]
