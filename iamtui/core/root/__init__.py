"""Root hardening: reading root state, judging the hardening steps, rendering the checklist.

``load`` reads the live facts the overview snapshot lacks, ``steps`` judges each hardening step
(pure, on the findings rules), ``render`` writes the checklist. The public names are re-exported
here so callers import ``iamtui.core.root`` and need not know the layout.
"""

from __future__ import annotations

from iamtui.core.root.contact import CONTACT_FORM, ContactField, contact_problems
from iamtui.core.root.load import (
    ROOT_ONLY_PARTS,
    ROOT_STATE_ACTIONS,
    ROOT_TASK_DELETE_CREDENTIALS,
    ExtraPart,
    Probe,
    RootExtra,
    SecurityContact,
    account_client,
    load_root_state,
    org_answers,
)
from iamtui.core.root.steps import (
    COUNTED,
    PASSWORD_POLICY_PARAMS,
    STEP_RULES,
    TITLES,
    WHY,
    Remedy,
    RootReport,
    Status,
    Step,
    StepId,
    evaluate_root,
    is_admin,
    password_policy_params,
    proposed_password_policy,
    verify,
)

__all__ = [
    "CONTACT_FORM",
    "COUNTED",
    "PASSWORD_POLICY_PARAMS",
    "ROOT_ONLY_PARTS",
    "ROOT_STATE_ACTIONS",
    "ROOT_TASK_DELETE_CREDENTIALS",
    "STEP_RULES",
    "TITLES",
    "WHY",
    "ContactField",
    "ExtraPart",
    "Probe",
    "Remedy",
    "RootExtra",
    "RootReport",
    "SecurityContact",
    "Status",
    "Step",
    "StepId",
    "account_client",
    "contact_problems",
    "evaluate_root",
    "is_admin",
    "load_root_state",
    "org_answers",
    "password_policy_params",
    "proposed_password_policy",
    "verify",
]
