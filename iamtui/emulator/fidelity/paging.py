"""Paging like AWS: MaxItems (default 100), IsTruncated and an opaque Marker on every list."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
import xml.etree.ElementTree as ET
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from iamtui.emulator.fidelity.entities import boundary_holders
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import (
    Fragment,
    Response,
    element,
    fragment,
    parse_result,
    to_xml,
    validation_error,
)

# ---------------------------------------------------------------------------------------- paging

DEFAULT_MAX_ITEMS = 100
MAX_MAX_ITEMS = 1000
#: MaxItems sent to moto when fetching a whole list (moto pages some lists at 100 on its own).
UNPAGED = "1000000"


@dataclass
class Listing:
    """A whole List* answer: pageable members as one sequence over all sections, and the rest."""

    #: Result children in order: (tag, fixed XML) or (section name, None) for a pageable list.
    layout: list[tuple[str, Fragment | None]]
    #: (section name, ``<member>`` element) in answer order.
    items: list[tuple[str, Fragment]]

    @classmethod
    def from_result(cls, result: ET.Element, sections: Sequence[str]) -> Listing:
        """Split a parsed moto result."""
        layout: list[tuple[str, Fragment | None]] = []
        items: list[tuple[str, Fragment]] = []
        for child in result:
            if child.tag in ("IsTruncated", "Marker"):
                continue
            if child.tag in sections:
                layout.append((child.tag, None))
                items.extend((child.tag, fragment(member)) for member in child)
            else:
                layout.append((child.tag, fragment(child)))
        seen = {tag for tag, _ in layout}
        layout.extend((name, None) for name in sections if name not in seen)
        return cls(layout, items)

    @classmethod
    def from_data(cls, result: Mapping[str, object], sections: Sequence[str]) -> Listing:
        """Build from plain data, as rules that answer themselves produce it."""
        layout: list[tuple[str, Fragment | None]] = []
        items: list[tuple[str, Fragment]] = []
        for name, value in result.items():
            if name in sections:
                layout.append((name, None))
                assert isinstance(value, list)
                items.extend((name, Fragment(f"<member>{to_xml(item)}</member>")) for item in value)
            elif value is not None:
                layout.append((name, Fragment(element(name, value))))
        return cls(layout, items)

    def render(self, start: int, stop: int, marker: str | None) -> Fragment:
        """The result XML of one page."""
        by_section: dict[str, list[str]] = defaultdict(list)
        for section, member in self.items[start:stop]:
            by_section[section].append(member)
        parts: list[str] = []
        for name, fixed in self.layout:
            if fixed is not None:
                parts.append(fixed)
            else:
                members = "".join(by_section.get(name, ()))
                parts.append(f"<{name}>{members}</{name}>" if members else f"<{name}/>")
        parts.append(f"<IsTruncated>{'true' if marker else 'false'}</IsTruncated>")
        if marker:
            parts.append(f"<Marker>{escape(marker)}</Marker>")
        return Fragment("".join(parts))


class PageCache:
    """Whole listings behind truncated answers, so later pages do not make moto list again."""

    def __init__(self, size: int = 32, ttl: timedelta = timedelta(minutes=15)) -> None:
        self._size = size
        self._ttl = ttl
        self._entries: OrderedDict[str, tuple[datetime, Listing]] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, listing: Listing) -> str:
        """Keep a listing; returns its token."""
        token = uuid.uuid4().hex[:16]
        with self._lock:
            self._entries[token] = (datetime.now(UTC), listing)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return token

    def get(self, token: str) -> Listing | None:
        """A kept listing, or None once evicted or expired."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or datetime.now(UTC) - entry[0] > self._ttl:
                self._entries.pop(token, None)
                return None
            self._entries.move_to_end(token)
            return entry[1]

    def clear(self) -> None:
        """Forget everything (emulator reset)."""
        with self._lock:
            self._entries.clear()


PAGES = PageCache()


def max_items(call: Call) -> int:
    """MaxItems with AWS's bounds (1..1000, default 100)."""
    raw = call.get("MaxItems")
    if raw is None or raw == "":
        return DEFAULT_MAX_ITEMS
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(f"Invalid value for MaxItems: {raw}") from None
    if value < 1:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1"
        )
    if value > MAX_MAX_ITEMS:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_MAX_ITEMS}"
        )
    return value


def request_signature(call: Call) -> str:
    """Ties a marker to the listing it came from (same action, account and filters)."""
    relevant = sorted(
        (k, v) for k, v in call.params.items() if k not in ("Marker", "MaxItems", "Version")
    )
    digest = hashlib.sha256(repr((call.account_id, relevant)).encode()).hexdigest()
    return digest[:12]


def encode_marker(token: str, offset: int, signature: str) -> str:
    """An opaque marker, like AWS's."""
    raw = f"{token}.{offset}.{signature}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_marker(marker: str, signature: str) -> tuple[str, int]:
    """(token, offset) of a marker this listing issued; anything else is a ValidationError."""
    try:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)).decode()
        token, offset_text, marker_signature = raw.split(".")
        offset = int(offset_text)
    except (ValueError, UnicodeDecodeError):
        raise validation_error("Invalid Marker.") from None
    if marker_signature != signature or offset < 0:
        raise validation_error("Invalid Marker.")
    return token, offset


def serve_pages(call: Call, build: Callable[[], Listing], *, cache: bool = True) -> Response:
    """Answer one page of a listing; the first page builds it, later pages reuse the cache."""
    limit = max_items(call)
    signature = request_signature(call)
    marker = call.get("Marker")
    token: str | None = None
    offset = 0
    listing: Listing | None = None
    if marker:
        token, offset = decode_marker(marker, signature)
        listing = PAGES.get(token) if cache else None
    if listing is None:
        listing = build()
    if offset > len(listing.items):
        raise validation_error("Invalid Marker.")
    stop = offset + limit
    next_marker = None
    if stop < len(listing.items):
        if token is None or (cache and PAGES.get(token) is None):
            token = PAGES.put(listing) if cache else "-"
        next_marker = encode_marker(token, stop, signature)
    return call.respond(listing.render(offset, stop, next_marker))


class ForwardedError(Exception):
    """moto answered with an error: hand it to the client as is."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def forwarded_listing(
    call: Call, sections: Sequence[str], edit: Callable[[Call, ET.Element], None] | None = None
) -> Listing:
    """Ask moto for the whole list (no paging) and split it."""
    params = {k: v for k, v in call.params.items() if k not in ("Marker", "MaxItems")}
    params["MaxItems"] = UNPAGED
    response = call.forward(params)
    if not response.ok:
        raise ForwardedError(response)
    result = parse_result(response.body)
    if edit is not None:
        edit(call, result)
    return Listing.from_result(result, sections)


def drop_members_fields(*names: str) -> Callable[[Call, ET.Element], None]:
    """An edit removing fields that AWS leaves out of list answers."""

    def edit(call: Call, result: ET.Element) -> None:
        for member in list(result.iter("member")):
            for name in names:
                for node in member.findall(name):
                    member.remove(node)

    return edit


def add_root_virtual_mfa(call: Call, result: ET.Element) -> None:
    """Root's virtual MFA device, which moto cannot have, listed like AWS lists it."""
    root = call.extras.root
    if root.mfa_virtual_serial is None:
        return
    status = call.get("AssignmentStatus", "Any")
    if (status == "Assigned" and not root.mfa_enabled) or (
        status == "Unassigned" and root.mfa_enabled
    ):
        return
    device: dict[str, object] = {"SerialNumber": root.mfa_virtual_serial}
    if root.mfa_enabled:
        device["User"] = {
            "Path": "/",
            "UserId": call.account_id,
            "Arn": f"arn:aws:iam::{call.account_id}:root",
            "CreateDate": root.created,
            "PasswordLastUsed": root.password_last_used,
        }
        device["EnableDate"] = root.mfa_enable_date or root.created
    devices = result.find("VirtualMFADevices")
    if devices is None:
        devices = ET.SubElement(result, "VirtualMFADevices")
    devices.append(ET.fromstring(f"<member>{to_xml(device)}</member>"))


def boundary_entities(call: Call, result: ET.Element) -> None:
    """ListEntitiesForPolicy without PolicyUsageFilter lists the users and roles holding the
    policy as their permissions boundary too (PermissionsBoundary: only them); moto never does.

    AWS: "ListEntitiesForPolicy" (IAM API Reference, PolicyUsageFilter: "If it is not included,
    all policies are returned"),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListEntitiesForPolicy.html
    """
    usage = call.get("PolicyUsageFilter")
    entity = call.get("EntityFilter")
    if usage == "PermissionsPolicy":
        return
    sections: dict[str, ET.Element] = {}
    for name in ("PolicyGroups", "PolicyUsers", "PolicyRoles"):
        found = result.find(name)
        sections[name] = found if found is not None else ET.SubElement(result, name)
    if usage == "PermissionsBoundary":
        for section in sections.values():
            for member in list(section):
                section.remove(member)
    users, roles = boundary_holders(call.backend, call.require("PolicyArn"))
    prefix = call.get("PathPrefix") or "/"
    for kind, holders, section in (
        ("User", users, sections["PolicyUsers"]),
        ("Role", roles, sections["PolicyRoles"]),
    ):
        if entity not in (None, kind):
            continue
        listed = {node.text for node in section.iter(f"{kind}Name")}
        for holder in holders:
            if holder.name in listed or not holder.path.startswith(prefix):
                continue
            member = ET.SubElement(section, "member")
            ET.SubElement(member, f"{kind}Name").text = holder.name
            ET.SubElement(member, f"{kind}Id").text = holder.id


#: Paged List*/Get* actions moto answers in one piece: action -> (list sections, edit).
PAGED_LISTS: dict[str, tuple[tuple[str, ...], Callable[[Call, ET.Element], None] | None]] = {
    "ListUsers": (("Users",), drop_members_fields("PermissionsBoundary", "Tags")),
    "ListRoles": (("Roles",), None),
    "ListGroups": (("Groups",), None),
    "ListPolicies": (("Policies",), None),
    "ListAccessKeys": (("AccessKeyMetadata",), None),
    "ListGroupsForUser": (("Groups",), None),
    "ListAttachedUserPolicies": (("AttachedPolicies",), None),
    "ListAttachedRolePolicies": (("AttachedPolicies",), None),
    "ListAttachedGroupPolicies": (("AttachedPolicies",), None),
    "ListUserPolicies": (("PolicyNames",), None),
    "ListRolePolicies": (("PolicyNames",), None),
    "ListGroupPolicies": (("PolicyNames",), None),
    "ListEntitiesForPolicy": (("PolicyGroups", "PolicyUsers", "PolicyRoles"), boundary_entities),
    "ListInstanceProfilesForRole": (("InstanceProfiles",), None),
    "ListInstanceProfiles": (("InstanceProfiles",), None),
    "ListMFADevices": (("MFADevices",), None),
    "ListVirtualMFADevices": (("VirtualMFADevices",), add_root_virtual_mfa),
    "ListSSHPublicKeys": (("SSHPublicKeys",), None),
    "ListSigningCertificates": (("Certificates",), None),
    "GetGroup": (("Users",), None),
}


def paged_list_rule(call: Call) -> Response:
    """AWS pages every list at MaxItems (default 100) with IsTruncated and an opaque Marker.

    AWS: "ListUsers" (IAM API Reference: MaxItems, IsTruncated and Marker, as on every List* call),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListUsers.html
    """
    sections, edit = PAGED_LISTS[call.action]
    try:
        return serve_pages(call, lambda: forwarded_listing(call, sections, edit))
    except ForwardedError as error:
        return error.response


for _action in PAGED_LISTS:
    rule(_action)(paged_list_rule)
