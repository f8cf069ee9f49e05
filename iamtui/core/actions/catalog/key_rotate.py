"""key.rotate: AWS's rotation, three plans over time (create new, deactivate old, delete old).

The stage is decided here from the live keys when the request leaves it open, so the UI only
asks; ``next_stage`` is that decision, shared with the menu title.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from iamtui.core.actions.calls import KEY_READS, NOT_LOADED
from iamtui.core.actions.checks import check, key_is
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.reads import iso
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.actions.steps import deactivate_key_step, delete_key_step
from iamtui.core.ids import ActionId
from iamtui.core.model import AccessKey
from iamtui.core.plan import (
    JSON,
    ApiCall,
    Calls,
    InverseStep,
    Op,
    RotateStage,
    Step,
    Target,
)
from iamtui.core.subjects import KeySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: How menus name each stage.
STAGE_TITLES = {
    RotateStage.CREATE: "stage 1/3: create a new key",
    RotateStage.DEACTIVATE_OLD: "stage 2/3: deactivate this old key",
    RotateStage.DELETE_OLD: "stage 3/3: delete this old key",
}


def next_stage(key_id: str | None, keys: Sequence[AccessKey]) -> RotateStage:
    """The rotation stage a key is at, from the user's keys.

    One key: create its successor. Two keys and this one the older, both Active: deactivate it.
    This one Inactive beside an Active one: delete it. Otherwise stage 1, which the planner
    refuses with what to do first (two keys is the AWS maximum).
    """
    this = next((k for k in keys if k.key_id == key_id), None)
    others = [k for k in keys if k.key_id != key_id]
    if this is None or len(others) != 1:
        return RotateStage.CREATE
    other = others[0]
    if this.active and other.active and this.create_date < other.create_date:
        return RotateStage.DEACTIVATE_OLD
    if not this.active and other.active and this.create_date < other.create_date:
        return RotateStage.DELETE_OLD
    return RotateStage.CREATE


def build(planner: Planner, request: Request) -> Draft:
    """The plan of the request's stage, or of the key's next stage when none was asked."""
    target, keys, old = planner.keys(request)
    stage = request.stage or next_stage(old.key_id if old else None, keys)
    if stage is RotateStage.CREATE:
        return _create(target.name, target, keys, old)
    if old is None:
        raise ActionRefused(f"{request.action.value} needs an access key id")
    if stage is RotateStage.DEACTIVATE_OLD:
        return _deactivate(target.name, target, keys, old)
    return _delete(target, keys, old)


def _create(user: str, target: Target, keys: Sequence[AccessKey], old: AccessKey | None) -> Draft:
    if len(keys) >= 2:
        listed = ", ".join(f"{k.key_id} {k.status}" for k in keys)
        raise ActionRefused(
            f"user {user} already has two access keys ({listed}), the AWS maximum: delete the "
            "unused or inactive one first (key.delete), then rotate"
        )
    if not keys:
        raise ActionRefused(f"user {user} has no access key to rotate")
    old = old or keys[0]
    ids = [k.key_id for k in keys]
    new_id: JSON = {"$result": "AccessKeyId"}
    step = Step(
        call=ApiCall("CreateAccessKey", {"UserName": user}),
        description=f"Create a new access key for user {user} (its secret is shown once)",
        preconditions=(
            check(
                "key.ids",
                ids,
                f"user {user} still has exactly the keys the plan saw",
                UserName=user,
            ),
        ),
        effect=check("key.ids", ids, f"user {user} has a new key", Op.NE, UserName=user),
        inverse=(
            InverseStep(
                ApiCall("DeleteAccessKey", {"UserName": user, "AccessKeyId": new_id}),
                f"Delete the new access key of user {user}",
                preconditions=(key_is(user, new_id, None, op=Op.NE),),
                effect=key_is(user, new_id, None),
                reversible=False,
                irreversible_reason="deleting the new key is final: anything switched to it "
                "stops working",
            ),
        ),
    )
    return Draft(
        ActionId.KEY_ROTATE,
        f"Rotate access key {old.key_id} of user {user}, stage 1 of 3: create a new key",
        [target],
        [step],
        before={target.arn: {"keys": [k.to_json() for k in keys]}},
        notes=[
            "the new secret access key is shown once: store it where the workload reads it",
            "next: switch workloads to the new key, then key.rotate "
            f"{RotateStage.DEACTIVATE_OLD.value} "
            f"for {old.key_id}, watch, then {RotateStage.DELETE_OLD.value}",
        ],
        options={"stage": RotateStage.CREATE.value, "old_key": old.key_id},
    )


def _deactivate(user: str, target: Target, keys: Sequence[AccessKey], old: AccessKey) -> Draft:
    others = [k for k in keys if k.key_id != old.key_id]
    if not others:
        raise ActionRefused(
            f"user {user} has no new access key yet: "
            f"run key.rotate {RotateStage.CREATE.value} first"
        )
    new = others[0]
    if old.status != "Active":
        raise ActionRefused(
            f"access key {old.key_id} is already Inactive: the next stage is "
            f"key.rotate {RotateStage.DELETE_OLD.value}"
        )
    if new.status != "Active":
        raise ActionRefused(
            f"the new access key {new.key_id} of {user} is Inactive: activate it first"
        )
    step = deactivate_key_step(user, old)
    step = replace(step, preconditions=(*step.preconditions, key_is(user, new.key_id, "Active")))
    draft = Draft(
        ActionId.KEY_ROTATE,
        f"Rotate access key {old.key_id} of user {user}, stage 2 of 3: deactivate the old key",
        [target],
        [step],
        before={target.arn: {"keys": [k.to_json() for k in keys]}},
        notes=[f"next: watch for failures, then key.rotate {RotateStage.DELETE_OLD.value}"],
        options={
            "stage": RotateStage.DEACTIVATE_OLD.value,
            "old_key": old.key_id,
            "new_key": new.key_id,
        },
    )
    if new.last_used is None:
        draft.warnings.append(
            f"the new key {new.key_id} has not been used yet: workloads may still use the old key"
        )
    if old.last_used is not None and old.last_used > new.create_date:
        draft.warnings.append(
            f"the old key {old.key_id} was used at {iso(old.last_used)}, "
            "after the new key was created"
        )
    return draft


def _delete(target: Target, keys: Sequence[AccessKey], old: AccessKey) -> Draft:
    if old.status != "Inactive":
        raise ActionRefused(
            f"access key {old.key_id} is still Active: run key.rotate "
            f"{RotateStage.DEACTIVATE_OLD.value} first and watch for breakage"
        )
    return Draft(
        ActionId.KEY_ROTATE,
        f"Rotate access key {old.key_id} of user {target.name}, stage 3 of 3: delete the old key",
        [target],
        [delete_key_step(target.name, old)],
        before={target.arn: {"keys": [k.to_json() for k in keys]}},
        notes=[f"the deleted key {old.key_id} cannot be restored"],
        options={"stage": RotateStage.DELETE_OLD.value, "old_key": old.key_id},
    )


SPEC = ActionSpec(
    id=ActionId.KEY_ROTATE,
    calls=Calls(
        plan=KEY_READS,
        probes=("key.ids", "key.status", "key.last_used"),
        run=("iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey"),
        undo=("iam:DeleteAccessKey", "iam:UpdateAccessKey"),
        conditional={"iam:GetUser": NOT_LOADED},
    ),
    group="IamtuiActionsKeys",
    verb="Rotate",
    help="create new → switch workloads → deactivate old → delete old",
    subject=KeySubject,
    build=build,
    binding="key-rotate",
)
