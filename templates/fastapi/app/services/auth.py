"""Authentication use cases: registration, login, refresh-token rotation with reuse detection,
logout, and password reset through a mailed single-use token."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.auth.passwords import PasswordHasher
from app.auth.tokens import AccessTokens, OpaqueToken, hash_token
from app.domain.users import Actor, Credentials, Role, TokenPair, User
from app.errors import ConflictError, InvalidTokenError, NotFoundError, UnauthorizedError
from app.mail import Mail, Mailer
from app.repositories.tokens import NewToken, TokenRepository
from app.repositories.users import UserRepository


@dataclass(frozen=True, slots=True)
class AuthSettings:
    refresh_token_ttl_seconds: int
    password_reset_ttl_seconds: int
    # Emails that register as admins (bootstrap).
    admin_emails: frozenset[str]


class AuthService:
    def __init__(
        self,
        users: UserRepository,
        tokens: TokenRepository,
        passwords: PasswordHasher,
        access_tokens: AccessTokens,
        mailer: Mailer,
        settings: AuthSettings,
    ) -> None:
        self._users = users
        self._tokens = tokens
        self._passwords = passwords
        self._access_tokens = access_tokens
        self._mailer = mailer
        self._settings = settings

    async def register(self, credentials: Credentials) -> User:
        role: Role = "admin" if credentials.email in self._settings.admin_emails else "user"
        password_hash = await self._passwords.hash(credentials.password)
        user = await self._users.create(credentials.email, password_hash, role)
        if user is None:
            raise ConflictError("email already registered")
        return user

    async def login(self, credentials: Credentials) -> TokenPair:
        user = await self._users.find_by_email(credentials.email)
        if user is None:
            # As slow as a wrong password, so the answer's timing does not reveal the account.
            await self._passwords.verify_decoy(credentials.password)
            raise UnauthorizedError("invalid email or password")
        if not await self._passwords.verify(user.password_hash, credentials.password):
            raise UnauthorizedError("invalid email or password")
        if self._passwords.needs_rehash(user.password_hash):
            await self._users.update_password(
                user.id, await self._passwords.hash(credentials.password)
            )
        successor = OpaqueToken.new()
        await self._tokens.create_refresh_token(user.id, self._new_refresh(successor))
        return self._pair(user, successor)

    async def refresh(self, refresh_token: str) -> TokenPair:
        """Rotates a refresh token. Presenting a rotated (or revoked) one revokes its family."""
        now = datetime.now(UTC)
        token_hash = hash_token(refresh_token)
        successor = OpaqueToken.new()
        rotated = await self._tokens.rotate_refresh_token(
            token_hash, self._new_refresh(successor, now), now
        )
        if rotated is None:
            stored = await self._tokens.find_refresh_token(token_hash)
            if stored is not None and stored.revoked_at is not None:
                await self._tokens.revoke_family(stored.family_id, now)
                raise InvalidTokenError("refresh token reuse detected; please log in again")
            raise InvalidTokenError("invalid or expired refresh token")
        user = await self._users.find_by_id(rotated.user_id)
        if user is None:
            raise InvalidTokenError("invalid or expired refresh token")
        return self._pair(user, successor)

    async def logout(self, refresh_token: str) -> None:
        stored = await self._tokens.find_refresh_token(hash_token(refresh_token))
        if stored is not None:
            await self._tokens.revoke_family(stored.family_id, datetime.now(UTC))

    async def me(self, actor: Actor) -> User:
        user = await self._users.find_by_id(actor.id)
        if user is None:
            raise NotFoundError("user")
        return user

    async def request_password_reset(self, email: str) -> None:
        """Always succeeds, so the response does not reveal which emails are registered."""
        user = await self._users.find_by_email(email)
        if user is None:
            return
        reset = OpaqueToken.new()
        expires_at = datetime.now(UTC) + timedelta(
            seconds=self._settings.password_reset_ttl_seconds
        )
        await self._tokens.create_reset_token(user.id, NewToken(reset.token_hash, expires_at))
        await self._mailer.send(
            Mail(
                to=user.email,
                subject="Reset your password",
                text=f"Use this token to reset your password: {reset.token}",
            )
        )

    async def confirm_password_reset(self, token: str, password: str) -> None:
        """Sets a new password with a reset token, which works once; every session ends."""
        password_hash = await self._passwords.hash(password)
        now = datetime.now(UTC)
        user_id = await self._tokens.consume_reset_token(hash_token(token), now)
        if user_id is None:
            raise InvalidTokenError("invalid or expired reset token")
        await self._users.update_password(user_id, password_hash)
        await self._tokens.revoke_all_for_user(user_id, now)

    def verify_access_token(self, token: str) -> Actor:
        return self._access_tokens.verify(token)

    def _new_refresh(self, token: OpaqueToken, now: datetime | None = None) -> NewToken:
        ttl = timedelta(seconds=self._settings.refresh_token_ttl_seconds)
        return NewToken(token.token_hash, (now or datetime.now(UTC)) + ttl)

    def _pair(self, user: User, refresh: OpaqueToken) -> TokenPair:
        return TokenPair(
            access_token=self._access_tokens.sign(Actor(id=user.id, role=user.role)),
            refresh_token=refresh.token,
            expires_in=self._access_tokens.ttl_seconds,
        )
