"""Whether an action applies to its subject's state: one check, and one reason, for every caller.

The planner refuses with these reasons from fresh reads; the UI asks the same questions of the
loaded data to decide which keys to offer and to name, in a batch's preview, each marked row a
batch skips and why. The wording is the same either way because it is the same function.
"""

from __future__ import annotations

from collections.abc import Iterable

from iamtui.core.actions.guards import QUARANTINE_POLICY
from iamtui.core.ids import ActionId
from iamtui.core.model import SERVICE_LINKED_PATH, SSO_RESERVED_PATH_PREFIX, ServiceCredential

#: The status each (de)activation needs its access key, SSH key or certificate to be in.
_KEY_NEEDS = {
    ActionId.KEY_DEACTIVATE: "Active",
    ActionId.KEY_ACTIVATE: "Inactive",
    ActionId.SSH_KEY_DEACTIVATE: "Active",
    ActionId.SSH_KEY_ACTIVATE: "Inactive",
    ActionId.CERT_DEACTIVATE: "Active",
    ActionId.CERT_ACTIVATE: "Inactive",
}


def key_status_refusal(action: ActionId, key: str, user: str, status: str) -> str | None:
    """Deactivating needs an Active key, activating an Inactive one; ``key`` names the key."""
    needed = _KEY_NEEDS.get(action)
    if needed is None or status == needed:
        return None
    return f"{key} of {user} is already {status}"


def service_credential_refusal(action: ActionId, credential: ServiceCredential) -> str | None:
    """Deactivate an Active credential, reactivate an Inactive one, delete one not Active
    (deactivate first: deleting cannot be undone)."""
    what = f"{credential.noun} {credential.credential_id} of {credential.user}"
    status = credential.status
    if action is ActionId.SERVICE_CREDENTIAL_DEACTIVATE and status != "Active":
        return f"{what} is {status}, not Active: nothing to deactivate"
    if action is ActionId.SERVICE_CREDENTIAL_ACTIVATE and status != "Inactive":
        return f"{what} is {status}: only an Inactive credential can be reactivated"
    if action is ActionId.SERVICE_CREDENTIAL_DELETE and status == "Active":
        return (
            f"{what} is Active: deactivate it first (service-credential.deactivate) and watch "
            "for breakage; deleting cannot be undone"
        )
    return None


def console_refusal(user: str, has_password: bool) -> str | None:
    """Disabling console access needs a console password (login profile)."""
    return None if has_password else f"user {user} has no console password"


def managed_role_refusal(role: str, path: str) -> str | None:
    """Identity Center and service-linked roles are changed by AWS, not by iamtui."""
    if path.startswith(SSO_RESERVED_PATH_PREFIX):
        return (
            f"role {role} is managed by IAM Identity Center: change its permission set in "
            "Identity Center instead"
        )
    if path.startswith(SERVICE_LINKED_PATH):
        return f"role {role} is a service-linked role: only its AWS service may change it"
    return None


def quarantined(inline_names: Iterable[str]) -> bool:
    """The role carries iamtui's deny-all quarantine policy."""
    return QUARANTINE_POLICY in inline_names


def quarantine_refusal(role: str, inline_names: Iterable[str]) -> str | None:
    """A role is quarantined once: the policy is already there."""
    if quarantined(inline_names):
        return f"role {role} is already quarantined ({QUARANTINE_POLICY})"
    return None
