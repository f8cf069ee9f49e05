"""policy.delete-unattached: delete a customer-managed policy nothing uses, every version saved.

AWS refuses DeletePolicy while non-default versions exist, so those go first (DeletePolicyVersion,
oldest first), then the policy. Undo recreates it with the default version's document
(CreatePolicy) and puts the other documents back as non-default versions (CreatePolicyVersion):
the documents and which one is default come back, the version ids and the policy id do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from iamtui.core.actions import reads
from iamtui.core.actions.checks import check, policy_name
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.loader import policy_document
from iamtui.core.plan import JSON, ApiCall, Calls, Check, InverseStep, Step, Target
from iamtui.core.subjects import PolicySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: What the undo cannot bring back.
LOSS = (
    "the recreated policy gets a new policy id and new version ids (v1, v2, ...); its creation "
    "date and version history dates are lost"
)


def _attachments(arn: str, count: JSON) -> Check:
    return check(
        "policy.attachments",
        count,
        f"policy {policy_name(arn)} is attached to nothing"
        if count == 0
        else f"policy {policy_name(arn)} is gone",
        PolicyArn=arn,
    )


def _version(arn: str, version: str, document: JSON) -> Check:
    state = "is unchanged" if document is not None else "is gone"
    return check(
        "policy.version_document",
        document,
        f"version {version} of policy {policy_name(arn)} {state}",
        PolicyArn=arn,
        VersionId=version,
    )


def _has(arn: str, document: JSON, value: bool) -> Check:
    state = "has" if value else "has no"
    return check(
        "policy.has_document",
        value,
        f"policy {policy_name(arn)} {state} version with the saved document",
        PolicyArn=arn,
        Document=document,
    )


def build(planner: Planner, request: Request) -> Draft:
    """Save every version's document, then delete the versions and the policy."""
    arn = planner.subject(request, PolicySubject).arn
    if arn.startswith("arn:aws:iam::aws:policy/"):
        raise ActionRefused(f"{policy_name(arn)} is an AWS managed policy: AWS owns it")
    try:
        policy = planner.iam.get_policy(PolicyArn=arn)["Policy"]
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"policy {arn} does not exist") from exc
        raise
    name = str(policy["PolicyName"])
    count = int(policy.get("AttachmentCount", 0))
    if count:
        raise ActionRefused(
            f"policy {name} is attached to {count} user(s), group(s) or role(s): detach it first "
            "(policy.detach)"
        )
    default = str(policy["DefaultVersionId"])
    versions: list[tuple[str, JSON]] = []
    for entry in sorted(
        reads.pages(planner.iam, "list_policy_versions", "Versions", PolicyArn=arn),
        key=lambda v: v["CreateDate"],
    ):
        vid = str(entry["VersionId"])
        raw = planner.iam.get_policy_version(PolicyArn=arn, VersionId=vid)["PolicyVersion"]
        versions.append((vid, policy_document(raw["Document"])))
    documents = dict(versions)
    tags = [
        {"Key": t["Key"], "Value": t["Value"]}
        for t in reads.pages(planner.iam, "list_policy_tags", "Tags", PolicyArn=arn)
    ]
    target = Target("policy", name, arn)
    steps: list[Step] = []
    first = (_attachments(arn, 0),)
    for vid, document in versions:
        if vid == default:
            continue
        steps.append(
            Step(
                call=ApiCall("DeletePolicyVersion", {"PolicyArn": arn, "VersionId": vid}),
                description=f"Delete non-default version {vid} of policy {name} (document saved)",
                preconditions=(*(first if not steps else ()), _version(arn, vid, document)),
                effect=_version(arn, vid, None),
                inverse=(
                    InverseStep(
                        ApiCall(
                            "CreatePolicyVersion",
                            {"PolicyArn": arn, "PolicyDocument": document, "SetAsDefault": False},
                        ),
                        f"Put the saved document of version {vid} back on policy {name} "
                        "as a non-default version",
                        preconditions=(_has(arn, document, False),),
                        effect=_has(arn, document, True),
                    ),
                ),
                loss=f"version {vid} comes back under a new version id",
            )
        )
    create: dict[str, JSON] = {
        "PolicyName": name,
        "Path": str(policy.get("Path") or "/"),
        "PolicyDocument": documents[default],
    }
    if policy.get("Description"):
        create["Description"] = str(policy["Description"])
    if tags:
        create["Tags"] = tags
    steps.append(
        Step(
            call=ApiCall("DeletePolicy", {"PolicyArn": arn}),
            description=f"Delete policy {name} (default version {default} saved)",
            preconditions=(
                *(first if not steps else ()),
                _version(arn, default, documents[default]),
            ),
            effect=_attachments(arn, None),
            inverse=(
                InverseStep(
                    ApiCall("CreatePolicy", create),
                    f"Recreate policy {name} with its path, description, tags and the default "
                    f"version's document",
                    preconditions=(_attachments(arn, None),),
                    effect=_attachments(arn, 0),
                ),
            ),
            loss=LOSS,
        )
    )
    return Draft(
        ActionId.POLICY_DELETE_UNATTACHED,
        f"Delete unattached policy {name} ({len(versions)} version(s) saved for undo)",
        [target],
        steps,
        before={
            arn: {
                "policy_name": name,
                "path": create["Path"],
                "description": policy.get("Description"),
                "default_version": default,
                "versions": [{"version_id": v, "document": d} for v, d in versions],
                "tags": tags,
            }
        },
        notes=[f"undo recreates policy {name} with every saved document, but {LOSS}"],
    )


SPEC = ActionSpec(
    id=ActionId.POLICY_DELETE_UNATTACHED,
    calls=Calls(
        plan=(
            "iam:GetPolicy",
            "iam:ListPolicyVersions",
            "iam:GetPolicyVersion",
            "iam:ListPolicyTags",
        ),
        probes=("policy.attachments", "policy.version_document", "policy.has_document"),
        run=("iam:DeletePolicyVersion", "iam:DeletePolicy"),
        undo=("iam:CreatePolicy", "iam:CreatePolicyVersion"),
        implied=("iam:TagPolicy",),
        conditional={
            "iam:TagPolicy": "AWS authorizes the tags passed to CreatePolicy as TagPolicy too",
        },
    ),
    group="IamtuiActionsPolicies",
    verb="Delete unattached policy",
    help="DeletePolicyVersion, DeletePolicy, every version saved · undoable",
    subject=PolicySubject,
    build=build,
    binding="policy-remove",
)
