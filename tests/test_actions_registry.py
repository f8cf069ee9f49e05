"""The action registry: one spec per plannable action, and what derives from it."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import UTC, datetime, timedelta

import pytest

from iamtui.core import permissions
from iamtui.core.actions import ActionId, Request, RotateStage, catalog
from iamtui.core.actions.catalog.key_rotate import next_stage
from iamtui.core.actions.registry import ACTIONS, SPECS
from iamtui.core.model import AccessKey
from iamtui.core.slots import key_in_slot
from iamtui.core.subjects import KeySubject, PolicySubject, RootKeySubject
from iamtui.ui import choices

#: Ids that name something other than one plannable action.
NOT_ACTIONS = {ActionId.BATCH, ActionId.UNDO, ActionId.ROOT_HARDEN}
T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def test_every_catalog_module_is_registered_once_and_every_action_has_a_module() -> None:
    modules = [m.name for m in pkgutil.iter_modules(catalog.__path__)]
    specs = [importlib.import_module(f"{catalog.__name__}.{m}").SPEC for m in modules]
    assert sorted(s.id.value for s in specs) == sorted(s.id.value for s in ACTIONS)
    assert len(SPECS) == len(ACTIONS)
    assert set(SPECS) == set(ActionId) - NOT_ACTIONS
    for module, spec in zip(modules, specs, strict=True):
        assert module == spec.id.value.replace(".", "_").replace("-", "_").replace(
            "account_set_", "account_"
        ), module
        assert spec.verb and spec.help and spec.group.startswith("IamtuiActions")


def test_permission_groups_and_ui_tables_derive_from_the_registry() -> None:
    grouped = [a for ids in permissions.ACTION_GROUPS.values() for a in ids]
    assert sorted(grouped) == sorted(SPECS)
    assert ActionId.POLICY_DELETE_UNATTACHED in permissions.ACTION_GROUPS["IamtuiActionsPolicies"]
    assert {s.id: s.binding for s in ACTIONS if s.binding} == choices.BINDING_FOR
    assert choices.BINDING_FOR[ActionId.KEY_DELETE] == "key-delete"  # ids stay the same
    assert set(choices.BINDING_FOR.values()) <= choices.ACTION_BINDINGS
    assert choices.HELP[ActionId.KEY_DEACTIVATE] == "UpdateAccessKey Status=Inactive · undoable"


def test_request_is_an_action_on_a_typed_subject() -> None:
    request = Request.delete_key("alice", "AKIA1", allow_active=True)
    assert request.subject == KeySubject("alice", "AKIA1") and request.allow_active
    assert request.label == "key.delete user alice AKIA1"
    assert Request.rotate_key("alice", "AKIA1").stage is None  # the planner decides
    assert Request.delete_root_key(account="222").subject == RootKeySubject(None, "222")
    assert Request.delete_unattached_policy("arn:p").subject == PolicySubject("arn:p")
    assert Request(ActionId.KEY_DEACTIVATE, KeySubject("bob", slot=2)).label == (
        "key.deactivate user bob key 2"
    )


def key(key_id: str, status: str, created: datetime) -> AccessKey:
    return AccessKey(key_id, status, created)


def test_rotation_stage_is_decided_from_the_keys() -> None:
    old, new = key("A", "Active", T0), key("B", "Active", T0 + timedelta(days=1))
    assert next_stage("A", [old]) is RotateStage.CREATE
    assert next_stage("A", [old, new]) is RotateStage.DEACTIVATE_OLD
    assert next_stage("A", [key("A", "Inactive", T0), new]) is RotateStage.DELETE_OLD
    assert next_stage("B", [old, new]) is RotateStage.CREATE  # the newer one: planner refuses
    assert next_stage(None, [old]) is RotateStage.CREATE


def test_a_report_slot_matches_the_key_created_in_that_second() -> None:
    first, second = key("A", "Active", T0), key("B", "Active", T0 + timedelta(hours=1))
    report_time = T0.replace(microsecond=0)  # the report has second precision
    assert key_in_slot(report_time, [first, second]) is first
    assert key_in_slot(report_time + timedelta(hours=1), [first, second]) is second
    assert key_in_slot(report_time + timedelta(minutes=5), [first, second]) is None
    assert key_in_slot("N/A", [first]) is None
    twin = key("C", "Active", T0 + timedelta(milliseconds=10))
    assert key_in_slot(report_time, [first, twin]) is None  # never guessed


@pytest.mark.parametrize("used", [None, T0 + timedelta(days=3)])
def test_a_key_saves_the_same_json_plans_and_journals_always_held(used: datetime | None) -> None:
    saved = AccessKey("AKIA1", "Active", T0, used, "s3" if used else None, "us-east-1").to_json()
    assert saved == {
        "key_id": "AKIA1",
        "status": "Active",
        "created": "2026-01-02T03:04:05.678000+00:00",
        "last_used": used.isoformat() if used else None,
        "last_used_service": "s3" if used else None,
    }


def test_every_registered_binding_id_is_bound_on_a_screen() -> None:
    from iamtui.ui.app import binding_ids

    assert set(choices.BINDING_FOR.values()) <= set(choices.ACTION_KEYS) & binding_ids()
