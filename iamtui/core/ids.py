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
    SERVICE_CREDENTIAL_DEACTIVATE = "service-credential.deactivate"
    SERVICE_CREDENTIAL_ACTIVATE = "service-credential.activate"
    SERVICE_CREDENTIAL_DELETE = "service-credential.delete"
    ROLE_UPDATE_TRUST = "role.update-trust"
    GROUP_DELETE = "group.delete"
    MFA_DELETE_VIRTUAL = "mfa.delete-virtual"
    SERVER_CERT_DELETE = "server-cert.delete"
    SSH_KEY_DEACTIVATE = "ssh-key.deactivate"
    SSH_KEY_ACTIVATE = "ssh-key.activate"
    SSH_KEY_DELETE = "ssh-key.delete"
    CERT_DEACTIVATE = "cert.deactivate"
    CERT_ACTIVATE = "cert.activate"
    CERT_DELETE = "cert.delete"
    INSTANCE_PROFILE_DELETE = "instance-profile.delete"
    IDENTITY_PROVIDER_DELETE = "identity-provider.delete"
    PRINCIPAL_RIGHTSIZE = "principal.rightsize"
    BATCH = "batch"
    UNDO = "undo"
