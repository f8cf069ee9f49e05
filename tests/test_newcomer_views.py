"""What a newcomer tripped over, in the headless views: an undo preview labelled backwards and
promising an undo of the undo, follow-ups that vanished without a word, cut-off opinions."""

from __future__ import annotations

from datetime import timedelta

from conftest import NOW

from iamtui.core.actions.catalog.principal_rightsize import replace_inline_step
from iamtui.core.actions.steps import detach_step
from iamtui.core.ids import ActionId
from iamtui.core.journal import Entry
from iamtui.core.plan import ApiCall, Evidence, FollowUp, Plan, Step, Target
from iamtui.core.rightsize import Grant, Method, Rewrite
from iamtui.core.second_opinion import Opinion, SecondOpinion, Verdict
from iamtui.core.subjects import KeySubject
from iamtui.core.views.journal import describe_entry

OLD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*", "kms:*"],
                                               "Resource": "*"}]}  # fmt: skip
NEW = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"],
                                               "Resource": "*"}]}  # fmt: skip


def test_a_right_sizing_undo_labels_its_diff_now_and_restored() -> None:
    target = Target("role", "app", "arn:aws:iam::123456789012:role/app")
    rewrite = Rewrite(Grant("inline", "Mixed", OLD), Method.REPLACE_INLINE, NEW)
    step = replace_inline_step(target, "Mixed", OLD, rewrite)
    assert step.changes[:2] == (
        "--- inline policy Mixed now",
        "+++ inline policy Mixed right-sized",
    )
    (inverse,) = step.inverse
    assert inverse.changes[:2] == (
        "--- inline policy Mixed now",
        "+++ inline policy Mixed restored (before right-sizing)",
    )


def test_an_undo_plan_marks_no_step_undoable() -> None:
    step = Step(call=ApiCall("PutRolePolicy", {"RoleName": "app"}), description="Put it back")
    plan = Plan(ActionId.PRINCIPAL_RIGHTSIZE, "Undo", "123456789012", (), (step,), NOW)
    assert "↺ Put it back" in "\n".join(plan.lines())
    undo = Plan(ActionId.PRINCIPAL_RIGHTSIZE, "Undo", "123456789012", (), (step,), NOW,
                undoes="20260601T120000Z-abcd")  # fmt: skip
    lines = undo.lines()
    assert not any("↺" in line or "✗" in line for line in lines)
    assert "   1. Put it back" in lines


def _entry(entry_id: str, follow_ups: int = 0, **kw: object) -> Entry:
    due = NOW + timedelta(days=1)
    offered = tuple(
        FollowUp(ActionId.KEY_DELETE, KeySubject("alice", f"AKIA{n}"), due,
                 (Evidence.KEY_INACTIVE,), f"delete access key AKIA{n} of alice")
        for n in range(follow_ups)
    )  # fmt: skip
    plan = Plan(ActionId.KEY_DEACTIVATE, "Deactivate", "123456789012", (), (), NOW,
                follow_ups=offered)  # fmt: skip
    return Entry(entry_id, NOW.isoformat(), "123456789012", "me", str(plan.action), "s", plan,
                 end={"status": "completed"}, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_an_entrys_detail_lists_its_follow_ups_with_what_became_of_each() -> None:
    dismissed = {"time": NOW.isoformat(), "reason": "kept for the audit"}
    first = _entry("E1", 4, dismissed={1: dismissed}, followed_by={0: ["E2"]})
    later = _entry("E2")
    undone = _entry("E3", 1, undone_by=["E4"])
    entries = (first, later, undone)
    detail = describe_entry(first, entries, NOW + timedelta(days=2))
    (section,) = [s for s in detail.sections if s.title == "Follow-ups"]
    assert [(f.label, f.value.splitlines()[1]) for f in section.fields] == [
        ("E1#0", "done by E2"),
        ("E1#1", "dismissed 2026-06-01 12:00: kept for the audit"),
        ("E1#2", "due since 2026-06-02 12:00:00 UTC"),
        ("E1#3", "due since 2026-06-02 12:00:00 UTC"),
    ]
    assert section.fields[0].value.splitlines()[0] == (
        "key.delete: delete access key AKIA0 of alice"
    )
    pending = describe_entry(first, entries, NOW)
    (section,) = [s for s in pending.sections if s.title == "Follow-ups"]
    assert section.fields[2].value.endswith("\npending until 2026-06-02 12:00:00 UTC")
    (section,) = [
        s for s in describe_entry(undone, entries, NOW).sections if s.title == "Follow-ups"
    ]
    assert section.fields[0].value.endswith("\nobsolete: undone by E4")
    assert not [s for s in describe_entry(later, entries, NOW).sections if s.title == "Follow-ups"]


def test_opinions_on_a_principal_list_the_most_important_first() -> None:
    arn = "arn:aws:iam::123456789012:role/app"
    mine = {
        "a": Opinion(Verdict.IAMTUI_ONLY, arn, "UnusedIAMUserPassword", ("a",)),
        "b": Opinion(Verdict.AGREES, arn, "UnusedIAMRole", ("b",)),
        "c": Opinion(Verdict.DISAGREES, arn, "UnusedIAMUserAccessKey", ("c",)),
    }
    alone = (Opinion(Verdict.ANALYZER_ONLY, arn, "UnusedPermission"),)
    second = SecondOpinion(None, mine, alone)
    assert [o.verdict for o in second.for_resource(arn)] == [
        Verdict.DISAGREES,
        Verdict.ANALYZER_ONLY,
        Verdict.AGREES,
        Verdict.IAMTUI_ONLY,
    ]


def test_detaching_an_aws_managed_policy_does_not_warn_it_may_be_deleted() -> None:
    """Customers cannot delete an AWS-managed policy: the warning is for their own only."""
    aws = detach_step("role", "app", "arn:aws:iam::aws:policy/ReadOnlyAccess", 0)
    own = detach_step("role", "app", "arn:aws:iam::123456789012:policy/mine", 0)
    assert aws.reversible and not aws.loss
    assert own.loss == "the undo fails if the policy itself is deleted meanwhile"
