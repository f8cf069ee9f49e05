"""principal.rightsize: a user's or role's policies without what it has not used, as one
guarded plan with a diff per policy, every old document saved for undo.

The proposal comes from ``core/rightsize.py`` (pure); this module reads the policies fresh,
refuses when they changed since the data the operator reviewed, and turns each ``Rewrite``
into IAM calls. A customer-managed policy only this principal uses gets a new default version
(AWS keeps at most five: the oldest non-default one is deleted first, its document saved); an
inline policy is replaced or deleted; an AWS-managed or shared policy is copied into a new
customer-managed policy for this principal, attached, and only then the shared one detached,
so the principal never holds less than the result (AWS IAM User Guide, *Versioning IAM
policies*: https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html).
At the quota of managed policies per principal (*IAM and AWS STS quotas*) AWS refuses the
attachment, so there the shared one is detached first and the preview warns.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from iamtui.core import rightsize
from iamtui.core.actions import reads
from iamtui.core.actions.checks import OP_KIND, PARAM, attached_is, check, inline_is, policy_name
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.rightsize_reads import (
    Fresh,
    ManagedRead,
    grants,
    read_fresh,
    refuse_if_changed,
    refuse_self,
)
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import detach_step, inline_step
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc
from iamtui.core.model import Role
from iamtui.core.plan import JSON, ApiCall, Calls, Check, InverseStep, Step, Target
from iamtui.core.policy import document_diff
from iamtui.core.rightsize import Grant, Method, Proposal, Rewrite, RightsizeOptions
from iamtui.core.settings import Settings
from iamtui.core.subjects import PrincipalSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: The tag iamtui puts on a right-sized copy: the policy it was copied from.
COPY_TAG = "iamtui:rightsized-from"

#: The options a request may carry (``Request.params``), as RightsizeOptions fields.
OPTION_NAMES = ("window_days", "narrow_wildcards")


def options_of(request: Request, settings: Settings | None = None) -> RightsizeOptions:
    """The request's right-sizing options; those it does not give come from the config's
    ``[rightsize]`` section, so the plan drops what the review screen showed."""
    given = dict(request.params)
    options = rightsize.options_from(settings or Settings())
    if "narrow_wildcards" in given:
        options = replace(options, narrow_wildcards=bool(given["narrow_wildcards"]))
    window = given.get("window_days")
    return options if window is None else replace(options, window_days=int(window))


def diff_lines(old: JSON, new: JSON | None, label: str) -> tuple[str, ...]:
    """The document's change as the preview shows it (no new one: every line removed)."""
    return document_diff(old, new, f"{label} now", f"{label} right-sized")


def undo_diff_lines(now: JSON, restored: JSON, label: str) -> tuple[str, ...]:
    """An undo's change: from the right-sized document back to the one it replaced (the
    undo preview must not call the restored side "right-sized")."""
    return document_diff(now, restored, f"{label} now", f"{label} restored (before right-sizing)")


# --- checks -------------------------------------------------------------------------------


def default_version_is(arn: str, version: JSON) -> Check:
    """The policy's default version id (None: the policy is gone)."""
    return check(
        "policy.default_version",
        version,
        f"the default version of policy {policy_name(arn)} is {version}",
        PolicyArn=arn,
    )


def default_document_is(arn: str, document: JSON, what: str) -> Check:
    """The policy's default version's document (None: no such policy)."""
    text = f"policy {policy_name(arn)} {what}"
    return check("policy.default_document", document, text, PolicyArn=arn)


def version_document_is(arn: str, version: JSON, document: JSON, what: str) -> Check:
    """One version's document (None: the version is gone)."""
    return check(
        "policy.version_document",
        document,
        f"version {version if isinstance(version, str) else '(new)'} of policy "
        f"{policy_name(arn)} {what}",
        PolicyArn=arn,
        VersionId=version,
    )


def attachments_are(arn: str, count: JSON, what: str) -> Check:
    """How many principals the policy is attached to (None: gone)."""
    return check("policy.attachments", count, f"policy {policy_name(arn)} {what}", PolicyArn=arn)


def has_document(arn: str, document: JSON) -> Check:
    """Some version of the policy has this document."""
    return check(
        "policy.has_document",
        True,
        f"policy {policy_name(arn)} has a version with the saved document",
        PolicyArn=arn,
        Document=document,
    )


# --- steps per method ---------------------------------------------------------------------


def _dropped(rewrite: Rewrite) -> str:
    """`` (drops: kms:*, s3:PutObject)``: what goes, said without the diff (whose kept lines
    can look removed and re-added when only a comma changed)."""
    parts = [f"{s}:*" for s in rewrite.dropped_services] + list(rewrite.dropped_actions)
    shown = ", ".join(parts[:6]) + (f" and {len(parts) - 6} more" if len(parts) > 6 else "")
    return f" (drops: {shown})" if shown else ""


def new_version_steps(target: Target, managed: ManagedRead, rewrite: Rewrite) -> list[Step]:
    """A new default version; at AWS's five versions, the oldest non-default one goes first."""
    arn, name, new = managed.arn, managed.name, rewrite.document
    old, default = managed.document, managed.default_version
    steps: list[Step] = []
    first = (
        attachments_are(arn, managed.attachment_count, "is attached as when planned"),
        default_version_is(arn, default),
    )
    if managed.oldest is not None:
        oldest, saved = managed.oldest
        steps.append(
            Step(
                call=ApiCall("DeletePolicyVersion", {"PolicyArn": arn, "VersionId": oldest}),
                description=(
                    f"Delete version {oldest} of policy {name}, its oldest non-default one "
                    f"(AWS keeps at most {rightsize.POLICY_VERSIONS_MAX}; document saved)"
                ),
                preconditions=(*first, version_document_is(arn, oldest, saved, "is unchanged")),
                effect=version_document_is(arn, oldest, None, "is gone"),
                inverse=(
                    InverseStep(
                        ApiCall(
                            "CreatePolicyVersion",
                            {"PolicyArn": arn, "PolicyDocument": saved, "SetAsDefault": False},
                        ),
                        f"Put the saved document of version {oldest} back on policy {name} as "
                        "a non-default version",
                        preconditions=(default_version_is(arn, default),),
                        effect=has_document(arn, saved),
                    ),
                ),
                loss=f"version {oldest} comes back under a new version id",
            )
        )
    created = {"$result": "VersionId"}
    steps.append(
        Step(
            call=ApiCall(
                "CreatePolicyVersion",
                {"PolicyArn": arn, "PolicyDocument": new, "SetAsDefault": True},
            ),
            description=(
                f"Make a right-sized version the default of policy {name}{_dropped(rewrite)}"
            ),
            preconditions=(
                *(first if not steps else ()),
                default_document_is(arn, old, "is unchanged since the plan"),
            ),
            effect=default_document_is(arn, new, "has the right-sized default version"),
            inverse=(
                InverseStep(
                    ApiCall("SetDefaultPolicyVersion", {"PolicyArn": arn, "VersionId": default}),
                    f"Make version {default} the default of policy {name} again",
                    preconditions=(
                        default_document_is(arn, new, "still has iamtui's version as default"),
                    ),
                    effect=default_version_is(arn, default),
                    changes=undo_diff_lines(new, old, f"policy {name}"),
                ),
                InverseStep(
                    ApiCall("DeletePolicyVersion", {"PolicyArn": arn, "VersionId": created}),
                    f"Delete the right-sized version iamtui made of policy {name}",
                    preconditions=(default_version_is(arn, default),),
                    effect=version_document_is(arn, created, None, "is gone"),
                ),
            ),
            changes=diff_lines(old, new, f"policy {name}"),
        )
    )
    return steps


def replace_inline_step(target: Target, policy: str, old: JSON, rewrite: Rewrite) -> Step:
    """Put the right-sized document; undo puts the old one back if iamtui's is still there."""
    kind, name = target.kind, target.name
    param, op = PARAM[kind], OP_KIND[kind]
    new = rewrite.document

    def put(document: JSON) -> ApiCall:
        return ApiCall(
            f"Put{op}Policy", {param: name, "PolicyName": policy, "PolicyDocument": document}
        )

    return Step(
        call=put(new),
        description=f"Replace inline policy {policy} of {kind} {name} with its right-sized "
        f"document{_dropped(rewrite)} (old one saved)",
        preconditions=(inline_is(kind, name, policy, old),),
        effect=inline_is(kind, name, policy, new),
        inverse=(
            InverseStep(
                put(old),
                f"Put the saved document of inline policy {policy} back on {kind} {name}",
                preconditions=(inline_is(kind, name, policy, new),),
                effect=inline_is(kind, name, policy, old),
                changes=undo_diff_lines(new, old, f"inline policy {policy}"),
            ),
        ),
        changes=diff_lines(old, new, f"inline policy {policy}"),
    )


def copy_of(target: Target, managed: ManagedRead, rewrite: Rewrite) -> str:
    """The copy's name: the engine's, which knew the account's policy names."""
    return rewrite.new_policy_name or rightsize.copy_name(target.kind, target.name, managed.name)


def copy_arn_of(target: Target, account: str, copy: str) -> str:
    """The copy's ARN (path ``/``), in the principal's partition."""
    return f"arn:{rightsize.arn_partition(target.arn)}:iam::{account}:policy/{copy}"


def refuse_taken_copy_name(planner: Planner, target: Target, copy: str) -> None:
    """Policy names are unique in the account: a policy made since the reviewed data under the
    copy's name would fail CreatePolicy mid-run, so the plan is refused before it."""
    arn = copy_arn_of(target, planner.snapshot.account_id, copy)
    try:
        planner.iam.get_policy(PolicyArn=arn)
    except ClientError as exc:
        if reads.missing(exc):
            return
        raise
    raise ActionRefused(
        f"a policy named {copy} already exists (made since the data you reviewed, loaded "
        f"{planner.data_time()}): reload and review, the copy then gets another name"
    )


def copy_steps(
    target: Target,
    managed: ManagedRead,
    rewrite: Rewrite,
    account: str,
    *,
    detach_first: bool = False,
) -> list[Step]:
    """A customer-managed copy for this principal, attached, then the shared one detached; at
    the managed-policy quota (``detach_first``) the shared one is detached before the copy is
    attached, since AWS refuses an attachment over the quota (LimitExceeded)."""
    kind, name = target.kind, target.name
    param, op = PARAM[kind], OP_KIND[kind]
    copy = copy_of(target, managed, rewrite)
    copy_arn = copy_arn_of(target, account, copy)
    new = rewrite.document
    whose = "AWS managed policy" if managed.aws_managed else "shared policy"
    create: dict[str, JSON] = {
        "PolicyName": copy,
        "PolicyDocument": new,
        "Description": f"iamtui right-sized copy of {managed.name} for {kind} {name}"[:1000],
        "Tags": [{"Key": COPY_TAG, "Value": managed.arn}],
    }
    detach = detach_step(
        kind,
        name,
        managed.arn,
        0,
        first=(
            default_document_is(copy_arn, new, "exists with the right-sized document")
            if detach_first
            else attached_is(kind, name, copy_arn, True),
        ),
    )
    why_first = (
        f" first: {kind} {name} is at the quota of {rightsize.MANAGED_POLICIES_PER_PRINCIPAL} "
        "managed policies, so the copy can only be attached once it is gone"
        if detach_first
        else " (its copy replaces it)"
    )
    make, attach, detach_shared = [
        Step(
            call=ApiCall("CreatePolicy", create),
            description=f"Create policy {copy}: a right-sized copy of {whose} {managed.name} "
            f"for {kind} {name}{_dropped(rewrite)}",
            preconditions=(
                default_document_is(copy_arn, None, "does not exist yet"),
                default_document_is(managed.arn, managed.document, "is unchanged since the plan"),
            ),
            effect=default_document_is(copy_arn, new, "exists with the right-sized document"),
            inverse=(
                InverseStep(
                    ApiCall("DeletePolicy", {"PolicyArn": copy_arn}),
                    f"Delete policy {copy}, the copy iamtui made (versions added since go first)",
                    preconditions=(
                        attachments_are(copy_arn, 0, "is attached to nothing"),
                        default_document_is(
                            copy_arn,
                            new,
                            "has the document iamtui made as its default (else the copy was "
                            "changed since: review and delete it by hand)",
                        ),
                    ),
                    effect=attachments_are(copy_arn, None, "is gone"),
                ),
            ),
            changes=diff_lines(managed.document, new, f"{managed.name} → {copy}"),
        ),
        Step(
            call=ApiCall(f"Attach{op}Policy", {param: name, "PolicyArn": copy_arn}),
            description=f"Attach the right-sized copy {copy} to {kind} {name}",
            preconditions=(attached_is(kind, name, copy_arn, False),),
            effect=attached_is(kind, name, copy_arn, True),
            inverse=(
                InverseStep(
                    ApiCall(f"Detach{op}Policy", {param: name, "PolicyArn": copy_arn}),
                    f"Detach the right-sized copy {copy} from {kind} {name}",
                    preconditions=(attached_is(kind, name, copy_arn, True),),
                    effect=attached_is(kind, name, copy_arn, False),
                ),
            ),
        ),
        Step(
            call=detach.call,
            description=f"Detach {whose} {managed.name} from {kind} {name}{why_first}",
            preconditions=detach.preconditions,
            effect=detach.effect,
            inverse=detach.inverse,
            loss=detach.loss,
        ),
    ]
    return [make, detach_shared, attach] if detach_first else [make, attach, detach_shared]


def quota_warning(target: Target, managed: ManagedRead, copy: str) -> str:
    """Why a copy's steps detach before they attach, and what that costs in between."""
    return (
        f"{target.kind} {target.name} is at the quota of "
        f"{rightsize.MANAGED_POLICIES_PER_PRINCIPAL} managed policies, so {managed.name} is "
        f"detached before its copy {copy} is attached (AWS refuses an eleventh): between the "
        "two calls it has fewer permissions than the result"
    )


def detach_unused_step(target: Target, managed: ManagedRead, rewrite: Rewrite) -> Step:
    """Nothing of the policy was used: detach it from this principal only."""
    step = detach_step(
        target.kind,
        target.name,
        managed.arn,
        0,
        first=(default_document_is(managed.arn, managed.document, "is unchanged since the plan"),),
    )
    return Step(
        call=step.call,
        description=f"Detach managed policy {managed.name} from {target.kind} {target.name}: "
        f"none of it was used{_dropped(rewrite)}",
        preconditions=step.preconditions,
        effect=step.effect,
        inverse=step.inverse,
        loss=step.loss,
        changes=diff_lines(managed.document, None, f"policy {managed.name}"),
    )


def delete_inline_step(target: Target, policy: str, old: JSON, rewrite: Rewrite) -> Step:
    """Nothing of the inline policy was used: delete it, the document saved for undo."""
    step = inline_step(target.kind, target.name, policy, old, 0)
    return Step(
        call=step.call,
        description=f"Delete inline policy {policy} of {target.kind} {target.name}: none of it "
        f"was used{_dropped(rewrite)} (document saved)",
        preconditions=step.preconditions,
        effect=step.effect,
        inverse=step.inverse,
        changes=diff_lines(old, None, f"inline policy {policy}"),
    )


# --- the plan -----------------------------------------------------------------------------


def _label(grant: Grant) -> str:
    where = f" (via group {grant.via_group})" if grant.via_group else ""
    return f"{grant.kind} policy {grant.name}{where}"


def steps_for(
    planner: Planner, fresh: Fresh, proposal: Proposal
) -> tuple[list[Step], dict[str, JSON], list[str]]:
    """The steps of every rewrite that changes something, what each saved, and the warnings
    of copies made at the managed-policy quota (detached before attached)."""
    managed = {m.arn: m for m in fresh.managed}
    attached = len(fresh.managed)  # as the steps run, in order (the managed-policy quota)
    steps: list[Step] = []
    saved: dict[str, JSON] = {}
    warnings: list[str] = []
    target = fresh.target
    for rewrite in proposal.changes:
        grant = rewrite.grant
        if grant.via_group:
            continue  # never rewritten; the engine should not propose it
        if grant.kind == "inline":
            old = fresh.inline.get(grant.name)
            if old is None:
                raise ActionRefused(f"inline policy {grant.name} of {target.name} is gone")
            saved[f"inline:{grant.name}"] = old
            if rewrite.method is Method.REPLACE_INLINE:
                steps.append(replace_inline_step(target, grant.name, old, rewrite))
            elif rewrite.method is Method.DELETE_INLINE:
                steps.append(delete_inline_step(target, grant.name, old, rewrite))
            else:
                raise ActionRefused(
                    f"{rewrite.method} does not apply to inline policy {grant.name}"
                )
            continue
        read = managed.get(grant.arn or "")
        if read is None:
            raise ActionRefused(
                f"managed policy {grant.name} is no longer attached to {target.name}"
            )
        saved[f"managed:{read.arn}"] = {
            "default_version": read.default_version,
            "document": read.document,
        }
        if rewrite.method is Method.NEW_VERSION:
            if read.aws_managed:
                raise ActionRefused(f"{read.name} is an AWS managed policy: AWS owns it")
            if read.oldest is not None:
                saved[f"managed:{read.arn}"] = {
                    **saved[f"managed:{read.arn}"],
                    "deleted_version": {"version_id": read.oldest[0], "document": read.oldest[1]},
                }
            steps += new_version_steps(target, read, rewrite)
        elif rewrite.method is Method.COPY_AND_DETACH:
            refuse_taken_copy_name(planner, target, copy_of(target, read, rewrite))
            at_quota = attached >= rightsize.MANAGED_POLICIES_PER_PRINCIPAL
            steps += copy_steps(
                target, read, rewrite, planner.snapshot.account_id, detach_first=at_quota
            )
            if at_quota:
                warnings.append(quota_warning(target, read, copy_of(target, read, rewrite)))
        elif rewrite.method is Method.DETACH:
            steps.append(detach_unused_step(target, read, rewrite))
            attached -= 1
        else:
            raise ActionRefused(f"{rewrite.method} does not apply to managed policy {read.name}")
    return steps, saved, warnings


def _who(arn: str) -> str:
    """``role app`` for ``arn:aws:iam::123456789012:role/team/app``."""
    kind, _, rest = arn.split(":", 5)[-1].partition("/")
    return f"{kind} {rest.rsplit('/', 1)[-1]}"


def warnings_for(planner: Planner, fresh: Fresh, proposal: Proposal) -> list[str]:
    """Who else a shared policy reaches, the limits the result misses, and recent use."""
    out: list[str] = []
    me = fresh.target.arn
    for rewrite in proposal.changes:
        others = [_who(a) for a in rewrite.grant.attached_to if a != me]
        if others and rewrite.method is Method.COPY_AND_DETACH:
            shown = ", ".join(others[:5]) + (
                f" and {len(others) - 5} more" if len(others) > 5 else ""
            )
            out.append(
                f"policy {rewrite.grant.name} is also attached to {shown}: it stays as it is for "
                f"them; {fresh.target.name} gets its own right-sized copy"
            )
    out += list(proposal.problems)
    data = planner.snapshot.last_accessed.get(me)
    used: list[tuple[datetime, str]] = [
        (as_utc(s.last_authenticated), s.namespace)
        for s in (data.services if data is not None else ())
        if s.last_authenticated is not None
    ]
    if used:
        when, service = max(used)
        if planner.clock() - when <= timedelta(days=30):
            out.append(
                f"{fresh.target.kind} {fresh.target.name} is in use (last {when:%Y-%m-%d %H:%M} "
                f"UTC, {service}): a call it makes to what is dropped will be denied (undo "
                "puts the old policies back)"
            )
    return out


def notes_for(proposal: Proposal) -> list[str]:
    """What right-sizing leaves as it is, and why."""
    out: list[str] = []
    for rewrite in proposal.rewrites:
        label = _label(rewrite.grant)
        if rewrite.method is Method.CANNOT:
            out.append(f"{label} is not right-sized: {rewrite.reason or 'it cannot be applied'}")
        elif rewrite.method is Method.KEEP and rewrite.reason:
            out.append(f"{label} is kept: {rewrite.reason}")
        out += [f"{label}: {note}" for note in rewrite.notes]
    return out


def propose_for(planner: Planner, request: Request) -> tuple[Fresh, Proposal]:
    """Fresh reads, the guards that need no engine, and the engine's proposal."""
    subject = planner.subject(request, PrincipalSubject)
    if subject.kind not in ("user", "role"):
        raise ActionRefused(f"{ActionId.PRINCIPAL_RIGHTSIZE.value} acts on a user or a role")
    fresh = read_fresh(planner, subject.kind, subject.name)
    if isinstance(fresh.principal, Role):
        role = reads.RoleState(
            fresh.principal.name,
            fresh.principal.arn,
            fresh.principal.role_id,
            fresh.principal.path,
            fresh.principal.trust_policy,
        )
        planner.refuse_aws_managed_role(role)
        planner.refuse_protected_role(role)
    refuse_self(planner, fresh.target)
    refuse_if_changed(planner, fresh)
    data = planner.snapshot.last_accessed.get(fresh.target.arn)
    proposal = rightsize.propose(
        fresh.principal,
        grants(planner, fresh),
        data,
        now=planner.clock(),
        options=options_of(request, planner.settings),
        settings=planner.settings,
        taken_names=rightsize.customer_policy_names(planner.snapshot),
    )
    return fresh, proposal


def build(planner: Planner, request: Request) -> Draft:
    """Read the policies now, propose, and turn each rewrite into guarded, undoable calls."""
    fresh, proposal = propose_for(planner, request)
    target = fresh.target
    who = f"{target.kind} {target.name}"
    if proposal.refused:
        raise ActionRefused(f"cannot right-size {who}: {proposal.refused}")
    steps, saved, quota_warnings = steps_for(planner, fresh, proposal)
    if not steps:
        if not proposal.unused_services and not proposal.unused_actions:
            raise ActionRefused(
                f"nothing to right-size for {who}: it used everything it is granted"
            )
        kept = "; ".join(notes_for(proposal)[:2]) or "see the review"
        raise ActionRefused(f"nothing to right-size for {who} that can be applied: {kept}")
    # What the plan drops, not every unused service: a group's policy is reported, not changed.
    dropped = sorted({d for r in proposal.changes for d in r.dropped_services})
    shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
    changed = len(proposal.changes)
    summary = f"Right-size {who}: {changed} polic{'y' if changed == 1 else 'ies'}" + (
        f", drop {shown}" if shown else ""
    )
    return Draft(
        ActionId.PRINCIPAL_RIGHTSIZE,
        summary,
        [target],
        steps,
        before={target.arn: {"rightsize": saved}},
        warnings=[*quota_warnings, *warnings_for(planner, fresh, proposal)],
        notes=notes_for(proposal),
        options={
            "window_days": proposal.options.window_days,
            "narrow_wildcards": proposal.options.narrow_wildcards,
            "unused_services": list(proposal.unused_services),
            "unused_actions": list(proposal.unused_actions),
        },
    )


def proposal_json(proposal: Proposal) -> JSON:
    """The proposal as plain data (``iamtui rightsize --format json``, format version 1)."""
    return {
        "principal_arn": proposal.principal_arn,
        "principal_name": proposal.principal_name,
        "kind": proposal.kind,
        "refused": proposal.refused or None,
        "data_completed_at": reads.iso(proposal.data_completed_at),
        "window_days": proposal.options.window_days,
        "narrow_wildcards": proposal.options.narrow_wildcards,
        "unused_services": list(proposal.unused_services),
        "unused_actions": list(proposal.unused_actions),
        "problems": list(proposal.problems),
        "rewrites": [
            {
                "policy": r.grant.name,
                "kind": r.grant.kind,
                "arn": r.grant.arn,
                "via_group": r.grant.via_group,
                "method": r.method.value,
                "reason": r.reason or None,
                "dropped_services": list(r.dropped_services),
                "dropped_actions": list(r.dropped_actions),
                "notes": list(r.notes),
                "document": r.grant.document,
                "proposed": r.document,
            }
            for r in proposal.rewrites
        ],
    }


SPEC = ActionSpec(
    id=ActionId.PRINCIPAL_RIGHTSIZE,
    calls=Calls(
        plan=(
            "iam:GetUser",
            "iam:GetRole",
            "iam:ListUserPolicies",
            "iam:GetUserPolicy",
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:ListAttachedUserPolicies",
            "iam:ListAttachedRolePolicies",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:ListPolicyVersions",
            "iam:ListEntitiesForPolicy",
        ),
        probes=(
            "policy.attached",
            "inline.document",
            "policy.attachments",
            "policy.default_version",
            "policy.default_document",
            "policy.version_document",
            "policy.has_document",
        ),
        run=(
            "iam:CreatePolicyVersion",
            "iam:DeletePolicyVersion",
            "iam:PutUserPolicy",
            "iam:PutRolePolicy",
            "iam:DeleteUserPolicy",
            "iam:DeleteRolePolicy",
            "iam:CreatePolicy",
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
            "iam:DetachUserPolicy",
            "iam:DetachRolePolicy",
        ),
        undo=(
            "iam:SetDefaultPolicyVersion",
            "iam:DeletePolicyVersion",
            "iam:CreatePolicyVersion",
            "iam:PutUserPolicy",
            "iam:PutRolePolicy",
            "iam:AttachUserPolicy",
            "iam:AttachRolePolicy",
            "iam:DetachUserPolicy",
            "iam:DetachRolePolicy",
            "iam:DeletePolicy",
        ),
        implied=("iam:TagPolicy",),
        conditional={
            "iam:TagPolicy": "AWS authorizes the tags passed to CreatePolicy as TagPolicy too",
        },
    ),
    group="IamtuiActionsPolicies",
    verb="Right-size",
    help="drop unused services from its policies (diff shown; new default version, copy or "
    "replace) · undoable",
    subject=PrincipalSubject,
    build=build,
    binding="principal-rightsize",
)
