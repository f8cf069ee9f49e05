"""Root-hardening fixes as ordinary plans: password policy, security contact, root's access keys.

They follow every rule of the other actions: built from fresh reads, previewed, re-checked right
before each call, journaled, and undone through the journal where AWS allows it. What differs is
who may send them. Root's keys can only be touched signed as root: either this session *is* root,
or, in an AWS Organization with centralized root access, the management account (or the IAM
delegated administrator) asks ``sts:AssumeRoot`` for a member's root with the task policy
``IAMDeleteRootUserCredentials``. That policy allows deleting root keys but not deactivating
them, so that path is delete-only and cannot be undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from iamtui.core.actions import reads
from iamtui.core.actions.assume import root_caller
from iamtui.core.actions.checks import check, key_unused_since
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.reads import CONTACT_FIELDS
from iamtui.core.actions.spec import Draft
from iamtui.core.actions.steps import KEY_GONE
from iamtui.core.errors import error_code, error_text
from iamtui.core.ids import ActionId
from iamtui.core.model import (
    ROOT_CREDENTIALS_MANAGEMENT,
    ROOT_SESSIONS,
    AccessKey,
    PasswordPolicy,
)
from iamtui.core.plan import (
    JSON,
    ApiCall,
    AssumeRoot,
    Check,
    InverseStep,
    Step,
    Target,
)
from iamtui.core.rightsize import arn_partition
from iamtui.core.root import (
    PASSWORD_POLICY_PARAMS,
    ROOT_TASK_DELETE_CREDENTIALS,
    proposed_password_policy,
)
from iamtui.core.subjects import RootKeySubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: Why the AssumeRoot path is delete-only.
DELETE_ONLY = (
    "the AssumeRoot task policy IAMDeleteRootUserCredentials allows deleting root's keys but not "
    "deactivating them (UpdateAccessKey is not in it): this path cannot deactivate first"
)


# --- the password policy ------------------------------------------------------------------


def _policy_from(params: Mapping[str, JSON]) -> PasswordPolicy:
    """UpdateAccountPasswordPolicy arguments as a policy; omitted ones take AWS's defaults."""
    unknown = sorted(set(params) - set(PASSWORD_POLICY_PARAMS))
    if unknown:
        raise ActionRefused(
            f"unknown password policy setting {', '.join(unknown)} "
            f"(UpdateAccountPasswordPolicy takes {', '.join(PASSWORD_POLICY_PARAMS)})"
        )
    try:
        age = int(params["MaxPasswordAge"]) if params.get("MaxPasswordAge") else None
        reuse = (
            int(params["PasswordReusePrevention"])
            if params.get("PasswordReusePrevention")
            else None
        )
        return PasswordPolicy(
            minimum_password_length=int(params.get("MinimumPasswordLength", 6)),
            require_symbols=bool(params.get("RequireSymbols", False)),
            require_numbers=bool(params.get("RequireNumbers", False)),
            require_uppercase_characters=bool(params.get("RequireUppercaseCharacters", False)),
            require_lowercase_characters=bool(params.get("RequireLowercaseCharacters", False)),
            allow_users_to_change_password=bool(params.get("AllowUsersToChangePassword", False)),
            expire_passwords=bool(age),
            max_password_age=age,
            password_reuse_prevention=reuse,
            hard_expiry=bool(params.get("HardExpiry", False)),
        )
    except (TypeError, ValueError) as exc:
        raise ActionRefused(f"invalid password policy setting: {exc}") from None


def _parsed(params: Mapping[str, JSON] | None) -> PasswordPolicy | None:
    return None if params is None else _policy_from(params)


def policy_is(value: Mapping[str, JSON] | None, text: str) -> Check:
    """The password policy reads back as these arguments (None: no policy)."""
    return check("account.password_policy", dict(value) if value is not None else None, text)


#: Settings where a larger number is stricter, and booleans where True is stricter.
_STRICTER_HIGHER = ("MinimumPasswordLength", "PasswordReusePrevention")
_STRICTER_TRUE = (
    "RequireSymbols",
    "RequireNumbers",
    "RequireUppercaseCharacters",
    "RequireLowercaseCharacters",
    "HardExpiry",
)


_CHARACTER_TYPES = _STRICTER_TRUE[:4]
#: AWS's default when no custom policy is set (length, and how many character types).
_DEFAULT_LENGTH, _DEFAULT_TYPES = 8, 3


def weakened(current: Mapping[str, JSON] | None, wanted: Mapping[str, JSON]) -> list[str]:
    """The settings ``wanted`` makes weaker than ``current`` (for a warning).

    No policy is not "no rules": AWS then applies its default, 8 characters and three of the
    four character types (see ``root.steps.AWS_DEFAULT_PASSWORD_POLICY``).
    """
    if current is None:
        out = []
        length = int(wanted.get("MinimumPasswordLength") or 6)  # AWS: 6 when not given
        if length < _DEFAULT_LENGTH:
            out.append(f"MinimumPasswordLength {_DEFAULT_LENGTH} (AWS default) -> {length}")
        types = sum(1 for name in _CHARACTER_TYPES if wanted.get(name))
        if types < _DEFAULT_TYPES:
            out.append(
                f"character types: AWS default asks for {_DEFAULT_TYPES} of 4 -> {types} required"
            )
        return out
    out = [
        f"{name} {current[name]} -> {wanted.get(name) or 'none'}"
        for name in _STRICTER_HIGHER
        if current.get(name) and int(wanted.get(name) or 0) < int(current[name])
    ]
    out += [
        f"{name} true -> false"
        for name in _STRICTER_TRUE
        if current.get(name) and not wanted.get(name)
    ]
    # Expiry: a shorter maximum age is stricter, and no expiry at all is the weakest.
    age, new_age = current.get("MaxPasswordAge"), wanted.get("MaxPasswordAge")
    if age and (not new_age or int(new_age) > int(age)):
        out.append(f"MaxPasswordAge {age} -> {new_age or 'none'}")
    return out


def set_password_policy(planner: Planner, request: Request) -> Draft:
    """UpdateAccountPasswordPolicy with the proposal (or given settings); undo restores exactly."""
    current = reads.password_policy(planner.iam)
    if request.params:
        wanted = reads.policy_params(_policy_from(dict(request.params)))
    else:
        proposal = proposed_password_policy(_parsed(current), planner.thresholds)
        wanted = reads.policy_params(proposal)
    account = planner.snapshot.account_id
    if current == wanted:
        raise ActionRefused(f"the password policy of account {account} already is that policy")
    target = Target(
        "account", account, f"arn:{arn_partition(planner.caller.arn)}:iam::{account}:root"
    )
    now_text = (
        "none (AWS's default: 8 characters, three of the four character types)"
        if current is None
        else reads.canonical(current)
    )
    if current is None:
        inverse = InverseStep(
            ApiCall("DeleteAccountPasswordPolicy"),
            "Delete the password policy again (the account had none)",
            preconditions=(policy_is(wanted, "the password policy is the one the plan set"),),
            effect=policy_is(None, "the account has no password policy"),
        )
    else:
        inverse = InverseStep(
            ApiCall("UpdateAccountPasswordPolicy", dict(current)),
            "Restore the previous password policy (saved in the plan)",
            preconditions=(policy_is(wanted, "the password policy is the one the plan set"),),
            effect=policy_is(current, "the password policy is the previous one"),
        )
    step = Step(
        call=ApiCall("UpdateAccountPasswordPolicy", dict(wanted)),
        description=f"Set the account password policy of {account} "
        f"(minimum length {wanted.get('MinimumPasswordLength')}, "
        f"remembers {wanted.get('PasswordReusePrevention') or 0} passwords)",
        preconditions=(policy_is(current, "the password policy is unchanged since the plan"),),
        effect=policy_is(wanted, "the password policy is the one the plan set"),
        inverse=(inverse,),
    )
    draft = Draft(
        ActionId.ACCOUNT_SET_PASSWORD_POLICY,
        f"Set the password policy of account {account}",
        [target],
        [step],
        before={target.arn: {"password_policy": current}},
        notes=[
            f"current policy: {now_text}",
            "the call replaces the whole policy; undo puts the current one back "
            + ("exactly" if current is not None else "by deleting the policy again"),
        ],
    )
    if weaker := weakened(current, wanted):
        than = "the current one" if current is not None else "AWS's default that applies now"
        draft.warnings.append(f"this policy is WEAKER than {than}: " + "; ".join(weaker))
    return draft


# --- the security contact -------------------------------------------------------------------


def contact_is(value: Mapping[str, JSON] | None, text: str) -> Check:
    """The SECURITY alternate contact has these fields (None: not set)."""
    return check("account.security_contact", dict(value) if value is not None else None, text)


def _put_contact(contact: Mapping[str, JSON]) -> ApiCall:
    return ApiCall(
        "PutAlternateContact", {"AlternateContactType": "SECURITY", **contact}, service="account"
    )


def set_security_contact(planner: Planner, request: Request) -> Draft:
    """PutAlternateContact type SECURITY; undo puts the previous contact back or deletes it."""
    given = dict(request.params)
    missing = [name for name in CONTACT_FIELDS if not str(given.get(name) or "").strip()]
    if missing:
        raise ActionRefused(
            f"account.set-security-contact needs {', '.join(missing)} "
            "(AWS requires a name, title, email address and phone number)"
        )
    extra = sorted(set(given) - set(CONTACT_FIELDS))
    if extra:
        raise ActionRefused(f"unknown security contact field {', '.join(extra)}")
    if "@" not in str(given["EmailAddress"]):
        raise ActionRefused(f"{given['EmailAddress']!r} is not an email address")
    if planner.account is None:
        raise ActionRefused("this connection has no Account API client")
    wanted: dict[str, JSON] = {name: str(given[name]).strip() for name in CONTACT_FIELDS}
    current = reads.security_contact(planner.account)
    account = planner.snapshot.account_id
    if current == wanted:
        raise ActionRefused(f"account {account} already has that security contact")
    target = Target(
        "account", account, f"arn:{arn_partition(planner.caller.arn)}:iam::{account}:root"
    )
    if current is None:
        inverse = InverseStep(
            ApiCall("DeleteAlternateContact", {"AlternateContactType": "SECURITY"}, "account"),
            "Remove the security contact again (none was set)",
            preconditions=(contact_is(wanted, "the security contact is the one the plan set"),),
            effect=contact_is(None, "no security contact is set"),
        )
    else:
        inverse = InverseStep(
            _put_contact(current),
            f"Put the previous security contact back ({current['EmailAddress']})",
            preconditions=(contact_is(wanted, "the security contact is the one the plan set"),),
            effect=contact_is(current, "the security contact is the previous one"),
        )
    step = Step(
        call=_put_contact(wanted),
        description=f"Set the security alternate contact of {account} to "
        f"{wanted['Name']} <{wanted['EmailAddress']}>",
        preconditions=(contact_is(current, "the security contact is unchanged since the plan"),),
        effect=contact_is(wanted, "the security contact is the one the plan set"),
        inverse=(inverse,),
    )
    was = f"{current['Name']} <{current['EmailAddress']}>" if current else "none"
    return Draft(
        ActionId.ACCOUNT_SET_SECURITY_CONTACT,
        f"Set the security contact of account {account}",
        [target],
        [step],
        before={target.arn: {"security_contact": current}},
        notes=[
            f"current security contact: {was}",
            "AWS sends security notifications (abuse reports, exposed keys) to this contact",
        ],
    )


# --- root's access keys -----------------------------------------------------------------------


def root_key_is(key_id: str, status: str | None) -> Check:
    """One of root's keys has this status (None: gone)."""
    text = (
        f"root access key {key_id} is {status}" if status else f"root access key {key_id} is gone"
    )
    return check("root_key.status", status, text, AccessKeyId=key_id)


def _not_root(planner: Planner, action: ActionId) -> ActionRefused:
    """Why this session cannot touch its own account's root keys, and what to do instead."""
    account = planner.snapshot.account_id
    org = planner.snapshot.organization
    # AWS: AssumeRoot targets member accounts only, never the management account itself.
    via = (
        ""
        if org is not None and org.is_member(account) is False
        else f" or run it from the management account of {account}'s organization with "
        f"centralized root access (root.delete-key for account {account} via sts:AssumeRoot),"
    )
    return ActionRefused(
        f"{action.value} needs root's credentials: this iamtui session runs as "
        f"{planner.caller.arn}. Sign in as root,{via} or use the console: Security credentials "
        "→ Access keys"
    )


def _check_organization(planner: Planner, member: str) -> None:
    """Refuse early, in AWS's own terms, when AssumeRoot cannot work from the account that
    calls it (this one, or the one this session was reached from by role)."""
    caller = root_caller(planner.conn)
    try:
        raw = caller.iam.list_organizations_features()
    except (ClientError, BotoCoreError) as exc:
        code = (error_code(exc) or "").removesuffix("Exception")
        chain = " then ".join(planner.conn.role_chain) or "a role"
        here = (
            f"account {planner.snapshot.account_id}"
            if caller is planner.conn
            else f"the account this session was reached from (through {chain})"
        )
        if code == "OrganizationNotFound":
            raise ActionRefused(
                f"{here} is not in an AWS Organization: the root of account {member} "
                "can only be reached by signing in as that root"
            ) from None
        if code == "AccountNotManagementOrDelegatedAdministrator":
            raise ActionRefused(
                f"{here} is a member of its organization: sts:AssumeRoot into {member} "
                "runs from the management account or the IAM delegated administrator"
            ) from None
        if code in ("ServiceAccessNotEnabled", "OrganizationNotInAllFeaturesMode"):
            raise ActionRefused(
                f"centralized root access is not available in this organization ({code}): "
                "enable trusted access for IAM and all features first"
            ) from None
        return  # denied or unsupported: AssumeRoot itself will say
    features = set(raw.get("EnabledFeatures", ()))
    if ROOT_SESSIONS not in features:
        enabled = ", ".join(sorted(features)) or "none"
        raise ActionRefused(
            f"centralized root access of organization {raw.get('OrganizationId')} does not allow "
            f"root sessions (enabled: {enabled}): enable 'Privileged root actions in member "
            f"accounts' ({ROOT_SESSIONS}, and {ROOT_CREDENTIALS_MANAGEMENT}) in the IAM console → "
            "Root access management"
        )


def root_key_action(planner: Planner, request: Request) -> Draft:
    """Deactivate (as root) or delete (as root, or via AssumeRoot) root's access key(s)."""
    here = planner.snapshot.account_id
    subject = planner.subject(request, RootKeySubject)
    member = subject.account or here
    deleting = request.action is ActionId.ROOT_DELETE_KEY
    context: AssumeRoot | None = None
    # Reached by role from the management account: AssumeRoot into this account runs from there.
    reached = root_caller(planner.conn) is not planner.conn
    if reached and member != here:
        # The management account could act as any member's root: a session opened on one
        # account acts on that account's root only, so the plan and journal name what it did.
        raise ActionRefused(
            f"this session was opened on account {here}: it acts on that account's root only; "
            f"open account {member} from the organization view to act on its root"
        )
    reached = reached and subject.account is not None
    if member == here and not reached:
        if not planner.caller.identity.is_root:
            raise _not_root(planner, request.action)
        iam = planner.iam
    else:
        if not deleting:
            raise ActionRefused(
                f"root.deactivate-key cannot reach account {member}'s root: {DELETE_ONLY}. "
                f"Use root.delete-key for account {member}, or deactivate it signed in as that root"
            )
        if planner.caller.identity.is_root:
            raise ActionRefused("root credentials cannot call sts:AssumeRoot: use an IAM principal")
        _check_organization(planner, member)
        context = AssumeRoot(member, ROOT_TASK_DELETE_CREDENTIALS)
        try:
            iam = planner.root_sessions.iam(context)
        except (ClientError, BotoCoreError) as exc:
            raise ActionRefused(
                f"cannot act as the root of account {member} (sts:AssumeRoot with "
                f"IAMDeleteRootUserCredentials): {error_text(exc)}"
            ) from None
    keys = reads.root_keys(iam)
    if not keys:
        raise ActionRefused(f"the root user of account {member} has no access keys")
    partition = arn_partition(planner.caller.arn)
    target = Target("root", member, f"arn:{partition}:iam::{member}:root")
    notes: list[str] = []
    if subject.key_id is not None:
        chosen = [k for k in keys if k.key_id == subject.key_id]
        if not chosen:
            listed = ", ".join(k.key_id for k in keys)
            raise ActionRefused(
                f"the root user of account {member} has no access key {subject.key_id} "
                f"(it has {listed})"
            )
    else:
        own = planner.caller.identity.access_key_id if context is None else None
        chosen = [k for k in keys if k.key_id != own]
        if own in {k.key_id for k in keys}:
            notes.append(
                f"root access key {own} is the one this iamtui session uses: it is left in place; "
                "remove it from other credentials or the console"
            )
        if not chosen:
            raise ActionRefused(
                f"refused: access key {own} is the one this iamtui session uses: "
                "switch to other credentials first"
            )
    if not deleting:
        chosen = [k for k in chosen if k.status == "Active"]
        if not chosen:
            which = f"root access key {subject.key_id} is" if subject.key_id else "root keys are"
            raise ActionRefused(f"the {which} already Inactive")
    steps = [
        _root_delete_step(member, key, context) if deleting else _root_deactivate_step(member, key)
        for key in chosen
    ]
    ids = ", ".join(k.key_id for k in chosen)
    via = " via sts:AssumeRoot" if context is not None else ""
    if deleting:
        summary = f"Delete root access key(s) {ids} of account {member}{via} (irreversible)"
        notes.append(f"the deleted root key(s) {ids} cannot be restored")
        if context is not None:
            notes.append(
                "runs as the member's root for at most 900 s (sts:AssumeRoot, task policy "
                f"IAMDeleteRootUserCredentials); {DELETE_ONLY}"
            )
    else:
        summary = f"Deactivate root access key(s) {ids} of account {member}"
        notes.append("undo reactivates the key(s); delete them once nothing breaks")
    draft = Draft(
        request.action,
        summary,
        [target],
        steps,
        before={target.arn: {"root_keys": [k.to_json() for k in keys]}},
        notes=notes,
        options={"via": "assume-root" if context is not None else "root"},
    )
    for key in chosen:
        if warning := planner.recent_use_warning(
            f"root key {key.key_id}", key.last_used, key.last_used_service
        ):
            draft.warnings.append(warning)
        if deleting and key.status == "Active":
            draft.warnings.append(
                f"root key {key.key_id} is ACTIVE: anything using it fails at once and for good"
            )
    return draft


def _root_deactivate_step(account: str, key: AccessKey) -> Step:
    kid = key.key_id
    return Step(
        call=ApiCall("UpdateAccessKey", {"AccessKeyId": kid, "Status": "Inactive"}),
        description=f"Deactivate root access key {kid} of account {account}",
        preconditions=(root_key_is(kid, "Active"), key_unused_since(kid, key.last_used)),
        effect=root_key_is(kid, "Inactive"),
        inverse=(
            InverseStep(
                ApiCall("UpdateAccessKey", {"AccessKeyId": kid, "Status": "Active"}),
                f"Reactivate root access key {kid} of account {account}",
                preconditions=(root_key_is(kid, "Inactive"),),
                effect=root_key_is(kid, "Active"),
            ),
        ),
    )


def _root_delete_step(account: str, key: AccessKey, context: AssumeRoot | None) -> Step:
    kid = key.key_id
    via = " (as its root, through sts:AssumeRoot)" if context is not None else ""
    return Step(
        call=ApiCall("DeleteAccessKey", {"AccessKeyId": kid}),
        description=f"Delete {key.status.lower()} root access key {kid} of account {account}{via}",
        preconditions=(root_key_is(kid, key.status), key_unused_since(kid, key.last_used)),
        effect=root_key_is(kid, None),
        irreversible_reason=KEY_GONE,
        as_root=context,
    )
