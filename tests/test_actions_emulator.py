"""Emulator fidelity the actions rely on: one test per AWS behaviour the fidelity layer adds."""

from __future__ import annotations

from typing import Any

from iamtui.emulator.server import Emulator


def test_create_login_profile_keeps_password_reset_required(emulator: Emulator, iam: Any) -> None:
    """AWS stores CreateLoginProfile's PasswordResetRequired; moto dropped it (always false)."""
    iam.create_user(UserName="ana")
    created = iam.create_login_profile(
        UserName="ana", Password="Very-long-passw0rd!", PasswordResetRequired=True
    )["LoginProfile"]
    assert created["PasswordResetRequired"] is True
    assert iam.get_login_profile(UserName="ana")["LoginProfile"]["PasswordResetRequired"] is True
    iam.delete_login_profile(UserName="ana")
    iam.create_login_profile(UserName="ana", Password="Very-long-passw0rd!")
    assert iam.get_login_profile(UserName="ana")["LoginProfile"]["PasswordResetRequired"] is False
