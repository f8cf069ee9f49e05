"""Dialog wording and feedback (issue 12): typed confirmations, the contact form, secrets, files.

Each test drives the app as an operator would (Pilot) over the seeded demo account.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from builders import key, row, snapshot, user
from conftest import NOW
from textual.widgets import Button, Input, Static
from ui_support import SIZE, demo_workspace, plain, settle

from iamtui.core.model import Missing
from iamtui.core.root import StepId, contact_problems
from iamtui.core.rules import evaluate
from iamtui.core.secrets import AccessKeySecret, Secret
from iamtui.core.text import plural
from iamtui.core.views import Views, details
from iamtui.core.views.format import report_words
from iamtui.emulator.server import Emulator
from iamtui.ui.app import IamtuiApp
from iamtui.ui.screens.action import AskPath, PlanScreen, SecretScreen
from iamtui.ui.screens.review import ReviewScreen
from iamtui.ui.screens.root import ContactForm, RootScreen
from iamtui.ui.widgets.table import RowTable

CONTACT_STEP = StepId.SECURITY_CONTACT.value


def shown(widget: Static) -> str:
    """The plain text a Static shows, on one line."""
    return " ".join(plain(widget).split())


async def test_a_wrong_typed_confirmation_says_so_under_the_input_and_keeps_the_focus(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("user", demo.stale_key_user))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen)
        review.query_one("#keys").focus()
        await pilot.press("X")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PlanScreen) and screen.phase == "preview"
        phrase = screen.query_one("#plan-phrase", Input)
        status = screen.query_one("#plan-phrase-status", Static)
        assert not status.display
        phrase.focus()
        phrase.value = demo.stale_key_user + "x"
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is phrase
        assert status.display
        assert shown(status) == f"does not match: type {demo.stale_key_user}"
        # Typing again clears the line; the right phrase moves on to the override field.
        phrase.value = demo.stale_key_user
        await pilot.pause()
        assert not status.display
        await pilot.press("enter")
        await pilot.pause()
        override = screen.query_one("#plan-override", Input)
        assert app.focused is override
        override.value = "AKIA-wrong"
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is override
        (key_id,) = [k["AccessKeyId"] for k in iam.list_access_keys(
            UserName=demo.stale_key_user)["AccessKeyMetadata"]]  # fmt: skip
        assert shown(screen.query_one("#plan-override-status", Static)) == (
            f"does not match: type {key_id}"
        )
        assert screen.query_one("#plan-run", Button).disabled


async def test_the_secret_dialog_words_the_value_by_its_origin(emulator: Emulator) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = AccessKeySecret("alice", "AKIAEXAMPLE0000000001", "key-secret-value")
        await app.push_screen(SecretScreen(key))
        await pilot.pause()
        note = shown(app.screen.query_one("#secret-note", Static))
        assert "AWS returns a new access key's secret only now" in note
        assert "generated" not in note
        app.screen.kept = True  # type: ignore[attr-defined]
        await pilot.press("escape")
        await pilot.pause()
        password = Secret("password", "bob", "generated-password-value")
        await app.push_screen(SecretScreen(password))
        await pilot.pause()
        note = shown(app.screen.query_one("#secret-note", Static))
        assert "iamtui generated this password" in note
        assert "set it in AWS, which never shows it again" in note
        assert "returns" not in note


async def test_saving_a_secret_shows_the_full_path_in_the_home_folder_and_writes_0600(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        secret = AccessKeySecret("alice", "AKIAEXAMPLE0000000001", "key-secret-value")
        dialog = SecretScreen(secret)
        await app.push_screen(dialog)
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        ask = app.screen
        assert isinstance(ask, AskPath)
        expected = home / "iamtui-alice-AKIAEXAMPLE0000000001.csv"
        field = ask.query_one("#ask-input", Input)
        assert field.value == str(expected)
        assert shown(ask.query_one("#ask-target", Static)) == f"writes {expected}"
        # Before: "~z" (no such user's home) crashed the TUI and lost the one-time secret.
        field.value = "~nosuchuser-iamtui/alice.csv"
        await pilot.pause()
        assert shown(ask.query_one("#ask-target", Static)).startswith("cannot use ~nosuchuser")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is ask and "cannot use" in shown(ask.query_one("#ask-status", Static))
        # A relative name goes to the same folder, and the line says so before saving.
        field.value = "keys/alice.csv"
        await pilot.pause()
        assert shown(ask.query_one("#ask-target", Static)) == f"writes {home / 'keys/alice.csv'}"
        await pilot.press("enter")
        await pilot.pause()
        assert shown(ask.query_one("#ask-status", Static)) == f"no such folder: {home / 'keys'}"
        assert app.screen is ask
        field.value = "alice.csv"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        written = home / "alice.csv"
        assert written.read_text(encoding="utf-8").endswith(
            "alice,AKIAEXAMPLE0000000001,key-secret-value\n"
        )
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
        assert any(str(written) in n.message for n in app._notifications)
        # An existing file is never replaced: the dialog says so and stays.
        await pilot.press("w")
        await pilot.pause()
        app.screen.query_one("#ask-input", Input).value = str(written)
        await pilot.press("enter")
        await pilot.pause()
        assert "exists and is never replaced" in shown(app.screen.query_one("#ask-status", Static))
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert secret.dropped


async def test_root_export_asks_for_the_path_in_the_home_folder_and_says_where_it_wrote(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path.parent)
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_root=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RootScreen) and screen.report is not None
        await pilot.press("e")
        await pilot.pause()
        ask = app.screen
        assert isinstance(ask, AskPath)
        target = tmp_path / "iamtui-root-report.md"
        assert shown(ask.query_one("#ask-target", Static)) == f"writes {target}"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert target.read_text(encoding="utf-8") == screen.report.to_markdown()
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert not (tmp_path.parent / "iamtui-root-report.md").exists()
        assert any(
            n.message.startswith(f"Wrote the root report to {target} (mode 0600)")
            for n in app._notifications
        )


async def test_the_contact_form_names_the_bad_field_and_keeps_every_value(
    emulator: Emulator,
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_root=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RootScreen) and screen.report is not None
        table = screen.query_one("#root-steps", RowTable)
        table.set_cursor(next(i for i, r in enumerate(table.rows) if r.key == CONTACT_STEP))
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ContactForm)
        typed = {
            "Name": "Security team",
            "Title": "Security",
            "EmailAddress": "security at example.com",
            "PhoneNumber": "+1 555 0100",
        }
        for key, value in typed.items():
            form.query_one(f"#contact-{key}", Input).value = value
        email = form.query_one("#contact-EmailAddress", Input)
        email.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is form and app.focused is email
        status = form.query_one("#contact-EmailAddress-status", Static)
        assert status.display
        assert shown(status) == "Email must be an email address such as security@example.com"
        assert form.typed() == typed  # nothing lost
        # Enter on a good field with a bad one elsewhere goes to the bad one and names it.
        phone = form.query_one("#contact-PhoneNumber", Input)
        phone.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is email
        email.value = "security@example.com"
        await pilot.pause()
        assert not status.display
        await pilot.press("enter")
        await settle(pilot)
        preview = app.screen
        assert isinstance(preview, PlanScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        # Opening the form again: every value is still there.
        await pilot.press("f")
        await pilot.pause()
        again = app.screen
        assert isinstance(again, ContactForm)
        assert again.typed() == {**typed, "EmailAddress": "security@example.com"}


def test_contact_problems_follow_aws_limits() -> None:
    good = {
        "Name": "Security team",
        "Title": "Security",
        "EmailAddress": "security@example.com",
        "PhoneNumber": "+1 (555) 0100",
    }
    assert contact_problems(good) == {}
    assert contact_problems({**good, "PhoneNumber": "call me"}) == {
        "PhoneNumber": "Phone must be digits, spaces and ( ) + - only"
    }
    assert contact_problems({**good, "Title": "x" * 51}) == {
        "Title": "Title is 51 characters: AWS accepts at most 50"
    }
    assert contact_problems({**good, "Name": "  "}) == {"Name": "Name is required"}


def test_plural_says_one_rule_and_two_rules() -> None:
    assert plural(1, "rule") == "1 rule"
    assert plural(2, "rule") == "2 rules"
    assert plural(0, "access key") == "0 access keys"
    assert plural(3, "policy", "policies") == "3 policies"


def delete_role(iam: Any, name: str) -> None:
    """Delete a role the way AWS requires (detach, delete inline, leave instance profiles)."""
    for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=p["PolicyArn"])
    for p in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=p)
    for ip in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(
            InstanceProfileName=ip["InstanceProfileName"], RoleName=name
        )
    iam.delete_role(RoleName=name)


async def test_a_role_review_names_no_keys_and_a_deleted_role_keeps_no_stale_counts(
    emulator: Emulator, iam: Any
) -> None:
    demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_principal=("role", demo.unused_role))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        review = app.screen
        assert isinstance(review, ReviewScreen) and not review.is_user
        actions = shown(review.query_one("#actions", Static))
        assert "key" not in actions.lower().replace("fix keys", "")
        assert "(policies)" in actions
        box = review.query_one("#access-box")
        assert review.review.last_accessed is not None
        assert "unused" in str(box.border_title)
        delete_role(iam, demo.unused_role)
        review.apply_state(ws.load())
        await settle(pilot)
        assert review.gone
        assert str(box.border_title) == "Last-accessed services"
        note = shown(review.query_one("#access-note", Static))
        assert note == "Nothing to load: the role no longer exists."


def test_credential_report_absences_read_as_words_in_details_and_review() -> None:
    alice = user("alice", created=900)
    snap = snapshot(
        users=[alice],
        rows=[row(alice, password=True, password_used=Missing.NO_INFORMATION, key1=key(used=None))],
    )
    v = Views(snap, evaluate(snap, now=NOW), NOW)
    fields = {f.label: f.value for s in details.describe_user(v, alice).sections for f in s.fields}
    assert fields["Password used"] == "no information from AWS (credential report)"
    assert fields["Key 1 used"] == "never used (credential report)"
    console = {f.label: f.value for f in v.review(alice).console}
    assert console["Password last used"] == "no information from AWS (credential report)"
    everything = " ".join(fields.values()) + " ".join(console.values())
    for raw in ("no_information", "N/A", "not_supported"):
        assert raw not in everything
    assert report_words("not_supported") == "not supported by AWS"
    assert report_words(Missing.NOT_APPLICABLE) == "not applicable"


async def test_root_screen_says_info_words_evidence_and_nothing_to_do_once(
    emulator: Emulator,
) -> None:
    _demo, ws = demo_workspace(emulator)
    app = IamtuiApp(ws, open_root=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RootScreen) and screen.report is not None
        table = screen.query_one("#root-steps", RowTable)

        async def detail_of(step: StepId) -> str:
            table.set_cursor(next(i for i, r in enumerate(table.rows) if r.key == step.value))
            await pilot.pause()
            return plain(screen.query_one("#root-detail", Static))

        org = next(r for r in table.rows if r.key == StepId.CENTRALIZED_ROOT_ACCESS.value)
        assert org.cells[0] == "i INFO"
        keys = await detail_of(StepId.ACCESS_KEYS)
        assert "Access keys present (account summary): yes" in keys
        assert "account_summary" not in keys and "{" not in keys
        passed = await detail_of(StepId.BREAK_GLASS)
        assert passed.count("nothing") == 1 and "nothing: this step passes" in passed
        assert "WHAT YOU MUST DO IN AWS" not in passed


async def test_markup_in_a_filter_a_title_or_a_notification_is_shown_not_parsed(
    emulator: Emulator,
) -> None:
    """`[/` typed in the filter, a trust Sid `[/x]` in a dialog title or a file name in a
    notification was parsed as Textual markup and crashed the app (MarkupError)."""
    from textual.content import Content

    from iamtui.ui.screens.action import AskValue

    _, ws = demo_workspace(emulator)
    app = IamtuiApp(ws)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "left_square_bracket", "slash", "x", "right_square_bracket")
        await pilot.press("enter")
        await settle(pilot)
        subtitle = app.screen.query_one("#table-findings").border_subtitle or ""
        assert "filter '[/x]'" in Content.from_markup(subtitle).plain
        app.notify("Not saved: [/x] [bold]file[/bold]", title="[/x]")
        await pilot.pause()
        app.push_screen(AskValue("Edit trust: statement 1 ([/x])", "note [/x]", lambda _: None))
        await settle(pilot)
        assert isinstance(app.screen, AskValue)
        title = app.screen.query_one("#ask-dialog").border_title or ""
        assert Content.from_markup(title).plain == "Edit trust: statement 1 ([/x])"
    assert app.return_code in (None, 0)
