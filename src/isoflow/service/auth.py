"""Sign-in, access tokens, API keys and user administration.

Passwords are kept as Argon2id hashes (argon2-cffi). An access token is a JWT signed with
HS256 and the server's secret: ``iss``, ``aud``, ``sub`` (user id), ``org``, ``roles``,
``iat``, ``exp`` (15 minutes by default) and a random ``jti``; only HS256 is accepted (so
``alg=none`` and every other algorithm are refused), and expiry is checked against the
injected :class:`~isoflow.service.ports.Clock`. An API key (``ifk_<id>_<secret>``) is shown
once; only the SHA-256 of its 256-bit secret is stored, and a revoked key is refused.
Failed sign-ins are counted per user and per client; past the limit sign-in is refused
(:class:`~isoflow.service.access.TooManyAttempts`) until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from isoflow.service.access import (
    Forbidden,
    InvalidCredentials,
    NotFound,
    TooManyAttempts,
    require_reason,
)
from isoflow.service.model import Actor, ApiKey, Organisation, Role, User
from isoflow.service.ports import AuditRecorder, Authorizer, Clock, UserStore
from isoflow.service.roles import Operation

ALGORITHM = "HS256"
KEY_PREFIX = "ifk_"


@dataclass(frozen=True, slots=True)
class TokenSettings:
    """How access tokens are signed and checked."""

    secret: bytes
    issuer: str = "isoflow"
    audience: str = "isoflow-api"
    lifetime: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ValueError("the token secret must be at least 32 bytes")


@dataclass(frozen=True, slots=True)
class ThrottleSettings:
    """Failed sign-ins allowed per user and per client within ``window``."""

    per_user: int = 5
    per_client: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An issued access token."""

    token: str
    expires_in_s: int
    jti: str


def actor_of(user: User) -> Actor:
    """The actor a user acts as."""
    name = user.full_name or user.username
    return Actor(user.user_id, name, user.org_id, user.roles, user.time_zone)


def user_json(user: User) -> bytes:
    """A user's audited state (never its password hash)."""
    data = {
        "user_id": user.user_id,
        "org_id": user.org_id,
        "username": user.username,
        "full_name": user.full_name,
        "roles": sorted(r.value for r in user.roles),
        "time_zone": user.time_zone,
        "active": user.active,
        "service_account": user.service_account,
        "version": user.version,
    }
    return json.dumps(data, sort_keys=True).encode()


class Tokens:
    """Issues and checks access tokens."""

    def __init__(self, settings: TokenSettings, clock: Clock) -> None:
        self._s = settings
        self._clock = clock

    def issue(self, user: User) -> AccessToken:
        """A fresh access token for ``user``."""
        now = self._clock.now()
        jti = secrets.token_hex(16)
        claims = {
            "iss": self._s.issuer,
            "aud": self._s.audience,
            "sub": user.user_id,
            "org": user.org_id,
            "roles": sorted(r.value for r in user.roles),
            "iat": int(now.timestamp()),
            "exp": int((now + self._s.lifetime).timestamp()),
            "jti": jti,
        }
        token = jwt.encode(claims, self._s.secret, algorithm=ALGORITHM)
        return AccessToken(token, int(self._s.lifetime.total_seconds()), jti)

    def claims(self, token: str) -> dict[str, object]:
        """The verified claims; :class:`InvalidCredentials` if anything is wrong."""
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self._s.secret,
                algorithms=[ALGORITHM],
                audience=self._s.audience,
                issuer=self._s.issuer,
                options={
                    "require": ["exp", "iat", "sub", "org", "jti", "iss", "aud"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidCredentials("invalid access token") from exc
        now = self._clock.now().timestamp()
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int) or not isinstance(iat, int) or now >= exp or iat > now + 60:
            raise InvalidCredentials("access token expired")
        return claims


def _key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    """Sign-in, the :class:`~isoflow.service.ports.Authenticator`, and user administration."""

    def __init__(
        self,
        store: UserStore,
        tokens: Tokens,
        clock: Clock,
        recorder: AuditRecorder,
        authorizer: Authorizer,
        throttle: ThrottleSettings | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._tokens = tokens
        self._clock = clock
        self._recorder = recorder
        self._authorizer = authorizer
        self._throttle = throttle or ThrottleSettings()
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    @property
    def clock(self) -> Clock:
        """The clock the accounts run on."""
        return self._clock

    # -- passwords and sign-in -------------------------------------------------------

    def hash_password(self, password: str) -> str:
        """The Argon2id hash of a password (refusing ones shorter than 12 characters)."""
        if len(password) < 12:
            raise ValueError("a password needs at least 12 characters")
        return self._hasher.hash(password)

    def _password_ok(self, user: User | None, password: str) -> bool:
        encoded = user.password_hash if user and user.password_hash else self._dummy
        try:
            ok: bool = self._hasher.verify(encoded, password)
        except (VerificationError, InvalidHashError):
            ok = False
        return ok and user is not None and bool(user.password_hash) and user.active

    def _check_throttle(self, subjects: list[tuple[str, int]]) -> None:
        since = self._clock.now() - self._throttle.window
        for subject, limit in subjects:
            if self._store.failures_since(subject, since) >= limit:
                raise TooManyAttempts(int(self._throttle.window.total_seconds()))

    def login(self, org: str, username: str, password: str, client: str) -> AccessToken:
        """An access token for valid credentials; 401/429 errors otherwise."""
        subjects = [
            (f"user:{org}/{username}", self._throttle.per_user),
            (f"client:{client}", self._throttle.per_client),
        ]
        organisation = self._store.find_org(org)
        user = self._store.find_user(organisation.org_id, username) if organisation else None
        try:
            self._check_throttle(subjects)
        except TooManyAttempts:
            self._audit_attempt(org, username, organisation, user, client, "refused (throttled)")
            raise
        if not self._password_ok(user, password) or user is None:
            now = self._clock.now()
            for subject, _ in subjects:
                self._store.add_failure(subject, now)
            self._audit_attempt(org, username, organisation, user, client, "failed")
            raise InvalidCredentials("unknown user or wrong password")
        self._store.clear_failures(subjects[0][0])
        self._audit_attempt(org, username, organisation, user, client, "succeeded")
        return self._tokens.issue(user)

    def _audit_attempt(
        self,
        org: str,
        username: str,
        organisation: Organisation | None,
        user: User | None,
        client: str,
        outcome: str,
    ) -> None:
        """One sign-in attempt in the audit trail (never the password given)."""
        action = "auth.login" if outcome == "succeeded" else "auth.login_failed"
        if user is not None:
            actor = actor_of(user)
        else:
            org_id = organisation.org_id if organisation else ""
            actor = Actor("unknown", "unknown", org_id, frozenset())
        who = f"{org[:100]}/{username[:100]}"
        self._recorder.record(
            actor, action, "user", user.user_id if user else who, 0, None, None,
            f"sign-in as {who} from {client[:100]} {outcome}", "sign-in",
        )  # fmt: skip

    def reauthenticate(self, actor: Actor, password: str) -> User:
        """The actor's user if ``password`` is its password (signing asks for it again).

        A wrong password counts against the user's sign-in limit, as at sign-in.
        """
        org = self._store.get_org(actor.org_id)
        user = self._store.get_user(actor.org_id, actor.user_id)
        if org is None or user is None:
            raise InvalidCredentials("the signer is unknown")
        subject = f"user:{org.name}/{user.username}"
        self._check_throttle([(subject, self._throttle.per_user)])
        if not self._password_ok(user, password):
            self._store.add_failure(subject, self._clock.now())
            self._recorder.record(
                actor, "auth.reauthenticate_failed", "user", user.user_id, 0, None, None,
                f"re-authentication of {org.name}/{user.username} failed", "signing",
            )  # fmt: skip
            raise InvalidCredentials("the password does not match the signer")
        return user

    # -- Authenticator ---------------------------------------------------------------

    def authenticate(self, bearer: str | None, api_key: str | None) -> Actor | None:
        """The actor of a valid access token or API key, else ``None``."""
        try:
            if bearer:
                claims = self._tokens.claims(bearer)
                user = self._store.get_user(str(claims["org"]), str(claims["sub"]))
            elif api_key:
                user = self._key_user(api_key)
            else:
                return None
        except InvalidCredentials:
            return None
        if user is None or not user.active:
            return None
        return actor_of(user)

    def _key_user(self, api_key: str) -> User | None:
        parts = api_key.removeprefix(KEY_PREFIX).split("_", 1)
        if not api_key.startswith(KEY_PREFIX) or len(parts) != 2:
            return None
        key = self._store.get_api_key(parts[0])
        if key is None or key.revoked_at is not None:
            return None
        if not hmac.compare_digest(key.key_sha256, _key_digest(parts[1])):
            return None
        return self._store.get_user(key.org_id, key.user_id)

    # -- administration --------------------------------------------------------------

    def _admin(self, actor: Actor) -> None:
        if not self._authorizer.allows(actor, Operation.USERS_ADMIN):
            raise Forbidden("users:admin is not allowed for these roles")

    def create_user(
        self,
        actor: Actor,
        username: str,
        full_name: str,
        roles: frozenset[Role],
        reason: str,
        password: str | None = None,
        time_zone: str = "UTC",
    ) -> User:
        """Add a user (a service account when ``password`` is ``None``) to the actor's org."""
        self._admin(actor)
        why = require_reason(reason)
        if self._store.find_user(actor.org_id, username) is not None:
            raise ValueError(f"user {username!r} exists")
        user = User(
            user_id="u-" + secrets.token_hex(8),
            org_id=actor.org_id,
            username=username,
            full_name=full_name,
            password_hash=self.hash_password(password) if password is not None else "",
            roles=roles,
            created_at=self._clock.now(),
            time_zone=time_zone,
            service_account=password is None,
        )
        self._store.add_user(user)
        self._recorder.record(
            actor, "user.create", "user", user.user_id, 1, None, user_json(user),
            f"created {username} with roles {sorted(roles)}", why,
        )  # fmt: skip
        return user

    def get_user(self, actor: Actor, user_id: str) -> User:
        """The actor's organisation's user; :class:`NotFound` otherwise."""
        self._admin(actor)
        user = self._store.get_user(actor.org_id, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        return user

    def list_users(self, actor: Actor) -> list[User]:
        """The actor's organisation's users."""
        self._admin(actor)
        return list(self._store.list_users(actor.org_id))

    def update_user(
        self,
        actor: Actor,
        user_id: str,
        reason: str,
        roles: frozenset[Role] | None = None,
        active: bool | None = None,
    ) -> User:
        """Change a user's roles or active flag."""
        before = self.get_user(actor, user_id)
        why = require_reason(reason)
        after = replace(
            before,
            roles=before.roles if roles is None else roles,
            active=before.active if active is None else active,
            version=before.version + 1,
        )
        self._store.update_user(after)
        diff = f"roles {sorted(before.roles)} -> {sorted(after.roles)}; "
        diff += f"active {before.active} -> {after.active}"
        self._recorder.record(
            actor, "user.update", "user", user_id, after.version, user_json(before),
            user_json(after), diff, why,
        )  # fmt: skip
        return after

    def create_api_key(
        self, actor: Actor, user_id: str, label: str, reason: str
    ) -> tuple[ApiKey, str]:
        """A new API key for a user of the actor's org: the record and the key (shown once)."""
        user = self.get_user(actor, user_id)
        why = require_reason(reason)
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        key = ApiKey(
            key_id, user.org_id, user.user_id, label, _key_digest(secret), self._clock.now()
        )
        self._store.add_api_key(key)
        self._recorder.record(
            actor, "apikey.create", "api_key", key_id, 1, None, _key_json(key),
            f"API key {key_id} ({label}) for {user.username}", why,
        )  # fmt: skip
        return key, f"{KEY_PREFIX}{key_id}_{secret}"

    def revoke_api_key(self, actor: Actor, key_id: str, reason: str) -> ApiKey:
        """Revoke an API key of the actor's org; it is refused from now on."""
        self._admin(actor)
        why = require_reason(reason)
        key = self._store.get_api_key(key_id)
        if key is None or key.org_id != actor.org_id:
            raise NotFound(f"no API key {key_id}")
        revoked = replace(key, revoked_at=key.revoked_at or self._clock.now())
        self._store.update_api_key(revoked)
        self._recorder.record(
            actor, "apikey.revoke", "api_key", key_id, 2, _key_json(key), _key_json(revoked),
            f"API key {key_id} revoked", why,
        )  # fmt: skip
        return revoked


def _key_json(key: ApiKey) -> bytes:
    data = {
        "key_id": key.key_id,
        "org_id": key.org_id,
        "user_id": key.user_id,
        "label": key.label,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }
    return json.dumps(data, sort_keys=True).encode()


SYSTEM_ACTOR_ID = "system"
INIT_ADMIN_PASSWORD_ENV = "ISOFLOW_INIT_ADMIN_PASSWORD"
"""Where :func:`init_admin_from_env` reads the first admin's password (never argv)."""


def init_admin(
    store: UserStore,
    name: str,
    password: str,
    org: str,
    recorder: AuditRecorder,
    clock: Clock,
    hasher: PasswordHasher | None = None,
) -> User:
    """Create organisation ``org`` (if new) and its first admin ``name`` (``--init-admin``).

    Running it again returns the existing user unchanged. Both creations are audited with the
    system actor.
    """
    organisation = store.find_org(org)
    if organisation is None:
        organisation = Organisation("o-" + secrets.token_hex(8), org, clock.now())
        store.add_org(organisation)
    existing = store.find_user(organisation.org_id, name)
    if existing is not None:
        return existing
    if len(password) < 12:
        raise ValueError("a password needs at least 12 characters")
    system = Actor(SYSTEM_ACTOR_ID, "isoflow serve --init-admin", organisation.org_id,
                   frozenset({Role.ADMIN}))  # fmt: skip
    user = User(
        user_id="u-" + secrets.token_hex(8),
        org_id=organisation.org_id,
        username=name,
        full_name=name,
        password_hash=(hasher or PasswordHasher()).hash(password),
        roles=frozenset({Role.ADMIN}),
        created_at=clock.now(),
    )
    store.add_user(user)
    recorder.record(
        system, "user.create", "user", user.user_id, 1, None, user_json(user),
        f"created {name} (admin) in {org}", "initial administrator",
    )  # fmt: skip
    return user


def init_admin_from_env(
    store: UserStore,
    spec: str,
    environ: Mapping[str, str],
    recorder: AuditRecorder,
    clock: Clock,
) -> User:
    """``--init-admin NAME@ORG`` with the password from :data:`INIT_ADMIN_PASSWORD_ENV`."""
    name, sep, org = spec.partition("@")
    if not sep or not name or not org:
        raise ValueError(f"--init-admin expects NAME@ORG, not {spec!r}")
    password = environ.get(INIT_ADMIN_PASSWORD_ENV, "")
    if not password:
        raise ValueError(f"set {INIT_ADMIN_PASSWORD_ENV} to the first admin's password")
    return init_admin(store, name, password, org, recorder, clock)
