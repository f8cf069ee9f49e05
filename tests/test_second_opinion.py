"""Access Analyzer as a second opinion: iamtui's unused-access verdicts against the analyzer's,
on hand-built snapshots (pure: no emulator)."""

from __future__ import annotations

from dataclasses import replace

from builders import (
    ACCOUNT,
    ACTIVE_ANALYZER,
    ago,
    arn,
    key,
    role,
    row,
    services,
    snapshot,
    user,
)
from conftest import NOW

from iamtui.core import findings
from iamtui.core.account_resources import UnusedDetail
from iamtui.core.findings import Evaluation
from iamtui.core.model import (
    AccessAnalyzerState,
    AccountSnapshot,
    Analyzer,
    AnalyzerFinding,
    AnalyzerFindings,
    Part,
    Unavailable,
)
from iamtui.core.rules import RULES_BY_ID
from iamtui.core.second_opinion import Opinion, SecondOpinion, Verdict, compare, summary_lines
from iamtui.core.settings import Settings

ANALYZER_ARN = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/unused"


def with_analyzer(
    snap: AccountSnapshot,
    *found: tuple[str, str],
    age: int = 90,
    complete: bool = True,
) -> AccountSnapshot:
    """The snapshot with an ACTIVE unused-access analyzer holding ``(resource, type)`` findings."""
    unused = Analyzer("unused", ANALYZER_ARN, "ACCOUNT_UNUSED_ACCESS", "ACTIVE", age)
    state = AccessAnalyzerState("us-east-1", (*ACTIVE_ANALYZER.analyzers, unused))
    items = tuple(
        AnalyzerFinding(f"f-{n}", kind, resource, "ACTIVE", ago(3), ago(3))
        for n, (resource, kind) in enumerate(found)
    )
    return replace(
        snap,
        access_analyzer=state,
        analyzer_findings=AnalyzerFindings(ANALYZER_ARN, age, items, complete),
    )


#: Only the compared rules run: the test is about the comparison, and stays fast.
COMPARED = [
    RULES_BY_ID[r]
    for r in ("role.unused", "user.password-unused", "access-key.unused", "access-key.never-used")
]


def opinions(snap: AccountSnapshot) -> tuple[SecondOpinion, Evaluation]:
    settings = Settings()
    result = findings.evaluate(snap, now=NOW, settings=settings, rules=COMPARED)
    return compare(snap, result.findings, settings.thresholds, NOW), result


IDLE_ROLE = role("batch", last_used=200)
BUSY_ROLE = role("web", last_used=2)
CAROL = user("carol")


def base() -> AccountSnapshot:
    return snapshot(
        users=[CAROL],
        rows=[row(CAROL, password=True, password_used=300, password_changed=400,
                  key1=key(used=150, rotated=60))],
        roles=[IDLE_ROLE, BUSY_ROLE],
    )  # fmt: skip


def test_both_reporting_an_unused_role_agree_and_say_the_analyzers_date() -> None:
    snap = with_analyzer(base(), (IDLE_ROLE.arn, "UnusedIAMRole"))
    second, result = opinions(snap)
    [mine] = [f for f in result.findings if f.rule == "role.unused"]
    opinion = second.by_finding[mine.id]
    assert opinion.verdict is Verdict.AGREES
    assert opinion.line() == f"Access Analyzer: agrees (UnusedIAMRole, {ago(3):%Y-%m-%d})"
    assert opinion.as_json()["version"] == 1 and opinion.as_json()["finding_id"] == "f-0"


def test_the_analyzer_calling_a_recently_used_role_unused_is_a_disagreement() -> None:
    snap = with_analyzer(base(), (IDLE_ROLE.arn, "UnusedIAMRole"), (BUSY_ROLE.arn, "UnusedIAMRole"))
    second, _ = opinions(snap)
    [web] = second.for_resource(BUSY_ROLE.arn)
    assert web.verdict is Verdict.DISAGREES
    assert "used 2 days ago" in web.reason and "90-day threshold" in web.reason
    assert web in second.analyzer_only  # listed, never hidden


def test_iamtui_only_inside_a_longer_analyzer_window_explains_the_windows() -> None:
    snap = with_analyzer(base(), age=365)
    second, result = opinions(snap)
    [mine] = [f for f in result.findings if f.rule == "role.unused"]
    opinion = second.by_finding[mine.id]
    assert opinion.verdict is Verdict.IAMTUI_ONLY
    assert (
        opinion.reason
        == "unused 200 days: inside the analyzer's 365-day window (iamtui's threshold is 90)"
    )


def test_iamtui_only_past_a_shorter_analyzer_window_says_what_may_hide_it() -> None:
    snap = with_analyzer(base(), age=30)
    second, result = opinions(snap)
    [mine] = [f for f in result.findings if f.rule == "role.unused"]
    opinion = second.by_finding[mine.id]
    assert opinion.verdict is Verdict.IAMTUI_ONLY
    assert opinion.reason == (
        "no ACTIVE analyzer finding (the analyzer's window is 30 days, iamtui's 90; unused 200 "
        "days): archived, excluded by an analysis rule, or not analyzed yet (iamtui cannot tell "
        "which)"
    )


def test_passwords_and_keys_are_compared_per_user() -> None:
    snap = with_analyzer(
        base(), (CAROL.arn, "UnusedIAMUserPassword"), (CAROL.arn, "UnusedIAMUserAccessKey")
    )
    second, result = opinions(snap)
    verdicts = {
        f.rule: second.by_finding[f.id].verdict
        for f in result.findings
        if f.rule in ("user.password-unused", "access-key.unused")
    }
    assert verdicts == {"user.password-unused": Verdict.AGREES, "access-key.unused": Verdict.AGREES}


def test_an_unused_permission_without_last_accessed_data_is_analyzer_only() -> None:
    snap = with_analyzer(base(), (BUSY_ROLE.arn, "UnusedPermission"))
    second, _ = opinions(snap)
    [permission] = second.for_resource(BUSY_ROLE.arn)
    assert (permission.verdict, permission.reason) == (
        Verdict.ANALYZER_ONLY,
        "iamtui has no last-accessed data for it yet",
    )


def permission_case(
    *details: UnusedDetail, age: int = 90, **used: float | None
) -> tuple[Opinion, Opinion]:
    """BUSY_ROLE with last-accessed data ``used`` and an UnusedPermission finding f-0: the
    opinion without the finding's details, and with ``details`` read."""
    snap = replace(
        with_analyzer(base(), (BUSY_ROLE.arn, "UnusedPermission"), age=age),
        last_accessed={BUSY_ROLE.arn: services(BUSY_ROLE.arn, **used)},
    )
    settings = Settings()
    result = findings.evaluate(snap, now=NOW, settings=settings, rules=COMPARED)
    unread = compare(snap, result.findings, settings.thresholds, NOW)
    read = compare(snap, result.findings, settings.thresholds, NOW, {"f-0": details})
    [before] = unread.for_resource(BUSY_ROLE.arn)
    [after] = read.for_resource(BUSY_ROLE.arn)
    return before, after


def test_an_unused_permission_without_its_details_is_unknown_never_a_disagreement() -> None:
    """Every service used lately says nothing about the analyzer's unused *actions*."""
    before, _ = permission_case(s3=2, ec2=5)
    assert (before.verdict, before.reason) == (
        Verdict.UNKNOWN,
        "details not read (A in the review)",
    )
    assert before.line().endswith(": details not read (A in the review)")


def test_a_service_the_analyzer_calls_unused_that_iamtui_saw_used_in_its_window_disagrees() -> None:
    _, after = permission_case(UnusedDetail("permission", service="ec2"), s3=2, ec2=5)
    assert after.verdict is Verdict.DISAGREES
    assert after.reason == (
        f"ec2: the analyzer calls it unused, iamtui saw it used {ago(5):%Y-%m-%d} "
        "(inside the analyzer's 90-day window)"
    )
    _, behind = permission_case(UnusedDetail("permission", service="ec2"), ec2=1)
    assert behind.reason.endswith("window, after the analyzer's last analysis)")


def test_unused_actions_inside_a_used_service_are_analyzer_only_with_the_reason() -> None:
    detail = UnusedDetail("permission", ago(2), "s3", ("s3:DeleteBucket", "s3:PutBucketPolicy"))
    _, after = permission_case(detail, s3=2)
    assert after.verdict is Verdict.ANALYZER_ONLY
    assert after.reason == (
        "s3: unused actions (s3:DeleteBucket, s3:PutBucketPolicy) inside a service iamtui saw "
        f"used {ago(2):%Y-%m-%d}; iamtui judges whole services"
    )


def test_a_use_past_a_shorter_analyzer_window_is_a_window_difference_not_a_disagreement() -> None:
    _, after = permission_case(UnusedDetail("permission", service="ec2"), age=30, ec2=60)
    assert after.verdict is Verdict.ANALYZER_ONLY
    assert after.reason == (
        f"ec2: iamtui saw it last used {ago(60):%Y-%m-%d}, 60 days ago: past the analyzer's "
        "30-day window"
    )


def test_the_review_compares_the_read_details_per_namespace() -> None:
    from iamtui.core.account_resources import AnalyzerReview, PrincipalFindings
    from iamtui.core.views.analyzer import read_fields

    snap = replace(
        with_analyzer(base(), (BUSY_ROLE.arn, "UnusedPermission")),
        last_accessed={BUSY_ROLE.arn: services(BUSY_ROLE.arn, ec2=5)},
    )
    assert snap.analyzer_findings is not None
    principal = PrincipalFindings(
        BUSY_ROLE.arn, snap.analyzer_findings, {"f-0": (UnusedDetail("permission", service="ec2"),)}
    )
    lines = read_fields(AnalyzerReview(principal, {}), NOW, snap)
    [compared] = [f for f in lines if f.label == "  iamtui"]
    assert compared.value.startswith("disagrees: ec2: the analyzer calls it unused, iamtui saw")


def test_a_finding_type_iamtui_has_no_rule_for_is_listed() -> None:
    snap = with_analyzer(base(), (BUSY_ROLE.arn, "UnusedIAMRoleSomethingNew"))
    second, _ = opinions(snap)
    [other] = second.analyzer_only
    assert other.verdict is Verdict.ANALYZER_ONLY and "no rule" in other.reason
    assert any("UnusedIAMRoleSomethingNew" in line for line in summary_lines(second))


def test_without_an_unused_access_analyzer_there_is_no_opinion_not_agreement() -> None:
    second, result = opinions(base())
    assert (
        second.unavailable == "no unused-access analyzer in us-east-1: second opinion unavailable"
    )
    assert {o.verdict for o in second.by_finding.values()} == {Verdict.UNAVAILABLE}
    assert len(second.by_finding) == len(
        [
            f
            for f in result.findings
            if f.rule in ("role.unused", "user.password-unused", "access-key.unused")
        ]
    )
    [line] = summary_lines(second)
    assert "second opinion unavailable" in line


DENIED = "denied: the caller lacks access-analyzer:ListFindings"


def test_denied_findings_or_an_unloaded_analyzer_say_why() -> None:
    denied = replace(
        with_analyzer(base()),
        analyzer_findings=None,
        unavailable=(Unavailable(Part.ANALYZER_FINDINGS, DENIED, "AccessDeniedException"),),
    )
    second, _ = opinions(denied)
    assert (
        second.unavailable is not None
        and "lacks access-analyzer:ListFindings" in second.unavailable
    )
    older = replace(base(), access_analyzer=None)
    assert "IAM Access Analyzer not loaded" in (opinions(older)[0].unavailable or "")


def test_findings_past_the_page_budget_are_unknown_not_iamtui_only() -> None:
    snap = with_analyzer(base(), complete=False)
    second, result = opinions(snap)
    [mine] = [f for f in result.findings if f.rule == "role.unused"]
    assert second.by_finding[mine.id].verdict is Verdict.UNKNOWN


def test_a_deleted_principal_is_analyzer_only() -> None:
    snap = with_analyzer(base(), (arn("role", "gone"), "UnusedIAMRole"))
    second, _ = opinions(snap)
    [gone] = second.analyzer_only
    assert gone.verdict is Verdict.ANALYZER_ONLY and "not in iamtui's snapshot" in gone.reason


def test_scan_json_and_text_carry_the_second_opinion() -> None:
    import io

    from rich.console import Console

    from iamtui.core.output import render_table, to_json

    snap = with_analyzer(base(), (IDLE_ROLE.arn, "UnusedIAMRole"), (BUSY_ROLE.arn, "UnusedIAMRole"))
    _, result = opinions(snap)
    document = to_json(result, snap, NOW)
    by_rule = {f["rule"]: f["access_analyzer"] for f in document["findings"]}
    assert by_rule["role.unused"]["verdict"] == "agrees"
    assert by_rule["role.unused"]["version"] == 1
    top = document["access_analyzer"]
    assert (top["version"], top["unavailable"], top["unused_access_age"]) == (1, None, 90)
    [alone] = top["analyzer_only"]
    assert (alone["resource_arn"], alone["verdict"]) == (BUSY_ROLE.arn, "disagrees")
    buffer = io.StringIO()
    render_table(result, snap, Console(file=buffer, width=200))
    text = buffer.getvalue()
    assert "Access Analyzer second opinion, unusedAccessAge 90 days:" in text
    assert f"{BUSY_ROLE.arn}: Access Analyzer: disagrees (UnusedIAMRole" in text


def test_scan_json_without_an_analyzer_says_unavailable_on_each_compared_finding() -> None:
    from iamtui.core.output import to_json

    _, result = opinions(base())
    document = to_json(result, base(), NOW)
    compared = [f for f in document["findings"] if f["access_analyzer"] is not None]
    assert compared and {f["access_analyzer"]["verdict"] for f in compared} == {"unavailable"}
    assert document["access_analyzer"]["unavailable"].startswith("no unused-access analyzer")


def test_the_roles_pane_detail_lists_an_analyzer_only_finding() -> None:
    from iamtui.core.views import Pane, Views

    snap = with_analyzer(base(), (BUSY_ROLE.arn, "UnusedIAMRole"))
    _, result = opinions(snap)
    views = Views(snap, result, NOW)
    row = next(r for r in views.pane(Pane.ROLES).rows if r.data == BUSY_ROLE)
    [section] = [s for s in views.describe(row).sections if s.title == "Access Analyzer"]
    # the section title names the analyzer: its lines do not repeat it (they wrap shorter)
    assert section.fields[0].value.startswith("disagrees (UnusedIAMRole, ")
    idle = next(r for r in views.pane(Pane.ROLES).rows if r.data == IDLE_ROLE)
    assert (
        "iamtui-only"
        in next(s for s in views.describe(idle).sections if s.title == "Access Analyzer")
        .fields[0]
        .value
    )
