"""Account-wide answers: the account summary shows root's MFA and keys."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import Response

# ------------------------------------------------------------------------------------ root user


@rule("GetAccountSummary")
def get_account_summary(call: Call) -> Response:
    """Root MFA and root keys show in the summary, as only this call (and the report) tell.

    AWS: "GetAccountSummary" (IAM API Reference: AccountMFAEnabled, AccountAccessKeysPresent),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
    """
    root = call.extras.root
    overrides = {
        "AccountMFAEnabled": int(root.mfa_enabled),
        "AccountAccessKeysPresent": int(bool(root.keys)),
    }
    extra_devices = int(root.mfa_virtual_serial is not None)
    extra_in_use = int(root.mfa_enabled)

    def edit(result: ET.Element) -> None:
        for entry in result.iter("entry"):
            key, value = entry.find("key"), entry.find("value")
            if key is None or value is None or value.text is None:
                continue
            if key.text in overrides:
                value.text = str(overrides[key.text or ""])
            elif key.text == "MFADevices":
                value.text = str(int(value.text) + extra_devices)
            elif key.text == "MFADevicesInUse":
                value.text = str(int(value.text) + extra_in_use)

    return call.rewrite(call.forward(), edit)
