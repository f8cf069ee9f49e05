"""Action ids: one enum for every layer, so a finding's fix, a plan and a journal entry agree."""

from __future__ import annotations

import enum


class ActionId(enum.StrEnum):
    """Every action iamtui can plan: the one name rules, plans, journal, UI and policies use."""

    KEY_DEACTIVATE = "key.deactivate"
    KEY_ROTATE = "key.rotate"
    KEY_DELETE = "key.delete"
    USER_DISABLE_CONSOLE = "user.disable-console"
    USER_DELETE = "user.delete"
    ROLE_QUARANTINE = "role.quarantine"
    ROLE_DELETE = "role.delete"
    POLICY_DETACH = "policy.detach"
    ROOT_HARDEN = "root.harden"
    KEY_ACTIVATE = "key.activate"
    POLICY_DELETE_INLINE = "policy.delete-inline"
    GROUP_REMOVE_USER = "group.remove-user"
    POLICY_DELETE_UNATTACHED = "policy.delete-unattached"
    #: The root-hardening fixes.
    ROOT_DEACTIVATE_KEY = "root.deactivate-key"
    ROOT_DELETE_KEY = "root.delete-key"
    ACCOUNT_SET_PASSWORD_POLICY = "account.set-password-policy"
    ACCOUNT_SET_SECURITY_CONTACT = "account.set-security-contact"
    INSTANCE_PROFILE_DELETE = "instance-profile.delete"
    IDENTITY_PROVIDER_DELETE = "identity-provider.delete"
    BATCH = "batch"
    UNDO = "undo"
