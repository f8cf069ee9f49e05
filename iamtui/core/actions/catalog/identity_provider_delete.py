"""identity-provider.delete: delete an OIDC or SAML identity provider no role trusts, with what
recreates it saved.

Planning re-reads every role's trust policy (one paged GetAccountAuthorizationDetails, Filter
Role: the snapshot may be hours old and a role added since may trust the provider) and refuses
when any names it as Federated or admits everyone; the same read is the step's precondition, run
again right before the call. OIDC: GetOpenIDConnectProvider saves the URL, client ids,
thumbprints and tags; undo is CreateOpenIDConnectProvider (same URL, so the same ARN). SAML:
GetSAMLProvider saves the metadata document (public: the IdP's certificates and endpoints) and
tags; undo is CreateSAMLProvider with the same name (same ARN). The metadata goes into the plan
once, in the undo call; the journal's records are at most 16 MiB, so a larger document refuses.
The SAML assertion encryption mode is saved too; a provider holding private keys (for encrypted
assertions) cannot be restored, as GetSAMLProvider never returns the key material, so its delete
is irreversible. An OIDC provider younger than ``grace_days`` is refused: the listing gives no
creation date, so only the plan (GetOpenIDConnectProvider's CreateDate) can tell one being set up.
AWS Client VPN endpoints name SAML providers by ARN without a role trust
(<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ec2-clientvpnendpoint-federatedauthenticationrequest.html>):
the plan warns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from iamtui.core.actions import reads
from iamtui.core.actions.checks import provider_exists, provider_untrusted
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc
from iamtui.core.plan import JSON, ApiCall, Calls, InverseStep, Step, Target
from iamtui.core.subjects import IdentityProviderSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: Largest SAML metadata document planned: the journal's begin record (at most 16 MiB) holds it
#: once, and JSON escaping can make XML up to twice as long. IdP metadata is usually a few KiB.
MAX_METADATA = 4 * 1024 * 1024
#: What the undo cannot bring back.
LOSS = "the recreated provider has a new creation date"
SAML_LOSS = (
    f"{LOSS}, and private keys for decrypting encrypted SAML assertions, if any were added, "
    "cannot be read back and are not restored"
)
#: Why deleting a SAML provider that holds private keys cannot be undone.
KEYS_GONE = "the provider's private keys for encrypted assertions cannot be read back"


def _tags(raw: Mapping[str, Any]) -> list[JSON]:
    return [{"Key": t["Key"], "Value": t["Value"]} for t in raw.get("Tags") or ()]


def _oidc(arn: str, raw: Mapping[str, Any]) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """(CreateOpenIDConnectProvider parameters, before-state) of an OIDC provider."""
    url = str(raw["Url"])
    # GetOpenIDConnectProvider answers without the scheme; CreateOpenIDConnectProvider needs it.
    url = url if url.startswith("https://") else f"https://{url}"
    create: dict[str, JSON] = {
        "Url": url,
        "ClientIDList": [str(c) for c in raw.get("ClientIDList") or ()],
    }
    thumbprints: list[JSON] = [str(t) for t in raw.get("ThumbprintList") or ()]
    if thumbprints:
        create["ThumbprintList"] = thumbprints
    tags = _tags(raw)
    if tags:
        create["Tags"] = tags
    return create, {"kind": "OIDC", **create, "Tags": tags}


def _saml(arn: str, name: str, raw: Mapping[str, Any]) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """(CreateSAMLProvider parameters, before-state) of a SAML provider."""
    document = str(raw["SAMLMetadataDocument"])
    size = len(document.encode())
    if size > MAX_METADATA:
        raise ActionRefused(
            f"SAML provider {name}'s metadata is {size >> 20} MiB: larger than the "
            f"{MAX_METADATA >> 20} MiB iamtui saves for undo; save it and delete it by hand"
        )
    create: dict[str, JSON] = {"Name": name, "SAMLMetadataDocument": document}
    mode = raw.get("AssertionEncryptionMode")
    if mode:
        create["AssertionEncryptionMode"] = str(mode)
    tags = _tags(raw)
    if tags:
        create["Tags"] = tags
    before: dict[str, JSON] = {
        "kind": "SAML",
        "Name": name,
        # The document itself is saved once, in the undo call; here its size and digest.
        "metadata_bytes": size,
        "metadata_sha256": hashlib.sha256(document.encode()).hexdigest(),
        "Tags": tags,
    }
    if mode:
        before["AssertionEncryptionMode"] = str(mode)
    valid = raw.get("ValidUntil")
    if valid is not None:
        before["ValidUntil"] = reads.iso(valid)
    return create, before


def build(planner: Planner, request: Request) -> Draft:
    """Refuse while a role may trust it; else delete it, saving what recreates it."""
    subject = planner.subject(request, IdentityProviderSubject)
    arn, name = subject.arn, subject.name
    if subject.saml and name.startswith("AWSSSO_"):
        raise ActionRefused(
            f"SAML provider {name} belongs to IAM Identity Center: manage it there, not here"
        )
    raw = reads.identity_provider(planner.iam, arn)
    trusting, cognito = reads.roles_trusting(planner.iam, arn)
    if trusting:
        raise ActionRefused(
            f"role {', '.join(trusting[:3])}{' and others' if len(trusting) > 3 else ''} "
            f"trusts identity provider {name} (added since the review?): deleting it would "
            "lock their federated users out"
        )
    warnings: list[str] = []
    if subject.saml:
        create, before = _saml(arn, name, raw)
        delete = ApiCall("DeleteSAMLProvider", {"SAMLProviderArn": arn})
        recreate = ApiCall("CreateSAMLProvider", create)
        kind, loss = "SAML", SAML_LOSS
        warnings.append(
            f"SAML provider {name} may back an AWS Client VPN endpoint (SAMLProviderArn, "
            "SelfServiceSAMLProviderArn), which names it by ARN without any role trust: iamtui "
            "does not read EC2; check the Client VPN endpoints before deleting"
        )
    else:
        _refuse_if_new(planner, name, raw)
        create, before = _oidc(arn, raw)
        delete = ApiCall("DeleteOpenIDConnectProvider", {"OpenIDConnectProviderArn": arn})
        recreate = ApiCall("CreateOpenIDConnectProvider", create)
        kind, loss = "OIDC", LOSS
    if cognito:
        warnings.append(
            f"role {', '.join(cognito[:3])} trusts Amazon Cognito identity pools, which can use "
            f"{kind} provider {name} by ARN without any role trust naming it: check the identity "
            "pools (cognito-identity) before deleting"
        )
    description = f"Delete {kind} identity provider {name} (what recreates it saved)"
    checks = (provider_exists(arn, True), provider_untrusted(arn))
    if subject.saml and raw.get("PrivateKeyList"):
        # No inverse: a provider recreated without its keys cannot decrypt assertions.
        step = Step(
            call=delete,
            description=f"Delete {kind} identity provider {name} (its private keys are lost)",
            preconditions=checks,
            effect=provider_exists(arn, False),
            irreversible_reason=KEYS_GONE,
        )
        note = f"{kind} provider {name} cannot be restored: {KEYS_GONE}"
    else:
        step = Step(
            call=delete,
            description=description,
            preconditions=checks,
            effect=provider_exists(arn, False),
            inverse=(
                InverseStep(
                    recreate,
                    f"Recreate {kind} identity provider {name} with its saved "
                    + ("metadata document" if subject.saml else "URL, client ids, thumbprints")
                    + " and tags",
                    preconditions=(provider_exists(arn, False),),
                    effect=provider_exists(arn, True),
                ),
            ),
            loss=loss,
        )
        note = f"undo recreates {kind} provider {name} under the same ARN, but {loss}"
    return Draft(
        ActionId.IDENTITY_PROVIDER_DELETE,
        f"Delete {kind} identity provider {name}, which no role trusts",
        [Target("identity-provider", name, arn)],
        [step],
        before={arn: before},
        warnings=warnings,
        notes=[note],
    )


def _refuse_if_new(planner: Planner, name: str, raw: Mapping[str, Any]) -> None:
    """An OIDC provider younger than ``grace_days`` is being set up: its roles' trust comes next
    (the finding could not tell, ListOpenIDConnectProviders giving no creation date)."""
    created = raw.get("CreateDate")
    if created is None:
        return
    grace = planner.thresholds.grace_days
    if planner.clock() - as_utc(created) <= timedelta(days=grace):
        raise ActionRefused(
            f"OIDC provider {name} was created {reads.iso(created)}, within the {grace}-day grace "
            "period: it may still be being set up (its role trust comes next); try again later"
        )


SPEC = ActionSpec(
    id=ActionId.IDENTITY_PROVIDER_DELETE,
    calls=Calls(
        plan=(
            "iam:GetOpenIDConnectProvider",
            "iam:GetSAMLProvider",
            "iam:GetAccountAuthorizationDetails",
        ),
        probes=("identity_provider.exists", "identity_provider.trusted_by"),
        run=("iam:DeleteOpenIDConnectProvider", "iam:DeleteSAMLProvider"),
        undo=("iam:CreateOpenIDConnectProvider", "iam:CreateSAMLProvider"),
        implied=("iam:TagOpenIDConnectProvider", "iam:TagSAMLProvider"),
        conditional={
            "iam:GetOpenIDConnectProvider": "for an OIDC provider",
            "iam:DeleteOpenIDConnectProvider": "for an OIDC provider",
            "iam:CreateOpenIDConnectProvider": "for an OIDC provider",
            "iam:TagOpenIDConnectProvider": (
                "AWS authorizes the tags passed to CreateOpenIDConnectProvider as "
                "TagOpenIDConnectProvider too"
            ),
            "iam:GetSAMLProvider": "for a SAML provider",
            "iam:DeleteSAMLProvider": "for a SAML provider",
            "iam:CreateSAMLProvider": "for a SAML provider",
            "iam:TagSAMLProvider": (
                "AWS authorizes the tags passed to CreateSAMLProvider as TagSAMLProvider too"
            ),
        },
    ),
    group="IamtuiActionsProviders",
    verb="Delete identity provider",
    help="DeleteOpenIDConnectProvider / DeleteSAMLProvider, what recreates it saved · undoable",
    subject=IdentityProviderSubject,
    build=build,
    binding="resource-delete",
)
