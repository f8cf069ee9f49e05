"""What a plan offers to finish later: deactivate now, delete once it stayed unused (follow-ups).

The planner attaches these to the plans of the actions in :data:`OFFERS`; re-checking and
planning a due follow-up live in :mod:`iamtui.core.actions.followups`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from iamtui.core.actions.guards import QUARANTINE_POLICY
from iamtui.core.ids import ActionId
from iamtui.core.plan import Evidence, FollowUp, Plan
from iamtui.core.settings import FollowUpSettings
from iamtui.core.subjects import (
    FollowUpSubject,
    KeySubject,
    PrincipalSubject,
    ServiceCredentialSubject,
    UploadedCredentialSubject,
)


@dataclass(frozen=True, slots=True)
class Offer:
    """What one action offers to plan later, after how many days, once what still holds."""

    action: ActionId
    days: Callable[[FollowUpSettings], int]
    evidence: tuple[Evidence, ...]


_KEY = (Evidence.KEY_INACTIVE, Evidence.KEY_UNUSED, Evidence.NO_CLOUDTRAIL_USE)
_CREDENTIAL = (Evidence.CREDENTIAL_INACTIVE,)

#: The actions that offer a follow-up, and what it is.
OFFERS: Mapping[ActionId, Offer] = {
    ActionId.KEY_DEACTIVATE: Offer(ActionId.KEY_DELETE, lambda s: s.key_delete_days, _KEY),
    ActionId.ROLE_QUARANTINE: Offer(
        ActionId.ROLE_DELETE,
        lambda s: s.role_delete_days,
        (Evidence.ROLE_QUARANTINED, Evidence.ROLE_UNUSED, Evidence.NO_CLOUDTRAIL_USE),
    ),
    ActionId.SERVICE_CREDENTIAL_DEACTIVATE: Offer(
        ActionId.SERVICE_CREDENTIAL_DELETE, lambda s: s.credential_delete_days, _CREDENTIAL
    ),
    ActionId.SSH_KEY_DEACTIVATE: Offer(
        ActionId.SSH_KEY_DELETE, lambda s: s.credential_delete_days, _CREDENTIAL
    ),
    ActionId.CERT_DEACTIVATE: Offer(
        ActionId.CERT_DELETE, lambda s: s.credential_delete_days, _CREDENTIAL
    ),
}


def _subjects(plan: Plan) -> Iterator[tuple[FollowUpSubject, str, str | None]]:
    """What each step of a deactivating plan leaves to delete later, from its call's params,
    with the unique id of the principal the step changed (None when the plan did not know it)."""
    for step in plan.steps:
        p = step.call.params
        target = plan.targets[step.target] if step.target < len(plan.targets) else None
        pid = target.principal_id if target is not None else None
        user = str(p.get("UserName", ""))
        match step.call.operation:
            case "UpdateAccessKey" if p.get("Status") == "Inactive" and user:
                kid = str(p["AccessKeyId"])
                yield KeySubject(user, kid), f"delete access key {kid} of {user}", pid
            case "PutRolePolicy" if p.get("PolicyName") == QUARANTINE_POLICY:
                role = str(p["RoleName"])
                yield PrincipalSubject("role", role), f"delete role {role}", pid
            case "UpdateServiceSpecificCredential" if p.get("Status") == "Inactive":
                cid = str(p["ServiceSpecificCredentialId"])
                yield (
                    ServiceCredentialSubject(user, cid),
                    f"delete service-specific credential {cid} of {user}",
                    pid,
                )
            case "UpdateSSHPublicKey" if p.get("Status") == "Inactive":
                cid = str(p["SSHPublicKeyId"])
                yield (
                    UploadedCredentialSubject(user, "ssh-key", cid),
                    f"delete SSH key {cid} of {user}",
                    pid,
                )
            case "UpdateSigningCertificate" if p.get("Status") == "Inactive":
                cid = str(p["CertificateId"])
                yield (
                    UploadedCredentialSubject(user, "certificate", cid),
                    f"delete signing certificate {cid} of {user}",
                    pid,
                )


def offered(plan: Plan, settings: FollowUpSettings) -> Plan:
    """The plan with the follow-ups its action offers (none when ``[followups] offer`` is off)."""
    offer = OFFERS.get(plan.action)
    if offer is None or not settings.offer:
        return plan
    due = plan.built_at + timedelta(days=offer.days(settings))
    follow_ups = tuple(
        FollowUp(offer.action, subject, due, offer.evidence, text, pid)
        for subject, text, pid in _subjects(plan)
    )
    return replace(plan, follow_ups=follow_ups) if follow_ups else plan


def without_follow_ups(plan: Plan) -> Plan:
    """The operator dropped the offer in the preview (or with ``--no-follow-up``)."""
    return replace(plan, follow_ups=())
