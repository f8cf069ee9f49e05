"""role.update-trust: one typed edit of a role's trust policy, previewed as a diff, undone by
putting the old document back.

The edits narrow who may assume the role: remove a principal or a whole statement, or add a
restricting condition (``sts:ExternalId``, ``aws:PrincipalOrgID``, ``aws:SourceAccount``, a
GitHub OIDC ``sub`` pinned to one repository). A document IAM would reject is never sent: the
Version and the Principal shape stay, no statement list is left empty (quarantine or delete
the role instead), and principals shown as unique ids (deleted since, ``AROA...``) are dropped,
because IAM refuses to save a policy naming them (AWS IAM User Guide, *Principal*:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from iamtui.core.actions import reads
from iamtui.core.actions.checks import check
from iamtui.core.actions.guards import ActionRefused
from iamtui.core.actions.spec import ActionSpec, Draft
from iamtui.core.ids import ActionId
from iamtui.core.loader import as_utc, policy_document
from iamtui.core.plan import JSON, ApiCall, Calls, Check, InverseStep, Step, Target
from iamtui.core.policy import document_diff, is_unique_id
from iamtui.core.subjects import VALUE_EDITS, TrustEdit, TrustSubject

if TYPE_CHECKING:
    from iamtui.core.actions.planner import Planner
    from iamtui.core.actions.request import Request

#: GitHub Actions' OIDC issuer, as trust policies name its condition keys.
GITHUB_ISSUER = "token.actions.githubusercontent.com"

#: What each condition edit adds: (operator, key); GitHub's ``aud`` is added too when missing.
CONDITIONS: dict[str, tuple[str, str]] = {
    "external-id": ("StringEquals", "sts:ExternalId"),
    "org-id": ("StringEquals", "aws:PrincipalOrgID"),
    # IfExists: AWS services send aws:SourceAccount only when acting for a resource, and a
    # StringEquals on a missing key is false, so a plain test would lock out a service that
    # does not send it (AWS IAM User Guide, *AWS global condition context keys*, aws:SourceAccount:
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
    "source-account": ("StringEqualsIfExists", "aws:SourceAccount"),
    "github-repo": ("StringLike", f"{GITHUB_ISSUER}:sub"),
}

#: What the ``source-account`` edit does and does not do, said on its plan.
SOURCE_ACCOUNT_WARNING = (
    "aws:SourceAccount is tested with StringEqualsIfExists: it narrows the trust when the "
    "service sends the key (when it acts for a resource) and cannot lock the service out; a "
    "service that never sends it gets no protection from this condition"
)

#: The shape of each value AWS accepts (AWS STS AssumeRole ExternalId; Organizations ids;
#: account ids; GitHub owner and repository names).
_VALUES: dict[str, tuple[re.Pattern[str], str]] = {
    "external-id": (
        re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII),
        "2 to 1,224 letters, digits or +=,.@:/-",
    ),
    "org-id": (re.compile(r"o-[a-z0-9]{10,32}"), "an organization id like o-abcd123456"),
    "source-account": (re.compile(r"[0-9]{12}"), "a 12-digit account id"),
    "github-repo": (
        re.compile(r"[A-Za-z0-9-]{1,39}/[A-Za-z0-9_.-]{1,100}"),
        "OWNER/REPO (a GitHub owner and one repository, no wildcard)",
    ),
}


def value_problem(kind: str, value: str) -> str | None:
    """Why ``value`` cannot be the condition value of edit ``kind`` (None when it can)."""
    shape = _VALUES.get(kind)
    # fullmatch, ASCII: `\w`/`\d` are Unicode in Python, and STS and IAM take ASCII only.
    if shape is None or shape[0].fullmatch(value.strip()):
        return None
    return f"{value.strip() or 'an empty value'} is not {shape[1]}"


def value_prompt(edit: TrustEdit) -> tuple[str, str]:
    """(title, one line of help) for the dialog that asks an edit's value before planning."""
    what = VALUE_EDITS.get(edit.kind, "value")
    where = f"statement {edit.statement + 1}" + (f" ({edit.sid})" if edit.sid else "")
    helps = {
        "external-id": "the ExternalId the trusted party will send (agree it with them first)",
        "org-id": "your AWS Organization's id: only its accounts' principals may assume",
        "source-account": "the account whose resources the service acts for",
        "github-repo": "OWNER/REPO: only its workflows may assume (sub repo:OWNER/REPO:*)",
    }
    return f"Trust {where}: {what}", f"{helps.get(edit.kind, '')} · {_VALUES[edit.kind][1]}"


# --- the document -----------------------------------------------------------------------


def _statements(document: JSON) -> list[Any]:
    raw = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(raw, dict):
        return [raw]
    return list(raw) if isinstance(raw, list) else []


def _with_statements(document: JSON, statements: list[Any], single: bool) -> JSON:
    """The document with these statements, keeping a lone statement's object shape."""
    out = dict(document)
    out["Statement"] = statements[0] if single and len(statements) == 1 else statements
    return out


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _principal_types(statement: Any) -> set[str]:
    """The principal types a statement names (``*`` for ``Principal: "*"``)."""
    principal = statement.get("Principal") if isinstance(statement, dict) else None
    if principal == "*":
        return {"*"}
    return set(principal) if isinstance(principal, dict) else set()


def _drop_principal(statement: dict[str, Any], kind: str, value: str) -> bool:
    """Remove one principal from the statement; False when it does not name it."""
    principal = statement.get("Principal")
    if not isinstance(principal, dict) or kind not in principal:
        return False
    current = principal[kind]
    kept = [v for v in _values(current) if v != value]
    if len(kept) == len(_values(current)):
        return False
    principal = dict(principal)
    if kept:
        # A list that shrinks to one item stays a list: IAM accepts both shapes.
        principal[kind] = kept if isinstance(current, list) else kept[0]
    else:
        del principal[kind]
    statement["Principal"] = principal
    return True


def deleted_principals(document: JSON) -> tuple[str, ...]:
    """The AWS principals a trust policy shows as unique ids: deleted since it was written."""
    found: list[str] = []
    for statement in _statements(document):
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if isinstance(principal, dict) and "AWS" in principal:
            found += [v for v in _values(principal["AWS"]) if is_unique_id(v)]
    return tuple(dict.fromkeys(found))


def without_deleted(document: JSON) -> JSON:
    """The document without principals shown as unique ids (IAM refuses to save them); a
    statement left with no principal goes too. The result may have no statement at all."""
    ids = deleted_principals(document)
    if not ids:
        return document
    kept: list[Any] = []
    for statement in _statements(document):
        statement = copy.deepcopy(statement)
        if isinstance(statement, dict):
            for unique in ids:
                _drop_principal(statement, "AWS", unique)
            if statement.get("Principal") == {}:
                continue
        kept.append(statement)
    return _with_statements(document, kept, isinstance(document.get("Statement"), dict))


def _statement_at(statements: list[Any], edit: TrustEdit) -> dict[str, Any]:
    where = f"statement {edit.statement + 1}" + (f" (Sid {edit.sid})" if edit.sid else "")
    if not 0 <= edit.statement < len(statements) or not isinstance(
        statements[edit.statement], dict
    ):
        raise ActionRefused(
            f"the trust policy has no {where} any more: reload and review before acting"
        )
    statement: dict[str, Any] = statements[edit.statement]
    if (edit.sid or None) != (statement.get("Sid") or None):
        raise ActionRefused(
            f"{where} of the trust policy is another statement now: reload and review"
        )
    return statement


def _add_condition(statement: dict[str, Any], operator: str, key: str, value: str) -> None:
    """Set ``operator: {key: value}``, replacing the key under any other operator."""
    conditions = {
        op: dict(tests) if isinstance(tests, dict) else tests
        for op, tests in (statement.get("Condition") or {}).items()
    }
    for op, tests in list(conditions.items()):
        if not isinstance(tests, dict):
            continue
        for existing in [k for k in tests if k.lower() == key.lower()]:
            if op == operator and _values(tests[existing]) == [value]:
                raise ActionRefused(f"the statement already requires {key} = {value}")
            del tests[existing]
        if not tests:
            del conditions[op]
    conditions.setdefault(operator, {})[key] = value
    statement["Condition"] = conditions


def _has_key(statement: dict[str, Any], key: str) -> bool:
    tests = (statement.get("Condition") or {}).values()
    return any(isinstance(t, dict) and any(k.lower() == key.lower() for k in t) for t in tests)


def _refuse_unsuited(statement: dict[str, Any], edit: TrustEdit) -> None:
    """A condition only some callers send would lock the others out: refuse it."""
    types = _principal_types(statement)
    if edit.kind == "source-account" and types != {"Service"}:
        raise ActionRefused(
            "aws:SourceAccount is sent by AWS services only: the statement also trusts "
            f"{', '.join(sorted(types - {'Service'}))} principals, whom it would not restrict"
        )
    if edit.kind in ("external-id", "org-id") and types & {"Service", "Federated"}:
        key = CONDITIONS[edit.kind][1]
        raise ActionRefused(
            f"{key} is sent by AWS principals only: the statement also trusts "
            f"{', '.join(sorted(types & {'Service', 'Federated'}))} principals"
        )
    if edit.kind == "github-repo":
        federated = statement.get("Principal", {})
        issuers = _values(federated.get("Federated", [])) if isinstance(federated, dict) else []
        if not any(v.lower().endswith(f"oidc-provider/{GITHUB_ISSUER}") for v in issuers):
            raise ActionRefused("the statement does not trust GitHub's OIDC provider")


def apply_edit(document: JSON, edit: TrustEdit) -> JSON:
    """The trust policy after ``edit``; ActionRefused when IAM would reject the result or the
    edit no longer fits the document."""
    if not isinstance(document, dict):
        raise ActionRefused("the trust policy is not a JSON object")
    single = isinstance(document.get("Statement"), dict)
    statements = copy.deepcopy(_statements(document))
    statement = _statement_at(statements, edit)
    if edit.kind == "remove-statement":
        statements.pop(edit.statement)
    elif edit.kind == "remove-principal":
        if statement.get("Principal") == "*" or (
            _principal_types(statement) == {edit.principal_type}
            and _values(statement["Principal"][edit.principal_type]) == [edit.principal]
        ):
            raise ActionRefused(
                f"{edit.principal} is the statement's only principal: remove the statement instead"
            )
        if not _drop_principal(statement, edit.principal_type, edit.principal):
            raise ActionRefused(
                f"the statement no longer names {edit.principal_type} principal {edit.principal}"
            )
    else:
        problem = value_problem(edit.kind, edit.value) if edit.value.strip() else "no value given"
        if problem:
            raise ActionRefused(f"{edit.text()}: {problem}")
        _refuse_unsuited(statement, edit)
        operator, key = CONDITIONS[edit.kind]
        value = edit.value.strip()
        if edit.kind == "github-repo":
            value = f"repo:{value}:*"
        _add_condition(statement, operator, key, value)
        if edit.kind == "github-repo" and not _has_key(statement, f"{GITHUB_ISSUER}:aud"):
            _add_condition(statement, "StringEquals", f"{GITHUB_ISSUER}:aud", "sts.amazonaws.com")
    if not statements:
        raise ActionRefused(
            "the edit would leave the trust policy with no statement, which IAM rejects: "
            "quarantine or delete the role instead (role.quarantine, role.delete)"
        )
    return _with_statements(document, statements, single)


def diff_lines(old: JSON, new: JSON) -> tuple[str, ...]:
    """The trust policy's change as the preview shows it."""
    return document_diff(old, new, "trust policy now", "trust policy after this call")


# --- the plan ---------------------------------------------------------------------------


def trust_is(role: str, document: JSON, description: str) -> Check:
    """The role's trust policy is ``document`` (compared by canonical JSON)."""
    return check("role.trust", reads.digest(document), description, RoleName=role)


def read_trust(planner: Planner, name: str) -> tuple[reads.RoleState, JSON]:
    """GetRole, fresh: the role (for the guards) and its trust policy (URL-encoded JSON)."""
    try:
        raw = planner.iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if reads.missing(exc):
            raise reads.NotFound(f"role {name} does not exist") from exc
        raise
    trust = policy_document(raw.get("AssumeRolePolicyDocument"))
    role = reads.RoleState(raw["RoleName"], raw["Arn"], raw["RoleId"], raw.get("Path", "/"), trust)
    return role, trust


def build(planner: Planner, request: Request) -> Draft:
    """Read the trust policy now, apply the edit, and put the old document back on undo."""
    subject = planner.subject(request, TrustSubject)
    role, old = read_trust(planner, subject.role)
    planner.refuse_aws_managed_role(role)
    planner.refuse_protected_role(role)
    name = role.name
    reviewed = planner.snapshot.role(name)
    if reviewed is not None and reads.canonical(reviewed.trust_policy) != reads.canonical(old):
        raise ActionRefused(
            f"the trust policy of role {name} changed since the data you reviewed "
            f"(loaded {planner.data_time()}): reload and review before acting"
        )
    edit = subject.edit
    edited = apply_edit(old, edit)
    deleted = deleted_principals(edited)
    new = without_deleted(edited)
    if not _statements(new):
        raise ActionRefused(
            "the trust policy would keep only principals deleted since (IAM refuses to save "
            "them): quarantine or delete the role instead (role.quarantine, role.delete)"
        )
    restore = without_deleted(old)
    target = Target("role", name, role.arn, role.role_id)
    lost = deleted_principals(old)
    loss = (
        f"the old trust named {', '.join(lost)} by unique id (deleted principals): IAM "
        "refuses a policy naming them (MalformedPolicyDocument), so undo cannot restore them"
        if lost
        else ""
    )
    # ``restore`` keeps at least the statements ``new`` kept: it is never empty here.
    undo = InverseStep(
        ApiCall("UpdateAssumeRolePolicy", {"RoleName": name, "PolicyDocument": restore}),
        f"Put back the previous trust policy of role {name}",
        preconditions=(trust_is(name, new, f"trust policy of role {name} is the one iamtui set"),),
        effect=trust_is(name, restore, f"trust policy of role {name} is the previous one"),
        changes=diff_lines(new, restore),
    )
    step = Step(
        call=ApiCall("UpdateAssumeRolePolicy", {"RoleName": name, "PolicyDocument": new}),
        description=f"Update the trust policy of role {name}: {edit.text()}",
        preconditions=(
            trust_is(name, old, f"trust policy of role {name} not changed since the plan"),
        ),
        effect=trust_is(name, new, f"trust policy of role {name} is the edited one"),
        inverse=(undo,),
        loss=loss,
        changes=diff_lines(old, new),
    )
    draft = Draft(
        ActionId.ROLE_UPDATE_TRUST,
        f"Update the trust policy of role {name}: {edit.text()}",
        [target],
        [step],
        before={target.arn: {"trust": old}},
        options={"edit": edit.kind},
    )
    if edit.kind == "source-account":
        draft.warnings.append(SOURCE_ACCOUNT_WARNING)
    if deleted:
        draft.notes.append(
            f"also removes {', '.join(deleted)}: principals deleted since, shown by unique id, "
            "which IAM refuses to save in a trust policy"
        )
    if loss:
        draft.notes.append(loss)
    used = reviewed.last_used if reviewed is not None else None
    if used is not None and planner.recent_use_warning(f"role {name}", used):
        draft.warnings.append(
            f"role {name} was used {as_utc(used):%Y-%m-%d %H:%M} UTC: a caller that assumes it "
            "the way this edit removes or restricts will fail"
        )
    return draft


SPEC = ActionSpec(
    id=ActionId.ROLE_UPDATE_TRUST,
    calls=Calls(
        plan=("iam:GetRole",),
        probes=("role.trust",),
        run=("iam:UpdateAssumeRolePolicy",),
        undo=("iam:UpdateAssumeRolePolicy",),
    ),
    group="IamtuiActionsRoles",
    verb="Update trust of",
    help="edit one statement of the trust policy (diff shown) · undoable",
    subject=TrustSubject,
    build=build,
    binding="role-update-trust",
)
