"""A fleet: every account one run covers, loaded and evaluated side by side.

The accounts come from AWS Organizations (run as the management account or a delegated
administrator: :func:`list_organization`) or from named profiles, one account each
(:func:`profile_targets`). Each account is read with the same few requests as a single-account
load (:func:`~iamtui.core.loader.load_account`), through a role assumed in it
(``OrganizationAccountAccessRole`` by default; the caller's own account is read directly),
and evaluated with the same rules. Accounts run with bounded concurrency; an account that
throttles is backed off and tried again; one that cannot be reached is recorded with why, and
the others carry on. What is kept per account is compact: its evaluation, a few figures
(:class:`AccountFacts`) and the snapshot stripped of principal data (:func:`compact`); the full
snapshot goes to ``on_account`` (``iamtui snapshot save --org`` writes it to disk) and is
dropped, so memory does not grow with the accounts' size.

AWS pages followed: "AssumeRole" (AWS STS API Reference,
<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>: RoleSessionName
2-64 characters of ``[\\w+=,.@-]``, ExternalId), "Accessing member accounts in your
organization" (AWS Organizations User Guide: ``OrganizationAccountAccessRole``,
<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html>),
"ListAccounts", "ListRoots", "ListOrganizationalUnitsForParent" and "ListAccountsForParent"
(AWS Organizations API Reference).
"""

from iamtui.core.fleet.listing import (
    choose,
    external_id_problem,
    list_organization,
    matches,
    organization_features,
    profile_targets,
    role_arn,
    session_name,
    split_list,
)
from iamtui.core.fleet.model import (
    DEFAULT_CONCURRENCY,
    DEFAULT_ROLE_NAME,
    LISTING_ACTIONS,
    REACH_ACTIONS,
    AccountFacts,
    AccountLine,
    AccountState,
    Fleet,
    FleetAccount,
    FleetListing,
    FleetOptions,
    FleetProblem,
    FleetProgress,
    FleetProgressCallback,
    OnAccount,
    Reason,
    Skipped,
    Target,
    Unreachable,
)
from iamtui.core.fleet.scan import (
    RoleNotAssumed,
    as_member,
    by_account,
    compact,
    facts_of,
    reach,
    reach_chain,
    scan_fleet,
)

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_ROLE_NAME",
    "LISTING_ACTIONS",
    "REACH_ACTIONS",
    "AccountFacts",
    "AccountLine",
    "AccountState",
    "Fleet",
    "FleetAccount",
    "FleetListing",
    "FleetOptions",
    "FleetProblem",
    "FleetProgress",
    "FleetProgressCallback",
    "OnAccount",
    "Reason",
    "RoleNotAssumed",
    "Skipped",
    "Target",
    "Unreachable",
    "as_member",
    "by_account",
    "choose",
    "compact",
    "external_id_problem",
    "facts_of",
    "list_organization",
    "matches",
    "organization_features",
    "profile_targets",
    "reach",
    "reach_chain",
    "role_arn",
    "scan_fleet",
    "session_name",
    "split_list",
]
