"""What differs between two snapshots of one account, so a new state can patch the last one."""

from __future__ import annotations

from dataclasses import dataclass

from iamtui.core.model import AccountSnapshot

#: Snapshot fields every rule may read (the partition, group and policy lookups, parts).
_SHARED_FIELDS = ("account_id", "caller", "groups", "policies", "unavailable")
#: Snapshot fields only account-wide rules and the Root pane read.
_ACCOUNT_FIELDS = ("alias", "summary", "password_policy", "virtual_mfa_devices")


@dataclass(frozen=True, slots=True)
class Change:
    """What differs between two snapshots, for a patch instead of a rebuild."""

    #: ARNs of the users and roles whose own data changed.
    principals: frozenset[str]
    #: Root, summary, password policy, alias or MFA devices changed.
    account: bool


def difference(old: AccountSnapshot, new: AccountSnapshot) -> Change | None:
    """The principals (and account data) that differ; None when everything must be rebuilt.

    Users or roles added or removed, or a change to groups, policies or a part's availability
    (which every principal's rules read) need a full evaluation.
    """
    if any(getattr(old, name) != getattr(new, name) for name in _SHARED_FIELDS):
        return None
    if [u.arn for u in old.users] != [u.arn for u in new.users]:
        return None
    if [r.arn for r in old.roles] != [r.arn for r in new.roles]:
        return None
    changed = {n.arn for o, n in zip(old.users, new.users, strict=True) if o is not n and o != n}
    changed |= {n.arn for o, n in zip(old.roles, new.roles, strict=True) if o is not n and o != n}
    old_report, new_report = old.credential_report, new.credential_report
    account = any(getattr(old, name) != getattr(new, name) for name in _ACCOUNT_FIELDS)
    if old_report is not new_report:
        if old_report is None or new_report is None:
            return None
        old_rows, new_rows = old_report.by_user(), new_report.by_user()
        if old_rows.keys() != new_rows.keys():
            return None
        arns = {u.name: u.arn for u in new.users}
        for name, row in new_rows.items():
            before = old_rows[name]
            if row is not before and row != before and name in arns:
                changed.add(arns[name])
        account = account or old_report.root != new_report.root
    if old.service_credentials != new.service_credentials:
        if (old.service_credentials is None) != (new.service_credentials is None):
            return None
        held = {c for c in old.service_credentials or ()} ^ {
            c for c in new.service_credentials or ()
        }
        owners = {c.user for c in held}
        changed |= {u.arn for u in new.users if u.name in owners}
    principals = {u.arn for u in new.users} | {r.arn for r in new.roles}
    for old_map, new_map in ((old.details, new.details), (old.last_accessed, new.last_accessed)):
        if old_map is new_map:
            continue
        for arn in old_map.keys() | new_map.keys():
            if old_map.get(arn) != new_map.get(arn) and arn in principals:
                changed.add(arn)
    return Change(frozenset(changed), account)
