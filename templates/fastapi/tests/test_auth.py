"""/auth over HTTP: registration, login, rotation with reuse detection, logout, password reset.

The races are driven by concurrent requests (asyncio.gather): with the in-memory repositories
they interleave on the event loop; test_postgres.py runs them on separate connections.
"""

import asyncio
import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from httpx import AsyncClient

from app.container import Container
from app.main import create_app
from tests.helpers import ADMIN_EMAIL, RecordingMailer

pytestmark = pytest.mark.anyio

CREDENTIALS = {"email": "Ada@Example.com", "password": "correct horse battery"}


async def register_and_login(client: AsyncClient) -> dict[str, str]:
    assert (await client.post("/auth/register", json=CREDENTIALS)).status_code == 201
    response = await client.post("/auth/login", json=CREDENTIALS)
    assert response.status_code == 200
    tokens: dict[str, str] = response.json()
    return tokens


async def test_register_login_me(client: AsyncClient) -> None:
    registered = await client.post("/auth/register", json=CREDENTIALS)
    assert registered.status_code == 201
    user = registered.json()
    assert user["email"] == "ada@example.com"
    assert user["role"] == "user"
    assert "passwordHash" not in user
    tokens = (await client.post("/auth/login", json=CREDENTIALS)).json()
    assert tokens["tokenType"] == "Bearer"
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.json() == user


async def test_special_use_domains_are_refused_as_documented(
    client: AsyncClient, container: Container
) -> None:
    """email-validator refuses .test, .local, ...: the OpenAPI document's pattern says so."""
    body = {"email": "someone@example.test", "password": "correct horse battery"}
    assert (await client.post("/auth/register", json=body)).status_code == 422
    schemas = create_app(container).openapi()["components"]["schemas"]
    pattern = schemas["Credentials"]["properties"]["email"]["pattern"]
    assert re.match(pattern, "someone@example.TEST") is None
    assert re.match(pattern, "someone@example.com")


async def test_an_email_registers_once(client: AsyncClient) -> None:
    assert (await client.post("/auth/register", json=CREDENTIALS)).status_code == 201
    again = await client.post("/auth/register", json=CREDENTIALS)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


async def test_admin_emails_register_as_admins(client: AsyncClient) -> None:
    body = {"email": ADMIN_EMAIL, "password": "correct horse battery"}
    assert (await client.post("/auth/register", json=body)).json()["role"] == "admin"


async def test_wrong_passwords_and_unknown_emails_get_the_same_401(client: AsyncClient) -> None:
    await client.post("/auth/register", json=CREDENTIALS)
    wrong = await client.post("/auth/login", json={**CREDENTIALS, "password": "wrong password"})
    unknown = await client.post(
        "/auth/login", json={"email": "nobody@example.com", "password": "whatever it is"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_unknown_emails_cost_a_password_verification(
    client: AsyncClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Login time must not tell registered emails apart: an unknown email still runs Argon2."""
    verified: list[str] = []
    hasher = container.auth._passwords
    original = hasher.verify

    async def counting_verify(password_hash: str, password: str) -> bool:
        verified.append(password)
        return await original(password_hash, password)

    monkeypatch.setattr(hasher, "verify", counting_verify)
    body = {"email": "nobody@example.com", "password": "whatever it is"}
    assert (await client.post("/auth/login", json=body)).status_code == 401
    assert verified == ["whatever it is"]


async def test_passwords_longer_than_72_bytes_are_not_truncated(client: AsyncClient) -> None:
    long = {"email": "long@example.com", "password": "A" * 72 + "-real"}
    assert (await client.post("/auth/register", json=long)).status_code == 201
    other = await client.post("/auth/login", json={**long, "password": "A" * 72 + "-other"})
    assert other.status_code == 401


async def test_refresh_rotates_and_a_replayed_token_revokes_the_family(
    client: AsyncClient,
) -> None:
    first = await register_and_login(client)
    second = await client.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert second.status_code == 200
    rotated = second.json()["refreshToken"]
    assert rotated != first["refreshToken"]
    replayed = await client.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replayed.status_code == 401
    assert replayed.json()["error"]["code"] == "invalid_token"
    # The replay revoked the whole family, including the token rotated from it.
    assert (await client.post("/auth/refresh", json={"refreshToken": rotated})).status_code == 401


async def test_parallel_refreshes_of_one_token_succeed_once(client: AsyncClient) -> None:
    tokens = await register_and_login(client)
    body = {"refreshToken": tokens["refreshToken"]}
    responses = await asyncio.gather(*(client.post("/auth/refresh", json=body) for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * 7
    # The losers were replays: the family is revoked, so the winner's token is dead too.
    winner = next(r for r in responses if r.status_code == 200).json()["refreshToken"]
    assert (await client.post("/auth/refresh", json={"refreshToken": winner})).status_code == 401


async def test_logout_revokes_the_session(client: AsyncClient) -> None:
    tokens = await register_and_login(client)
    body = {"refreshToken": tokens["refreshToken"]}
    assert (await client.post("/auth/logout", json=body)).status_code == 204
    assert (await client.post("/auth/refresh", json=body)).status_code == 401


async def test_unknown_refresh_tokens_are_401(client: AsyncClient) -> None:
    response = await client.post("/auth/refresh", json={"refreshToken": "x" * 43})
    assert response.status_code == 401


async def test_access_tokens_are_checked(client: AsyncClient, container: Container) -> None:
    tokens = await register_and_login(client)
    claims = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    secret = container.settings.jwt_secret.get_secret_value()
    forged = {
        "none": jwt.encode(claims, key=None, algorithm="none"),
        "other key": jwt.encode(claims, "x" * 64, algorithm="HS256"),
        "HS512": jwt.encode(claims, secret, algorithm="HS512"),
        "expired": jwt.encode(
            {**claims, "exp": datetime.now(UTC) - timedelta(minutes=1)}, secret, algorithm="HS256"
        ),
    }
    for name, token in forged.items():
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name


async def test_password_reset_works_once(client: AsyncClient, mailer: RecordingMailer) -> None:
    tokens = await register_and_login(client)
    requested = await client.post("/auth/password-reset/request", json={"email": "ada@example.com"})
    assert requested.status_code == 202
    reset = {"token": mailer.last_token(), "password": "a brand new password"}
    assert (await client.post("/auth/password-reset/confirm", json=reset)).status_code == 204
    again = await client.post("/auth/password-reset/confirm", json=reset)
    assert again.status_code == 401
    # Every session ended; the new password works, the old one does not.
    refresh = {"refreshToken": tokens["refreshToken"]}
    assert (await client.post("/auth/refresh", json=refresh)).status_code == 401
    new_login = {"email": "ada@example.com", "password": "a brand new password"}
    assert (await client.post("/auth/login", json=new_login)).status_code == 200
    assert (await client.post("/auth/login", json=CREDENTIALS)).status_code == 401


async def test_parallel_resets_with_one_token_succeed_once(
    client: AsyncClient, mailer: RecordingMailer
) -> None:
    await register_and_login(client)
    await client.post("/auth/password-reset/request", json={"email": "ada@example.com"})
    token = mailer.last_token()
    responses = await asyncio.gather(
        *(
            client.post(
                "/auth/password-reset/confirm", json={"token": token, "password": f"password {i}"}
            )
            for i in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [204] + [401] * 5


async def test_reset_requests_do_not_reveal_accounts(
    client: AsyncClient, mailer: RecordingMailer
) -> None:
    response = await client.post(
        "/auth/password-reset/request", json={"email": "nobody@example.com"}
    )
    assert response.status_code == 202
    assert mailer.sent == []
