"""Passwords, access tokens, API keys, the sign-in rate limit and user administration."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from access_fakes import PASSWORD, SECRET, T0, world

from isoflow.adapters.storage.sqlite_users import SqliteUserStore
from isoflow.service.access import (
    Forbidden,
    InvalidCredentials,
    NotFound,
    ReasonRequired,
    TooManyAttempts,
)
from isoflow.service.model import Organisation, Role


def test_passwords_are_argon2id_hashes_and_verify():
    w = world()
    stored = w.users.get_user(w.admin["acme"].org_id, w.admin["acme"].user_id)
    assert stored is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert w.accounts.login("acme", "admin", PASSWORD, "c1").token
    with pytest.raises(InvalidCredentials):
        w.accounts.login("acme", "admin", PASSWORD + "x", "c1")


def test_token_authenticates_with_claims():
    w = world()
    tok = w.accounts.login("acme", "admin", PASSWORD, "c1")
    claims = jwt.decode(tok.token, SECRET, algorithms=["HS256"], audience="isoflow-api",
                        options={"verify_exp": False})  # fmt: skip
    assert {"exp", "iat", "sub", "org", "roles", "jti", "iss", "aud"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == 15 * 60
    actor = w.accounts.authenticate(tok.token, None)
    assert actor is not None
    assert actor.user_id == w.admin["acme"].user_id
    assert actor.roles == frozenset({Role.ADMIN})


def _claims(w):
    tok = w.accounts.login("acme", "admin", PASSWORD, "c1").token
    return jwt.decode(tok, SECRET, algorithms=["HS256"], audience="isoflow-api",
                      options={"verify_exp": False}), tok  # fmt: skip


def test_alg_none_is_refused():
    w = world()
    claims, _ = _claims(w)
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    assert w.accounts.authenticate((header + b"." + body + b".").decode(), None) is None


def test_tampered_payload_is_refused():
    w = world()
    claims, tok = _claims(w)
    head, _, sig = tok.split(".")
    claims["roles"] = ["admin", "approver"]
    claims["sub"] = "u-someone-else"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert w.accounts.authenticate(f"{head}.{body}.{sig}", None) is None


def test_wrong_key_issuer_and_audience_are_refused():
    w = world()
    claims, _ = _claims(w)
    assert w.accounts.authenticate(jwt.encode(claims, b"x" * 32, "HS256"), None) is None
    for field, value in (("iss", "someone"), ("aud", "other-api")):
        forged = jwt.encode({**claims, field: value}, SECRET, "HS256")
        assert w.accounts.authenticate(forged, None) is None
    assert w.accounts.authenticate(jwt.encode(claims, SECRET, "HS256"), None) is not None


def test_expired_token_is_refused():
    w = world()
    tok = w.accounts.login("acme", "admin", PASSWORD, "c1").token
    w.clock.advance(minutes=14, seconds=59)
    assert w.accounts.authenticate(tok, None) is not None
    w.clock.advance(seconds=1)
    assert w.accounts.authenticate(tok, None) is None


def test_deactivated_user_token_is_refused():
    w = world()
    planner = w.person("acme", "pat", {Role.PLANNER})
    tok = w.accounts.login("acme", "pat", PASSWORD, "c1").token
    w.accounts.update_user(w.actors["acme:admin"], planner.user_id, "left", active=False)
    assert w.accounts.authenticate(tok, None) is None


def test_api_key_shown_once_stored_hashed_and_revocable():
    w = world()
    admin = w.actors["acme:admin"]
    svc = w.accounts.create_user(admin, "robot", "Robot", frozenset({Role.PLANNER}), "CI")
    assert svc.service_account
    key, plain = w.accounts.create_api_key(admin, svc.user_id, "ci", "CI pipeline")
    assert plain.startswith("ifk_")
    assert plain.split("_", 2)[2] not in repr(w.users.keys)
    actor = w.accounts.authenticate(None, plain)
    assert actor is not None
    assert actor.user_id == svc.user_id
    assert w.accounts.authenticate(None, plain[:-1] + ("B" if plain[-1] == "A" else "A")) is None
    with pytest.raises(InvalidCredentials):
        w.accounts.login("acme", "robot", "", "c1")
    w.accounts.revoke_api_key(admin, key.key_id, "rotated")
    assert w.accounts.authenticate(None, plain) is None


def test_login_rate_limit_per_user_and_per_client():
    w = world(per_user=3, per_client=5)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            w.accounts.login("acme", "admin", "wrong password!", "c1")
    with pytest.raises(TooManyAttempts):
        w.accounts.login("acme", "admin", PASSWORD, "c1")
    with pytest.raises(TooManyAttempts):
        w.accounts.login("acme", "admin", PASSWORD, "c2")
    w.clock.advance(minutes=16)
    assert w.accounts.login("acme", "admin", PASSWORD, "c1").token
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            w.accounts.login("beta", f"nobody{i}", "x", "c9")
    with pytest.raises(TooManyAttempts):
        w.accounts.login("beta", "admin", PASSWORD, "c9")
    assert w.accounts.login("beta", "admin", PASSWORD, "c3").token


def test_tenants_do_not_see_each_others_users():
    w = world()
    pat = w.person("acme", "pat", {Role.PLANNER})
    beta_admin = w.actors["beta:admin"]
    assert all(u.org_id == beta_admin.org_id for u in w.accounts.list_users(beta_admin))
    with pytest.raises(NotFound):
        w.accounts.get_user(beta_admin, pat.user_id)
    with pytest.raises(NotFound):
        w.accounts.update_user(beta_admin, pat.user_id, "takeover", roles=frozenset())
    key, _ = w.accounts.create_api_key(w.actors["acme:admin"], pat.user_id, "k", "test")
    with pytest.raises(NotFound):
        w.accounts.revoke_api_key(beta_admin, key.key_id, "x")


def test_admin_only_and_reason_required_and_audited():
    w = world()
    pat = w.person("acme", "pat", {Role.PLANNER})
    with pytest.raises(Forbidden):
        w.accounts.list_users(pat)
    admin = w.actors["acme:admin"]
    with pytest.raises(ReasonRequired):
        w.accounts.update_user(admin, pat.user_id, "  ", roles=frozenset({Role.VIEWER}))
    n = len(w.recorder.entries)
    w.accounts.update_user(admin, pat.user_id, "moved team", roles=frozenset({Role.VIEWER}))
    key, _ = w.accounts.create_api_key(admin, pat.user_id, "k", "script")
    w.accounts.revoke_api_key(admin, key.key_id, "done")
    actions = [e.action for e in w.recorder.entries[n:]]
    assert actions == ["user.update", "apikey.create", "apikey.revoke"]
    assert all(e.reason for e in w.recorder.entries)
    assert all(e.actor.org_id for e in w.recorder.entries)
    assert b"argon2" not in b"".join(e.after or b"" for e in w.recorder.entries)


def test_sqlite_user_store_round_trip(tmp_path):
    store = SqliteUserStore(tmp_path / "users.db")
    store.add_org(Organisation("o1", "acme", T0))
    with pytest.raises(KeyError):
        store.add_org(Organisation("o2", "acme", T0))
    from isoflow.service.model import ApiKey, User

    user = User(
        "u1", "o1", "pat", "Pat", "$argon2id$x", frozenset({Role.PLANNER}), T0, "Asia/Tokyo"
    )
    store.add_user(user)
    assert store.get_user("o1", "u1") == user
    assert store.get_user("o2", "u1") is None
    assert store.find_user("o1", "pat") == user
    store.update_user(_bump(user))
    assert store.get_user("o1", "u1").version == 2
    store.add_api_key(ApiKey("k1", "o1", "u1", "ci", "ab", T0))
    assert store.get_api_key("k1").revoked_at is None
    store.add_failure("user:acme/pat", T0)
    assert store.failures_since("user:acme/pat", T0) == 1
    store.clear_failures("user:acme/pat")
    assert store.failures_since("user:acme/pat", T0) == 0
    store.close()


def _bump(user):
    from dataclasses import replace

    return replace(user, version=2, active=False)


def test_accounts_over_sqlite_end_to_end(tmp_path):
    from access_fakes import Clock, ListRecorder
    from argon2 import PasswordHasher

    from isoflow.service.auth import Accounts, ThrottleSettings, Tokens, TokenSettings, init_admin
    from isoflow.service.roles import RoleAuthorizer

    clock = Clock()
    store = SqliteUserStore(tmp_path / "svc.db")
    accounts = Accounts(store, Tokens(TokenSettings(SECRET), clock), clock, ListRecorder(),
                        RoleAuthorizer(), ThrottleSettings(2, 10),
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))  # fmt: skip
    admin = init_admin(store, "root", PASSWORD, "acme", ListRecorder(), clock)
    tok = accounts.login("acme", "root", PASSWORD, "c1").token
    actor = accounts.authenticate(tok, None)
    assert actor is not None
    assert actor.user_id == admin.user_id
    robot = accounts.create_user(actor, "robot", "Robot", frozenset({Role.VIEWER}), "CI")
    key, plain = accounts.create_api_key(actor, robot.user_id, "ci", "CI")
    assert accounts.authenticate(None, plain).user_id == robot.user_id
    accounts.revoke_api_key(actor, key.key_id, "rotate")
    assert accounts.authenticate(None, plain) is None
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            accounts.login("acme", "root", "nope nope nope", "c1")
    with pytest.raises(TooManyAttempts):
        accounts.login("acme", "root", PASSWORD, "c1")
    store.close()


def test_init_admin_from_env_is_idempotent_and_audited():
    from access_fakes import Clock, ListRecorder

    from isoflow.adapters.storage.memory_users import MemoryUserStore
    from isoflow.service.auth import INIT_ADMIN_PASSWORD_ENV, init_admin_from_env

    store, rec, clock = MemoryUserStore(), ListRecorder(), Clock()
    env = {INIT_ADMIN_PASSWORD_ENV: PASSWORD}
    first = init_admin_from_env(store, "root@acme", env, rec, clock)
    assert first.roles == frozenset({Role.ADMIN})
    assert init_admin_from_env(store, "root@acme", env, rec, clock) == first
    assert [e.action for e in rec.entries] == ["user.create"]
    assert rec.entries[0].reason
    with pytest.raises(ValueError, match="NAME@ORG"):
        init_admin_from_env(store, "root", env, rec, clock)
    with pytest.raises(ValueError, match=INIT_ADMIN_PASSWORD_ENV):
        init_admin_from_env(store, "x@beta", {}, rec, clock)
