"""What a newcomer tripped over, in the headless views: an undo preview labelled backwards and
promising an undo of the undo, follow-ups that vanished without a word, cut-off opinions."""

from __future__ import annotations

from conftest import NOW

from iamtui.core.actions.catalog.principal_rightsize import replace_inline_step
from iamtui.core.ids import ActionId
from iamtui.core.plan import ApiCall, Plan, Step, Target
from iamtui.core.rightsize import Grant, Method, Rewrite

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
