"""mfa.delete-virtual: DeleteVirtualMFADevice on a device assigned to nobody; irreversible.

AWS: *DeleteVirtualMFADevice* (IAM API Reference) deletes a virtual MFA device that must first
be deactivated (unassigned),
<https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteVirtualMFADevice.html>. Its seed
was shown once, at creation (*CreateVirtualMFADevice*), and is never returned again: a device
made anew has a new seed and whoever was to use it must enrol again. So there is no undo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from iamtui.core.actions import reads
from iamtui.core.actions.checks import check
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.plan import JSON, ApiCall, Calls, Check, Step, Target
from iamtui.core.subjects import VirtualMfaSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: Why the deletion cannot be undone.
SEED_GONE = (
    "AWS never returns a virtual MFA device's seed again: a re-created device has a new seed "
    "and needs a new enrolment"
)
#: Why "unassigned" is not proof of clutter: ListVirtualMFADevices shows no creation date.
ENROLMENT_IN_PROGRESS = (
    "an enrolment in progress (between CreateVirtualMFADevice and EnableMFADevice) looks exactly "
    "like an unassigned device, and the listing gives no creation date: check nobody is "
    "enrolling it now"
)


def assignment_is(serial: str, state: JSON) -> Check:
    """The device is ``Unassigned`` / ``Assigned``, or gone (None)."""
    text = f"virtual MFA device {serial} is {'gone' if state is None else str(state).lower()}"
    return check("virtual_mfa.assignment", state, text, SerialNumber=serial)


def build(planner: Planner, request: Request) -> Draft:
    """Refuse an assigned device; delete an unassigned one with typed confirmation."""
    serial = planner.subject(request, VirtualMfaSubject).serial
    device = next(
        (
            d
            for d in reads.pages(planner.iam, "list_virtual_mfa_devices", "VirtualMFADevices")
            if d["SerialNumber"] == serial
        ),
        None,
    )
    if device is None:
        raise reads.NotFound(f"virtual MFA device {serial} does not exist")
    if device.get("User"):
        holder = device["User"].get("UserName") or device["User"].get("Arn", "someone")
        raise ActionRefused(
            f"virtual MFA device {serial} is assigned to {holder} now: it is in use, not clutter"
        )
    name = serial.rsplit("/", 1)[-1]
    target = Target("mfa-device", name, serial)
    step = Step(
        call=ApiCall("DeleteVirtualMFADevice", {"SerialNumber": serial}),
        description=f"Delete unassigned virtual MFA device {name}",
        preconditions=(assignment_is(serial, "Unassigned"),),
        effect=assignment_is(serial, None),
        irreversible_reason=SEED_GONE,
    )
    return Draft(
        ActionId.MFA_DELETE_VIRTUAL,
        f"Delete virtual MFA device {name}, assigned to nobody (irreversible)",
        [target],
        [step],
        before={serial: {"serial": serial, "assignment": "Unassigned"}},
        warnings=[ENROLMENT_IN_PROGRESS],
        notes=[f"the device cannot be restored: {SEED_GONE}"],
    )


SPEC = ActionSpec(
    id=ActionId.MFA_DELETE_VIRTUAL,
    calls=Calls(
        plan=("iam:ListVirtualMFADevices",),
        probes=("virtual_mfa.assignment",),
        run=("iam:DeleteVirtualMFADevice",),
    ),
    group="IamtuiActionsUsers",
    verb="Delete virtual MFA device",
    help="DeleteVirtualMFADevice · irreversible (typed confirmation)",
    subject=VirtualMfaSubject,
    build=build,
)
