"""Pane row builders: grouping, counts, humanized ages, search text, filtering, sorting, speed."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from builders import (
    ADMIN_ARN,
    ago,
    group,
    key,
    keys_detail,
    managed,
    role,
    root_row,
    row,
    services,
    snapshot,
    trust,
    user,
)
from conftest import NOW

from iamtui.core.actions import QUARANTINE_POLICY
from iamtui.core.findings import Finding, Severity
from iamtui.core.model import (
    AccountSnapshot,
    AccountSummary,
    Part,
    PrincipalDetail,
    SshPublicKey,
    Tag,
    Unavailable,
)
from iamtui.core.root import StepId
from iamtui.core.rules import evaluate
from iamtui.core.settings import Settings, Suppression
from iamtui.core.views import (
    KEY_COLUMNS,
    ROLE_COLUMNS,
    TABLE_PANES,
    USER_COLUMNS,
    Check,
    KeySlot,
    Pane,
    Row,
    RowKind,
    Views,
    arrange,
    empty_message,
    exact,
    filter_rows,
    header_info,
    sort_rows,
)
from iamtui.core.views import (
    ago as ago_text,
)
from iamtui.core.views.format import NEVER


def views_of(snap: AccountSnapshot, settings: Settings | None = None) -> Views:
    """Views at the frozen NOW."""
    return Views(snap, evaluate(snap, now=NOW, settings=settings), NOW, settings)


def demo_like() -> AccountSnapshot:
    """A small account with something for every pane."""
    alice = replace(user("alice", created=900), tags=(Tag("Team", "data"),))
    bob = user("bob", created=300, groups=["Admins"])
    carol = user("carol", created=2)
    return snapshot(
        users=[alice, bob, carol],
        rows=[
            row(
                alice,
                password=True,
                password_used=3,
                mfa=False,
                key1=key(rotated=400, used=200),
                key2=key(rotated=10, used=None),
            ),
            row(bob, password=True, password_used=1, mfa=True),
            row(carol),
        ],
        groups=[group("Admins", attached=[ADMIN_ARN])],
        policies=[managed("Orphan", attachments=0)],
        roles=[
            role("app", last_used=2),
            role("old", last_used=400, created=900),
            role("vendor", trust_policy=trust({"AWS": "arn:aws:iam::999988887777:root"})),
        ],
        root=root_row(mfa=False, password_used=3),
        summary=AccountSummary(mfa_enabled=False, access_keys_present=False),
        details=[keys_detail(alice, 400, 10)],
    )


def test_findings_are_grouped_by_severity_then_rule_with_counts() -> None:
    v = views_of(demo_like())
    rows = arrange(v.pane(Pane.FINDINGS), v.pane(Pane.FINDINGS).rows)
    headers = [r for r in rows if r.kind is RowKind.GROUP]
    assert headers, "expected section headers"
    assert headers[0].cells[0].startswith("CRITICAL  root.no-mfa")
    assert headers[0].cells[0].endswith("· 1 finding")
    # Severity never rises down the list, and every finding sits under its own header.
    current = None
    last_severity = Severity.CRITICAL
    for r in rows:
        if r.kind is RowKind.GROUP:
            current = r.group
        elif isinstance(r.data, Finding):
            assert r.group == current
            assert r.data.severity <= last_severity
            last_severity = r.data.severity
    # Counts in the header match the rows under it.
    for h in headers:
        under = [r for r in rows if r.group == h.group and r.kind is not RowKind.GROUP]
        assert f"· {len(under)} " in h.cells[0]


def test_not_evaluated_rules_are_listed_with_the_reason() -> None:
    v = views_of(demo_like())
    skipped = [r for r in v.pane(Pane.FINDINGS).rows if r.kind is RowKind.NOT_EVALUATED]
    assert [r.key for r in skipped] == [
        "not-evaluated:permissions.unused-services",
        "not-evaluated:ssh-key.rotation-due",
    ]
    assert "last-accessed data not loaded" in skipped[0].cells[3]
    arranged = arrange(v.pane(Pane.FINDINGS), v.pane(Pane.FINDINGS).rows)
    assert arranged[-1].kind is RowKind.NOT_EVALUATED  # listed last, under its own header
    assert v.describe(skipped[0]).sections[0].fields[1].tone == "warn"


def test_suppressed_findings_stay_visible_dimmed_with_the_reason() -> None:
    settings = Settings(suppressions=(Suppression("root.*", "root", "root MFA in a safe"),))
    v = views_of(demo_like(), settings)
    suppressed = [
        r
        for r in v.pane(Pane.FINDINGS).rows
        if isinstance(r.data, Finding) and r.data.suppressed is not None
    ]
    assert suppressed and all(r.dim for r in suppressed)
    assert "root MFA in a safe" in suppressed[0].cells[3]
    assert "suppressed" in suppressed[0].search
    detail = v.describe(suppressed[0])
    assert any(s.title == "Suppressed" for s in detail.sections)


def test_users_have_humanized_ages_and_exact_dates_in_details() -> None:
    v = views_of(demo_like())
    users = {r.data.name: r for r in v.pane(Pane.USERS).rows}  # type: ignore[attr-defined]
    alice = users["alice"]
    assert alice.key == f"user:{alice.data.arn}"  # type: ignore[attr-defined]
    assert alice.cells[3] == "3 days"  # password used
    assert alice.cells[4] == "no" and alice.tones[4] == "bad"  # console without MFA
    assert alice.cells[5] == "2 active"
    assert alice.cells[7] == "2 years"  # created 900 days ago
    assert "team=data" in alice.search and "arn:aws:iam::" in alice.search
    assert "access-key.rotation-due" in alice.search  # rule ids are searchable
    carol = users["carol"]
    assert carol.cells[8] == "✓ none" and carol.tones[8] == "ok"
    detail = v.describe(alice)
    fields = {f.label: f.value for s in detail.sections for f in s.fields}
    assert fields["Created"] == exact(ago(900))
    assert fields["Password used"] == exact(ago(3))


def test_a_fetched_users_ssh_keys_and_certificates_show_in_its_detail_and_review() -> None:
    carol = user("carol")
    held = PrincipalDetail(
        carol.arn,
        NOW,
        ssh_public_keys=(SshPublicKey("APKACAROL", "Inactive", ago(30)),),
        unavailable=(
            Unavailable(
                "iam:ListSigningCertificates",
                "denied: the caller lacks iam:ListSigningCertificates",
                "AccessDenied",
            ),
        ),
    )
    v = views_of(snapshot(users=[carol], rows=[row(carol)]).with_details(held))
    [users] = v.pane(Pane.USERS).rows
    [section] = [s for s in v.describe(users).sections if s.title.startswith("SSH keys")]
    assert [(f.label, f.value, f.tone) for f in section.fields] == [
        ("SSH key", f"APKACAROL · inactive · uploaded {exact(ago(30))}", "muted"),
        (
            "ListSigningCertificates",
            "denied: the caller lacks iam:ListSigningCertificates",
            "warn",
        ),
    ]
    assert v.review(carol).credentials == section.fields
    # Not fetched, or fetched and holding none: no section at all.
    plain = views_of(snapshot(users=[carol], rows=[row(carol)]))
    [users] = plain.pane(Pane.USERS).rows
    assert not [s for s in plain.describe(users).sections if s.title.startswith("SSH keys")]


def test_roles_show_trust_and_last_use() -> None:
    v = views_of(demo_like())
    roles = {r.cells[0]: r for r in v.pane(Pane.ROLES).rows}
    assert roles["vendor"].cells[2] == "account 999988887777"
    assert roles["app"].cells[2] == "ec2"
    assert roles["old"].cells[3] == "1 year, 1 month"
    assert roles["old"].tones[-1] == "medium"  # role.unused


def test_access_keys_are_one_row_per_report_slot_with_ids_when_loaded() -> None:
    v = views_of(demo_like())
    keys = v.pane(Pane.KEYS).rows
    assert [r.key.rsplit(":", 1)[-1] for r in keys] == ["1", "2"]
    slot = keys[0].data
    assert isinstance(slot, KeySlot)
    assert slot.key_id == "AKIAALICE1"
    assert "AKIAALICE1" in keys[0].cells[1] and "akiaalice1" in keys[0].search
    assert keys[1].cells[4] == "never" and keys[1].tones[4] == "warn"


def test_access_keys_without_details_say_key_slot_only() -> None:
    snap = replace(demo_like(), details={})
    v = views_of(snap)
    first = v.pane(Pane.KEYS).rows[0]
    assert first.cells[1] == "key 1"
    fields = {f.label: f.value for s in v.describe(first).sections for f in s.fields}
    assert fields["Key id"].startswith("not loaded")


def test_root_pane_has_the_hardening_steps_and_facts() -> None:
    v = views_of(demo_like())
    rows = v.pane(Pane.ROOT).rows
    checks = {r.key: r for r in rows if r.kind is RowKind.CHECK}
    assert list(checks) == [f"check:{s}" for s in StepId]  # the root screen's steps, in order
    assert checks["check:root.mfa"].cells[0] == "✗ FAIL"
    assert checks["check:root.no-access-keys"].cells[0] == "✓ PASS"
    # Live-only steps are not read by the pane: unknown, saying where they are read.
    contact = checks["check:account.security-contact"]
    assert contact.cells[0] == "? UNKNOWN" and "h (Harden root)" in contact.cells[3]
    assert checks["check:org.centralized-root-access"].cells[0] == "? UNKNOWN"
    facts = [r for r in rows if r.kind is RowKind.FACT]
    assert any(r.cells[1] == "Root password last used" and r.cells[0] == "3 days" for r in facts)
    assert isinstance(checks["check:root.mfa"].data, Check)
    assert v.counts()[Pane.ROOT] == sum(1 for r in checks.values() if r.cells[0] == "✗ FAIL")


def test_unavailable_parts_make_empty_states_explicit() -> None:
    snap = replace(
        demo_like(),
        credential_report=None,
        unavailable=(Unavailable(Part.CREDENTIAL_REPORT, "denied: the caller lacks iam:X"),),
    )
    v = views_of(snap)
    view = v.pane(Pane.KEYS)
    assert view.rows == ()
    assert empty_message(view) == ("Access keys not available: denied: the caller lacks iam:X")
    rules = [r.data.rule.id for r in v.pane(Pane.FINDINGS).rows if r.kind is RowKind.NOT_EVALUATED]  # type: ignore[attr-defined]
    assert "access-key.unused" in rules


def test_empty_messages() -> None:
    v = views_of(demo_like())
    users = v.pane(Pane.USERS)
    assert filter_rows(users.rows, "foo") == []
    assert empty_message(users, "foo") == "No users match 'foo'"
    findings = v.pane(Pane.FINDINGS)
    clean = views_of(snapshot()).pane(Pane.FINDINGS)
    assert empty_message(clean, floor=Severity.MEDIUM) == "No findings at medium or above"
    assert empty_message(findings) == "No findings: every evaluated rule passed"


def test_severity_floor_hides_lower_findings_but_not_unevaluated_rules() -> None:
    v = views_of(demo_like())
    view = v.pane(Pane.FINDINGS)
    shown = arrange(view, view.rows, floor=Severity.HIGH)
    found = [r.data for r in shown if isinstance(r.data, Finding)]
    assert found and all(f.severity >= Severity.HIGH for f in found)
    assert any(r.kind is RowKind.NOT_EVALUATED for r in shown)


def test_filter_matches_every_word_in_name_arn_tags_and_rule() -> None:
    v = views_of(demo_like())
    rows = v.pane(Pane.FINDINGS).rows
    by_rule = filter_rows(rows, "access-key.rotation-due")
    assert by_rule and all("rotation" in r.search for r in by_rule)
    both = filter_rows(rows, "ALICE rotation")
    assert {r.data.principal_name for r in both} == {"alice"}  # type: ignore[attr-defined]
    assert filter_rows(rows, "team=data") != []
    assert filter_rows(rows, "   ") == list(rows)


def test_sort_keeps_missing_values_last_both_ways() -> None:
    v = views_of(demo_like())
    users = v.pane(Pane.USERS).rows
    ascending = [r.cells[0] for r in sort_rows(users, 6)]  # key last used; carol/bob: none
    descending = [r.cells[0] for r in sort_rows(users, 6, reverse=True)]
    assert ascending[0] == "alice" and descending[0] == "alice"
    assert set(ascending[1:]) == {"bob", "carol"}
    by_name = [r.cells[0] for r in sort_rows(users, 0, reverse=True)]
    assert by_name == ["carol", "bob", "alice"]


def _keys_pane(order: list[str]) -> list[Row]:
    """Key rows of four users, one key each, in ``order`` (as a reload might list them)."""
    uses: dict[str, float | None] = {"dan": 0.0001, "erin": None, "finn": 30, "gail": 30}
    people = {name: user(name, created=900) for name in uses}
    snap = snapshot(
        users=[people[n] for n in order],
        rows=[row(people[n], key1=key(rotated=500, used=uses[n])) for n in order],
    )
    return list(views_of(snap).pane(Pane.KEYS).rows)


def _column(name: str) -> int:
    return [c.key for c in KEY_COLUMNS].index(name)


def test_sort_by_last_use_puts_never_used_with_the_stalest() -> None:
    rows = _keys_pane(["dan", "erin", "finn", "gail"])
    used = _column("last_used")
    ascending = [r.cells[0] for r in sort_rows(rows, used)]
    assert ascending == ["erin", "finn", "gail", "dan"]  # never, 30 days (tie by name), just now
    assert sort_rows(rows, used)[0].cells[used] == "never"
    descending = [r.cells[0] for r in sort_rows(rows, used, reverse=True)]
    assert descending == ["dan", "finn", "gail", "erin"]


def test_sort_ties_keep_identity_order_whatever_order_the_data_came_in() -> None:
    status = _column("status")  # every key Active: one big tie
    for order in (["gail", "finn", "erin", "dan"], ["finn", "dan", "gail", "erin"]):
        rows = _keys_pane(order)
        assert [r.cells[0] for r in sort_rows(rows, status)] == ["dan", "erin", "finn", "gail"]
        flipped = [r.cells[0] for r in sort_rows(rows, status, reverse=True)]
        assert flipped == ["dan", "erin", "finn", "gail"]  # flipping a tie moves nothing


def test_sort_by_role_last_use_never_first_and_users_key_use_never_oldest() -> None:
    snap = snapshot(
        roles=[role("b-recent", last_used=1), role("a-never", last_used=None),
               role("c-old", last_used=300)],
    )  # fmt: skip
    v = views_of(snap)
    roles = v.pane(Pane.ROLES).rows
    used = [c.key for c in ROLE_COLUMNS].index("last_used")
    assert [r.data.name for r in sort_rows(roles, used)] == ["a-never", "c-old", "b-recent"]  # type: ignore[attr-defined]
    users = views_of(demo_like()).pane(Pane.USERS).rows
    key_used = [c.key for c in USER_COLUMNS].index("key_used")
    assert all(r.sort[key_used] != NEVER for r in users)  # no keys at all: no value, not "never"


def test_a_quarantined_role_is_tagged_in_its_row_search_and_detail() -> None:
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*"}]}
    snap = snapshot(roles=[role("app"), role("held", inline={QUARANTINE_POLICY: deny})])
    v = views_of(snap)
    app, held = v.pane(Pane.ROLES).rows
    assert app.cells[0] == "app" and held.cells[0] == "quarantined · held"
    assert held.tones[0] == "warn" and held.sort[0] == "held"  # sorts by its name
    assert filter_rows(v.pane(Pane.ROLES).rows, "quarantined") == [held]
    fields = {f.label: f.value for s in v.describe(held).sections for f in s.fields}
    assert fields["Quarantined"] == f"yes: {QUARANTINE_POLICY} denies everything"
    assert "Quarantined" not in {f.label for s in v.describe(app).sections for f in s.fields}


def test_review_of_a_user_lists_policies_keys_and_last_accessed() -> None:
    snap = demo_like()
    bob = snap.user("bob")
    assert bob is not None
    snap = snap.with_last_accessed(services(bob.arn, s3=1, ec2=None, iam=200))
    v = views_of(snap)
    review = v.review(bob)
    assert [(p.kind, p.name, p.via) for p in review.policies] == [
        ("managed", "AdministratorAccess", "group Admins")
    ]
    assert review.policy_rows[0].tones[1] == "bad"  # admin
    assert review.last_accessed is not None
    unused = {r.cells[1]: r.cells[4] for r in review.access_rows}
    assert unused == {"s3": "", "iam": "unused", "ec2": "unused"}
    assert [r.cells[2] for r in review.access_rows] == ["a day", "7 months", "never"]
    # the grant comes through group Admins: leaving the group is what runs
    assert "group.remove-user" in review.actions and "policy.detach" not in review.actions
    alice = snap.user("alice")
    assert alice is not None
    keys = v.review(alice)
    assert keys.keys_detailed and [r.cells[0] for r in keys.key_rows] == [
        "AKIAALICE1",
        "AKIAALICE2",
    ]


def test_review_of_a_role_has_trust_policy() -> None:
    snap = demo_like()
    vendor = snap.role("vendor")
    assert vendor is not None
    review = views_of(snap).review(vendor)
    assert review.trust == vendor.trust_policy
    assert review.trust_summary[0].label == "AWS"
    assert review.last_accessed is None and review.access_rows == ()


def test_review_shows_how_a_principal_can_become_administrator() -> None:
    power = role(
        "power",
        trust_policy=trust({"Service": "cloudformation.amazonaws.com"}),
        attached=[ADMIN_ARN],
    )
    grant = {
        "Statement": [
            {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": power.arn},
            {"Effect": "Allow", "Action": "cloudformation:CreateStack", "Resource": "*"},
        ]
    }
    dev = user("dev", inline={"release": grant})
    v = views_of(snapshot(users=[dev], roles=[power]))
    lines = [(f.label, f.value, f.tone) for f in v.review(dev).escalation]
    assert lines == [
        (
            "via",
            "iam:PassRole + cloudformation:CreateStack → the administrator role power "
            "(through cloudformation)",
            "bad",
        ),
        ("  1.", f"iam:PassRole on {power.arn} (inline release: Pass)", ""),
        (
            "  2.",
            "cloudformation:CreateStack on a resource it names (inline release: statement 2)",
            "",
        ),
    ]
    assert v.review(power).escalation == ()  # an administrator already


def test_header_says_how_old_the_data_is() -> None:
    snap = demo_like()
    info = header_info(snap, NOW, "embedded demo", read_only=True)
    assert info.account == "acme-prod (123456789012)"
    assert info.age == "credential report 3 hours old"
    assert info.read_only
    assert header_info(None, NOW, "x", False).account == "loading…"


def test_ago_texts() -> None:
    assert ago_text(None, NOW) == "never"
    assert ago_text(NOW + timedelta(minutes=5), NOW) == "just now"
    assert ago_text(NOW - timedelta(hours=3), NOW) == "3 hours ago"
    assert ago_text(NOW - timedelta(days=45), NOW) == "a month ago"


def test_ten_thousand_principals_build_and_filter() -> None:
    """Every pane builds at scale and filters by name and tag (speed: bench/tui.py prints it)."""
    users = [replace(user(f"user-{i:05d}"), tags=(Tag("Team", f"t{i % 7}"),)) for i in range(5000)]
    rows = [row(u, password=i % 2 == 0, key1=key(rotated=i % 900)) for i, u in enumerate(users)]
    roles = [role(f"role-{j:05d}", last_used=j % 400) for j in range(5000)]
    snap = snapshot(users=users, rows=rows, roles=roles, root=root_row())
    v = Views(snap, evaluate(snap, now=NOW), NOW).build_all()
    view = v.pane(Pane.USERS)
    assert len(view.rows) == 5000 and len(v.pane(Pane.ROLES).rows) == 5000
    assert len(arrange(view, view.rows, "user-0120")) == 10  # user-01200 .. user-01209
    assert len(arrange(view, view.rows, "t3")) == len([i for i in range(5000) if i % 7 == 3])


def test_every_pane_column_fills_its_cell_text_sort_and_tone_together() -> None:
    v = views_of(demo_like())
    for pane in TABLE_PANES:
        view = v.pane(pane)
        assert all(c.get is not None for c in view.columns), pane
        for r in view.rows:
            if r.span:
                continue
            assert len(r.cells) == len(r.sort) == len(r.tones) == len(view.columns), (pane, r.key)
    users = v.pane(Pane.USERS)
    first = users.rows[0]
    assert first.cells[0] == first.data.name  # type: ignore[attr-defined]
    assert first.sort[0] == first.data.name.lower()  # type: ignore[attr-defined]


def test_detail_fields_keep_the_views_line_breaks_and_escape_the_rest() -> None:
    """Before: a journal step's three lines showed as one with literal \\x0a between them."""
    from rich.console import Console
    from rich.style import Style

    from iamtui.core.views import Field
    from iamtui.ui.widgets.detail import fields_table

    step = Field("✓ 1", "Deactivate key\niam:UpdateAccessKey UserName=bob\x1b[31m\nresult ok", "")
    console = Console(width=120, record=True, color_system=None)
    console.print(fields_table([step], {"": Style(), "text": Style(), "label": Style()}))
    out = console.export_text()
    assert "\\x0a" not in out
    assert "Deactivate key" in out and "\n" in out.split("Deactivate key", 1)[1]
    assert "\\x1b" in out  # a hostile escape in a value is still shown, never run
