"""role.quarantine: AWS's reversible alternative to deleting a role (deny-all inline policy)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.applies import quarantine_refusal
from iamtui.core.actions.calls import ROLE_READS
from iamtui.core.actions.checks import inline_is
from iamtui.core.actions.guards import QUARANTINE_POLICY, ActionRefused
from iamtui.core.actions.reads import when
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import quarantine_document
from iamtui.core.ids import ActionId
from iamtui.core.plan import ApiCall, Calls, InverseStep, Op, Step, Target
from iamtui.core.subjects import PrincipalSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request


def build(planner: Planner, request: Request) -> Draft:
    """Put the deny-all policy on the role; undo removes it."""
    role = reads.read_role(planner.iam, planner.subject(request, PrincipalSubject).name)
    planner.refuse_aws_managed_role(role)
    planner.refuse_protected_role(role)
    refusal = quarantine_refusal(role.name, role.inline)
    if refusal:
        raise ActionRefused(refusal)
    name = role.name
    target = Target("role", name, role.arn, role.role_id)
    document = quarantine_document()
    step = Step(
        call=ApiCall(
            "PutRolePolicy",
            {"RoleName": name, "PolicyName": QUARANTINE_POLICY, "PolicyDocument": document},
        ),
        description=f"Attach deny-all inline policy {QUARANTINE_POLICY} to role {name} "
        "(also revokes sessions issued before now)",
        preconditions=(inline_is("role", name, QUARANTINE_POLICY, None),),
        effect=inline_is("role", name, QUARANTINE_POLICY, None, op=Op.NE),
        inverse=(
            InverseStep(
                ApiCall("DeleteRolePolicy", {"RoleName": name, "PolicyName": QUARANTINE_POLICY}),
                f"Remove the quarantine policy {QUARANTINE_POLICY} from role {name}",
                preconditions=(inline_is("role", name, QUARANTINE_POLICY, None, op=Op.NE),),
                effect=inline_is("role", name, QUARANTINE_POLICY, None),
            ),
        ),
    )
    draft = Draft(
        ActionId.ROLE_QUARANTINE,
        f"Quarantine role {name}: deny everything, revoke existing sessions",
        [target],
        [step],
        before={target.arn: {"inline_names": sorted(role.inline)}},
        notes=[
            "every request made with the role is denied, existing sessions included, "
            "until the policy is removed (undo)"
        ],
    )
    if warning := planner.recent_use_warning(f"role {name}", when(role.last_used)):
        draft.warnings.append(warning)
    return draft


SPEC = ActionSpec(
    id=ActionId.ROLE_QUARANTINE,
    calls=Calls(
        plan=ROLE_READS,
        probes=("inline.document",),
        run=("iam:PutRolePolicy",),
        undo=("iam:DeleteRolePolicy",),
    ),
    group="IamtuiActionsRoles",
    verb="Quarantine",
    help="deny-all inline policy, revokes sessions · undoable",
    subject=PrincipalSubject,
    build=build,
    binding="role-quarantine",
)
