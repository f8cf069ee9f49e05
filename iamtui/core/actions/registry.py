"""The one list of actions iamtui can plan: adding an action is one catalog module plus one line.

The planner dispatches through ``SPECS``; ``core.permissions`` builds the remediate policy from
each spec's ``calls`` and ``group``; the UI takes keys, menu verbs, help and greying from
``binding``, ``verb`` and ``help``.
"""

from __future__ import annotations

from collections.abc import Mapping

from iamtui.core.actions.catalog import (
    account_password_policy,
    account_security_contact,
    cert_activate,
    cert_deactivate,
    cert_delete,
    group_delete,
    group_remove_user,
    identity_provider_delete,
    instance_profile_delete,
    key_activate,
    key_deactivate,
    key_delete,
    key_rotate,
    mfa_delete_virtual,
    policy_delete_inline,
    policy_delete_unattached,
    policy_detach,
    principal_rightsize,
    role_delete,
    role_quarantine,
    role_update_trust,
    root_deactivate_key,
    root_delete_key,
    server_cert_delete,
    service_credential_activate,
    service_credential_deactivate,
    service_credential_delete,
    ssh_key_activate,
    ssh_key_deactivate,
    ssh_key_delete,
    user_delete,
    user_disable_console,
)
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import Calls

#: Every plannable action, in the order policies and menus list them.
ACTIONS: tuple[ActionSpec, ...] = (
    key_deactivate.SPEC,
    key_activate.SPEC,
    key_rotate.SPEC,
    key_delete.SPEC,
    user_disable_console.SPEC,
    group_remove_user.SPEC,
    user_delete.SPEC,
    ssh_key_deactivate.SPEC,
    ssh_key_activate.SPEC,
    ssh_key_delete.SPEC,
    cert_deactivate.SPEC,
    cert_activate.SPEC,
    cert_delete.SPEC,
    policy_detach.SPEC,
    policy_delete_inline.SPEC,
    policy_delete_unattached.SPEC,
    principal_rightsize.SPEC,
    role_quarantine.SPEC,
    role_update_trust.SPEC,
    role_delete.SPEC,
    account_password_policy.SPEC,
    account_security_contact.SPEC,
    root_deactivate_key.SPEC,
    root_delete_key.SPEC,
    service_credential_deactivate.SPEC,
    service_credential_activate.SPEC,
    service_credential_delete.SPEC,
    group_delete.SPEC,
    mfa_delete_virtual.SPEC,
    server_cert_delete.SPEC,
    instance_profile_delete.SPEC,
    identity_provider_delete.SPEC,
)

#: The spec of each action id.
SPECS: Mapping[ActionId, ActionSpec] = {spec.id: spec for spec in ACTIONS}

#: Every action iamtui can plan, with what it sends.
ACTION_CALLS: Mapping[ActionId, Calls] = {spec.id: spec.calls for spec in ACTIONS}


def groups() -> dict[str, tuple[ActionId, ...]]:
    """The remediate policy's statements: each feature group's actions, in registry order."""
    out: dict[str, list[ActionId]] = {}
    for spec in ACTIONS:
        out.setdefault(spec.group, []).append(spec.id)
    return {group: tuple(ids) for group, ids in out.items()}


__all__ = ["ACTIONS", "ACTION_CALLS", "SPECS", "ActionSpec", "Draft", "groups"]
