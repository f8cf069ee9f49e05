"""The review's Right-sizing section from hand-built proposals: words, verdicts and the diff."""

from __future__ import annotations

from datetime import UTC, datetime

from builders import managed, role, services, snapshot
from conftest import NOW

from iamtui.core.actions.catalog.principal_rightsize import options_of
from iamtui.core.actions.request import Request
from iamtui.core.rightsize import Grant, Method, Proposal, Rewrite, RightsizeOptions, options_from
from iamtui.core.settings import RightsizeSettings, Settings
from iamtui.core.views.rightsize import build, describe

WHEN = datetime(2026, 6, 1, 12, tzinfo=UTC)
DOC = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"},
    ],
}
KEPT = {"Version": "2012-10-17", "Statement": [DOC["Statement"][0]]}
INLINE = Grant("inline", "Pipeline", DOC)
AWS = Grant(
    "managed", "AmazonSQSReadOnlyAccess", DOC, arn="arn:aws:iam::aws:policy/X", aws_managed=True
)


def proposal(*rewrites: Rewrite, refused: str = "") -> Proposal:
    return Proposal(
        "arn:aws:iam::123456789012:role/etl",
        "etl",
        "role",
        RightsizeOptions(),
        WHEN,
        unused_services=("sqs",),
        rewrites=rewrites,
        refused=refused,
    )


def test_each_policy_reads_as_its_method_and_the_diff_removes_what_is_dropped() -> None:
    view = describe(
        proposal(
            Rewrite(INLINE, Method.REPLACE_INLINE, KEPT, dropped_services=("sqs",)),
            Rewrite(
                AWS, Method.COPY_AND_DETACH, KEPT, dropped_services=("sqs",), new_policy_name="C"
            ),
        )
    )
    assert view.applies and view.verdict == "" and view.dropped == {"sqs"}
    lines = [(f.label, f.value) for f in view.fields]
    assert ("inline", "Pipeline: replace inline") in lines
    assert ("AWS managed", "AmazonSQSReadOnlyAccess: copy and detach") in lines
    assert ("  drops", "sqs") in lines
    removed = [d.text for d in view.diff if d.tone == "bad"]
    assert any('"sqs:SendMessage"' in text for text in removed)
    assert not [d for d in view.diff if d.tone == "ok"]  # nothing added
    headers = [d.text for d in view.diff if d.tone == "accent"]
    assert headers == [
        "--- inline Pipeline (current)",
        "+++ inline Pipeline (proposed)",
        "--- managed AmazonSQSReadOnlyAccess (current)",
        "+++ managed AmazonSQSReadOnlyAccess (copy C)",
    ]


def test_a_refusal_is_said_plainly_and_nothing_else() -> None:
    view = describe(proposal(refused="the role is younger than the 90-day window"))
    assert not view.applies and view.verdict == "refused"
    assert ("Refused", "the role is younger than the 90-day window") in [
        (f.label, f.value) for f in view.fields
    ]
    assert view.diff == () and view.dropped == frozenset()


def test_policies_it_cannot_change_are_not_nothing_to_drop() -> None:
    cannot = Rewrite(
        INLINE, Method.CANNOT, None, dropped_services=("sqs",), reason="granted through group Dev"
    )
    view = describe(proposal(cannot))
    assert view.verdict == "nothing to apply" and not view.applies and view.dropped == set()
    assert ("inline", "Pipeline: cannot: granted through group Dev") in [
        (f.label, f.value) for f in view.fields
    ]
    kept = describe(proposal(Rewrite(INLINE, Method.KEEP, None)))
    assert kept.verdict == "nothing to drop"


def test_options_come_from_the_rightsize_section() -> None:
    assert options_from(Settings()) == RightsizeOptions()
    chosen = options_from(
        Settings(rightsize=RightsizeSettings(window_days=180, narrow_wildcards=True))
    )
    assert (chosen.window_days, chosen.narrow_wildcards) == (180, True)


def test_the_plan_takes_the_options_the_review_showed() -> None:
    """Without options in the request, principal.rightsize uses the config's, as the review."""
    settings = Settings(rightsize=RightsizeSettings(window_days=180, narrow_wildcards=True))
    assert options_of(Request.rightsize("role", "etl"), settings) == options_from(settings)
    given = Request.rightsize("role", "etl", window_days=120)
    assert options_of(given, settings).window_days == 120
    assert options_of(Request.rightsize("role", "etl")) == RightsizeOptions()


def test_the_review_of_a_10000_statement_policy_shows_a_summary_not_a_diff() -> None:
    """The review builds its proposal and diff on the UI thread: a huge AWS managed policy
    (AWS does not hold those to the customer limits) gets the linear summary, not difflib's
    quadratic diff, so it cannot freeze it (timings: bench, never asserted here)."""
    statements = [
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage" if n else "s3:GetObject",
            "Resource": f"arn:aws:sqs:us-east-1:123456789012:q{n}",
        }
        for n in range(10_000)
    ]
    big = managed("Huge", document={"Version": "2012-10-17", "Statement": statements}, aws=True)
    app = role("app", attached=[big.arn])
    snap = snapshot(roles=[app], policies=[big])
    view = build(app, snap, services(app.arn, s3=1, sqs=None), now=NOW, settings=Settings())
    assert view.applies and view.dropped == {"sqs"}
    assert [d.text for d in view.diff][-1] == (
        "document of 50,005 lines: diff not shown (too large); 9,999 statements removed"
    )
