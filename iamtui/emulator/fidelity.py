"""A WSGI layer in front of moto that makes its IAM endpoint answer like AWS where moto is lax.

moto lets users with keys be deleted, pages nothing, has no root user, no service last-accessed
data and rebuilds the credential report on every read. iamtui must be tested against AWS's
behaviour, so each difference is one small *rule* here: a handler registered for an IAM action
that may check preconditions, answer the call itself, or forward it to moto and fix the answer.
Actions without a rule go to moto unchanged; other services pass straight through.

Everything runs inside the emulator's server threads, so IAM calls are serialised by one lock
(moto's backend is not thread-safe either).
"""

from __future__ import annotations

import base64
import csv
import fnmatch
import hashlib
import io
import json
import os
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from moto import settings as moto_settings
from moto.backends import list_of_moto_modules
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import ServiceException
from moto.iam.access_control import IAMRequest, create_access_key
from moto.iam.models import (
    AccessKeyLastUsed,
    Group,
    IAMBackend,
    ManagedPolicy,
    Role,
    User,
    get_account_id_from,
    iam_backends,
    mark_account_as_visited,
)
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException

from iamtui.emulator.state import (
    DEFAULT_ACCOUNT_ID,
    AccessJob,
    AccountExtras,
    FrozenReport,
    RoleDeletion,
    RootState,
    ServiceCredential,
    extras,
)

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
SERVICE_LINKED_PATH = "/aws-service-role/"
#: Attribute set on moto ``User`` objects: when the console password was last set.
PASSWORD_CHANGED_ATTR = "password_last_changed"
#: Attribute set on moto ``User`` objects; moto's serializer emits it as PermissionsBoundary.
BOUNDARY_ATTR = "permissions_boundary"

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]


# --------------------------------------------------------------------------------------- errors

#: HTTP status of the IAM error codes this layer raises (from botocore's IAM service model).
ERROR_STATUS = {
    "AccessDenied": 403,
    "ConcurrentModification": 409,
    "DeleteConflict": 409,
    "EntityAlreadyExists": 409,
    "EntityTemporarilyUnmodifiable": 409,
    "InvalidClientTokenId": 403,
    "InvalidInput": 400,
    "LimitExceeded": 409,
    "MalformedPolicyDocument": 400,
    "NoSuchEntity": 404,
    "NotImplemented": 501,
    "NotSupportedService": 404,
    "PolicyNotAttachable": 400,
    "ReportExpired": 410,
    "ReportInProgress": 404,
    "ReportNotPresent": 410,
    "ServiceFailure": 500,
    "UnmodifiableEntity": 400,
    "ValidationError": 400,
}


class IamError(Exception):
    """An IAM error answer; raised by rules, rendered as AWS's XML error document."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status or ERROR_STATUS.get(code, 400)


def validation_error(message: str) -> IamError:
    """AWS's wording for a parameter that fails its constraints."""
    return IamError("ValidationError", message)


# ------------------------------------------------------------------------------------------ XML


class Fragment(str):
    """One or more complete, already-serialised XML elements, emitted verbatim."""

    __slots__ = ()


def iso(value: datetime) -> str:
    """IAM's XML timestamp; moto keeps naive datetimes that mean UTC."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_xml(value: object) -> str:
    """Serialise plain data the query-protocol way: dicts as elements, lists as ``<member>``."""
    if isinstance(value, Fragment):
        return value
    if isinstance(value, Mapping):
        return "".join(element(name, item) for name, item in value.items() if item is not None)
    if isinstance(value, list | tuple):
        return "".join(
            item if isinstance(item, Fragment) else f"<member>{to_xml(item)}</member>"
            for item in value
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return escape(str(value))


def element(name: str, value: object) -> str:
    """One named element (a Fragment stands for itself)."""
    if isinstance(value, Fragment):
        return value
    inner = to_xml(value)
    return f"<{name}>{inner}</{name}>" if inner else f"<{name}/>"


@dataclass(frozen=True, slots=True)
class Response:
    """A complete HTTP answer, from moto or from a rule."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """A 2xx answer: the forwarded call took effect."""
        return 200 <= self.status < 300


def xml_response(status: int, body: str, request_id: str) -> Response:
    """Wrap an XML document with the headers AWS sends."""
    data = body.encode()
    return Response(
        status,
        data,
        (
            ("Content-Type", "text/xml"),
            ("Content-Length", str(len(data))),
            ("x-amzn-RequestId", request_id),
        ),
    )


def result_document(action: str, result_xml: str | None, request_id: str) -> str:
    """The query-protocol envelope: ``<XResponse><XResult>...</XResult><ResponseMetadata>``."""
    result = f"<{action}Result>{result_xml}</{action}Result>" if result_xml is not None else ""
    return (
        f'<{action}Response xmlns="{IAM_NS}">{result}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def error_response(error: IamError, request_id: str) -> Response:
    """AWS's ``<ErrorResponse>`` with the code's HTTP status."""
    fault = "Sender" if error.status < 500 else "Receiver"
    body = (
        f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>{fault}</Type>'
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return xml_response(error.status, body, request_id)


def parse_result(body: bytes) -> ET.Element:
    """The ``<XResult>`` element of a moto answer, with namespaces stripped for easy editing."""
    root = ET.fromstring(body)
    for node in root.iter():
        node.tag = node.tag.rpartition("}")[2]
        node.tail = None
    for child in root:
        if child.tag.endswith("Result"):
            return child
    return ET.Element("Result")


def fragment(node: ET.Element) -> Fragment:
    """Serialise one parsed element back to XML text."""
    return Fragment(ET.tostring(node, encoding="unicode"))


# -------------------------------------------------------------------------------------- a call


def run_wsgi(app: WSGIApp, environ: WSGIEnviron) -> Response:
    """Call a WSGI app and collect its whole answer."""
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split()[0])
        captured["headers"] = tuple(headers)
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Response(captured["status"], b"".join(chunks), captured["headers"])


@dataclass
class Call:
    """One IAM request as the rules see it: parsed parameters plus a way to ask moto."""

    action: str
    params: dict[str, str]
    account_id: str
    environ: WSGIEnviron
    body: bytes
    app: WSGIApp
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    forwarded: bool = False

    @property
    def backend(self) -> IAMBackend:
        """moto's IAM state for the calling account."""
        return iam_backends[self.account_id]["aws"]

    @property
    def extras(self) -> AccountExtras:
        """iamtui's extra state for the calling account."""
        return extras(self.account_id)

    @property
    def now(self) -> datetime:
        """The account's clock (tests may freeze it)."""
        return self.extras.now()

    def get(self, name: str, default: str | None = None) -> str | None:
        """One request parameter."""
        return self.params.get(name, default)

    def require(self, name: str) -> str:
        """A required parameter; botocore checks this client-side, raw callers may not."""
        value = self.params.get(name)
        if not value:
            field_name = name[0].lower() + name[1:]
            raise validation_error(
                f"1 validation error detected: Value null at '{field_name}' failed to "
                "satisfy constraint: Member must not be null"
            )
        return value

    def members(self, name: str) -> list[str]:
        """A list parameter sent as ``Name.member.1``, ``Name.member.2``..."""
        prefix = f"{name}.member."
        numbered = [
            (int(k[len(prefix) :]), v) for k, v in self.params.items() if k.startswith(prefix)
        ]
        return [value for _, value in sorted(numbered)]

    def flag(self, name: str) -> bool:
        """A boolean parameter."""
        return (self.params.get(name) or "").lower() == "true"

    def forward(self, params: Mapping[str, str] | None = None) -> Response:
        """Ask moto: the original request, or the same call with other parameters."""
        self.forwarded = True
        environ = dict(self.environ)
        body = self.body if params is None else urlencode(dict(params)).encode()
        if params is not None and enforcement_active():
            resign(environ, body, self.account_id)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return run_wsgi(self.app, environ)

    def respond(self, result: object = None) -> Response:
        """Answer with a result: plain data (see :func:`to_xml`), XML text, or None for none."""
        result_xml = None if result is None else to_xml(result)
        return xml_response(
            200, result_document(self.action, result_xml, self.request_id), self.request_id
        )

    def rewrite(self, response: Response, edit: Callable[[ET.Element], None]) -> Response:
        """Re-emit a successful moto answer after editing its result element."""
        if not response.ok:
            return response
        result = parse_result(response.body)
        edit(result)
        return self.respond(Fragment("".join(fragment(child) for child in result)))


# ------------------------------------------------------------------------------------ registry

Handler = Callable[[Call], Response]
#: IAM action -> the rule that answers it; actions not listed go to moto unchanged.
RULES: dict[str, Handler] = {}


def rule(*actions: str) -> Callable[[Handler], Handler]:
    """Register a handler for IAM actions (one handler per action, composed explicitly)."""

    def register(handler: Handler) -> Handler:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"two fidelity rules for {action}")
            RULES[action] = handler
        return handler

    return register


#: Hooks run on every signed request, any service, before it is routed: one may point it at
#: another account (set ``HTTP_X_MOTO_ACCOUNT_ID``), refuse it (raise IamError) or answer it.
Route = Callable[[WSGIEnviron, str, str], Response | None]
ROUTES: list[Route] = []
#: Tests saying a rule-answered call is not subject to IAM policies (root: AWS applies none).
AUTHORIZE_EXEMPT: list[Callable[[Call], bool]] = []


# ------------------------------------------------------------------------------ moto helpers


def naive_utc(value: datetime) -> datetime:
    """Aware or naive (moto) datetimes, compared as aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def find_user(backend: IAMBackend, name: str | None) -> User | None:
    """A moto user by name."""
    return backend.users.get(name) if name else None


def find_role(backend: IAMBackend, name: str | None) -> Role | None:
    """A moto role by name (moto keys roles by id)."""
    return next((r for r in list(backend.roles.values()) if r.name == name), None)


def groups_by_user(backend: IAMBackend) -> dict[str, list[Group]]:
    """User name -> its groups, computed once (moto scans every group per user)."""
    found: dict[str, list[Group]] = defaultdict(list)
    for group in list(backend.groups.values()):
        for member in group.users:
            found[member.name].append(group)
    return found


def default_document(policy: ManagedPolicy) -> str:
    """The default version's JSON text of a managed policy."""
    for version in policy.versions:
        if version.is_default:
            return version.document
    return policy.versions[0].document if policy.versions else ""


def is_aws_managed(arn: str) -> bool:
    """AWS-managed policies live in the ``aws`` pseudo-account."""
    return arn.split(":")[4] == "aws"


def user_boundary(user: User) -> dict[str, str] | None:
    """A user's permissions boundary (moto has none; PutUserPermissionsBoundary sets it here)."""
    value = getattr(user, BOUNDARY_ATTR, None)
    return value if isinstance(value, dict) and value else None


def service_linked(role: Role) -> bool:
    """Roles owned by an AWS service."""
    return role.path.startswith(SERVICE_LINKED_PATH)


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
    "ListEntitiesForPolicy": (("PolicyGroups", "PolicyUsers", "PolicyRoles"), None),
    "ListInstanceProfilesForRole": (("InstanceProfiles",), None),
    "ListMFADevices": (("MFADevices",), None),
    "ListVirtualMFADevices": (("VirtualMFADevices",), add_root_virtual_mfa),
    "ListSSHPublicKeys": (("SSHPublicKeys",), None),
    "ListSigningCertificates": (("Certificates",), None),
    "GetGroup": (("Users",), None),
}


def paged_list_rule(call: Call) -> Response:
    """AWS pages every list at MaxItems (default 100) with IsTruncated and an opaque Marker."""
    sections, edit = PAGED_LISTS[call.action]
    try:
        return serve_pages(call, lambda: forwarded_listing(call, sections, edit))
    except ForwardedError as error:
        return error.response


for _action in PAGED_LISTS:
    rule(_action)(paged_list_rule)


# ------------------------------------------------------------------------------ deletion guards


def user_delete_conflict(call: Call, user: User) -> str | None:
    """What still hangs on a user, in the words AWS uses (None: it can be deleted)."""
    checks: list[tuple[bool, str]] = [
        (bool(user.password), "must delete login profile first."),
        (bool(user.access_keys), "must delete access keys first."),
        (bool(user.signing_certificates), "must delete signing certificates first."),
        (bool(user.ssh_public_keys), "must delete SSH public keys first."),
        (
            bool(call.extras.service_credentials.get(user.name)),
            "must delete service specific credentials first.",
        ),
        (bool(user.mfa_devices), "must delete MFA device first."),
        (bool(user.policies), "must delete policies first."),
        (bool(user.managed_policies), "must detach all policies first."),
        (
            any(user in group.users for group in list(call.backend.groups.values())),
            "must remove users from group first.",
        ),
    ]
    return next((f"Cannot delete entity, {text}" for blocked, text in checks if blocked), None)


@rule("DeleteUser")
def delete_user(call: Call) -> Response:
    """AWS refuses to delete a user that still has credentials, devices, policies or groups."""
    user = find_user(call.backend, call.require("UserName"))
    if user is not None and (conflict := user_delete_conflict(call, user)):
        raise IamError("DeleteConflict", conflict)
    return call.forward()


@rule("DeleteGroup")
def delete_group(call: Call) -> Response:
    """AWS refuses to delete a group that still has members or policies (moto just drops it)."""
    group = call.backend.groups.get(call.require("GroupName"))
    if group is not None:
        if group.users:
            raise IamError(
                "DeleteConflict", "Cannot delete entity, must remove users from group first."
            )
        if group.policies:
            raise IamError("DeleteConflict", "Cannot delete entity, must delete policies first.")
        if group.managed_policies:
            raise IamError(
                "DeleteConflict", "Cannot delete entity, must detach all policies first."
            )
    return call.forward()


@rule("DeletePolicy")
def delete_policy(call: Call) -> Response:
    """AWS refuses to delete an attached policy or one with non-default versions."""
    policy = call.backend.managed_policies.get(call.require("PolicyArn"))
    if policy is not None:
        if policy.attachment_count > 0:
            raise IamError("DeleteConflict", "Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise IamError(
                "DeleteConflict",
                "This policy has more than one version. Before you delete a policy, you must "
                "delete the policy's versions. The default version is deleted with the policy.",
            )
    return call.forward()


@rule("DeleteVirtualMFADevice")
def delete_virtual_mfa_device(call: Call) -> Response:
    """AWS requires deactivating an assigned virtual MFA device before deleting it."""
    device = call.backend.virtual_mfa_devices.get(call.require("SerialNumber"))
    if device is not None and device.user is not None:
        raise IamError("DeleteConflict", "Cannot delete entity, must deactivate MFA device first.")
    return call.forward()


@rule("UpdateUser")
def update_user(call: Call) -> Response:
    """A renamed user keeps its service-specific credentials (they are held by user name)."""
    response = call.forward()
    old, new = call.require("UserName"), call.get("NewUserName")
    if response.ok and new and new != old:
        with call.extras.lock:
            held = call.extras.service_credentials.pop(old, [])
            for credential in held:
                credential.user_name = new
            if held:
                call.extras.service_credentials[new] = held
    return response


@rule("DeleteAccessKey")
def delete_access_key(call: Call) -> Response:
    """Remember deleted key ids: AWS rejects requests signed with them afterwards."""
    response = call.forward()
    if response.ok:
        with call.extras.lock:
            call.extras.deleted_access_keys.add(call.require("AccessKeyId"))
    return response


# ------------------------------------------------------------------------ service-linked roles

SERVICE_LINKED_GUARDED = (
    "DeleteRole",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "UpdateAssumeRolePolicy",
    "PutRolePermissionsBoundary",
    "DeleteRolePermissionsBoundary",
    "UpdateRole",
    "UpdateRoleDescription",
    "TagRole",
)


@rule(*SERVICE_LINKED_GUARDED)
def protect_service_linked_role(call: Call) -> Response:
    """Only the owning AWS service may change or delete a service-linked role."""
    role = find_role(call.backend, call.require("RoleName"))
    if role is not None and service_linked(role):
        raise IamError(
            "UnmodifiableEntity",
            f"Cannot perform the operation on the protected role '{role.name}' - "
            "this role is only modifiable by AWS",
        )
    return call.forward()


def remove_role(backend: IAMBackend, role: Role) -> None:
    """Delete a role with everything attached, as the owning service does for its linked role."""
    for policy in list(role.managed_policies.values()):
        policy.detach_from(role)
    role.policies.clear()
    for profile in list(backend.instance_profiles.values()):
        profile.roles = [r for r in profile.roles if r is not role]
    backend.roles.pop(role.id, None)


@rule("DeleteServiceLinkedRole")
def delete_service_linked_role(call: Call) -> Response:
    """AWS deletes a linked role with its policies, or fails the task while resources use it."""
    name = call.require("RoleName")
    role = find_role(call.backend, name)
    if role is None:
        raise IamError("NoSuchEntity", f"The role with name {name} cannot be found.")
    if not service_linked(role):
        raise IamError("InvalidInput", f"Role {name} is not a service-linked role.")
    service = role.path.strip("/").split("/")[-1]
    task_id = f"task/aws-service-role/{service}/{name}/{uuid.uuid4()}"
    blocking = call.extras.service_linked_roles_in_use.get(name, [])
    if not blocking:
        remove_role(call.backend, role)
    status = "FAILED" if blocking else "SUCCEEDED"
    with call.extras.lock:
        call.extras.role_deletions[task_id] = RoleDeletion(task_id, name, status, list(blocking))
    return call.respond({"DeletionTaskId": task_id})


@rule("GetServiceLinkedRoleDeletionStatus")
def get_service_linked_role_deletion_status(call: Call) -> Response:
    """The outcome of one deletion task; FAILED lists the resources still using the role."""
    task_id = call.require("DeletionTaskId")
    task = call.extras.role_deletions.get(task_id)
    if task is None:
        raise IamError("NoSuchEntity", f"Deletion task {task_id} does not exist.")
    result: dict[str, object] = {"Status": task.status}
    if task.status == "FAILED":
        result["Reason"] = {
            "Reason": f"The service-linked role {task.role_name} is in use.",
            "RoleUsageList": [{"Region": "us-east-1", "Resources": task.blocking_resources}],
        }
    return call.respond(result)


# ------------------------------------------------------------------------------ status values


@rule(
    "UpdateAccessKey",
    "UpdateSigningCertificate",
    "UpdateSSHPublicKey",
)
def validate_status(call: Call) -> Response:
    """AWS accepts only Active or Inactive here; moto stores any string."""
    check_status(call.require("Status"))
    return call.forward()


def check_status(status: str) -> None:
    """Reject a credential status other than Active/Inactive like AWS does."""
    if status not in ("Active", "Inactive"):
        raise validation_error(
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy "
            "constraint: Member must satisfy enum value set: [Active, Inactive]"
        )


# -------------------------------------------------------------------------------- login profile


@rule("UpdateLoginProfile", "DeleteLoginProfile")
def track_password_changes(call: Call) -> Response:
    """Record when a password was set: the credential report's password_last_changed."""
    response = call.forward()
    user = find_user(call.backend, call.get("UserName"))
    if response.ok and user is not None:
        if call.action == "DeleteLoginProfile":
            setattr(user, PASSWORD_CHANGED_ATTR, None)
        elif call.action == "CreateLoginProfile" or call.get("Password"):
            setattr(user, PASSWORD_CHANGED_ATTR, call.now)
    return response


@rule("CreateLoginProfile")
def create_login_profile(call: Call) -> Response:
    """AWS keeps CreateLoginProfile's PasswordResetRequired (moto drops it and answers false)."""
    response = track_password_changes(call)
    user = find_user(call.backend, call.get("UserName"))
    if not response.ok or user is None:
        return response
    required = call.flag("PasswordResetRequired")
    user.password_reset_required = required

    def edit(result: ET.Element) -> None:
        for node in result.iter("PasswordResetRequired"):
            node.text = "true" if required else "false"

    return call.rewrite(response, edit)


# ---------------------------------------------------------------------------- credential report

#: Written out here on purpose, not imported from iamtui.core: the emulator stands in for AWS,
#: so sharing the product's column list would hide a product mistake instead of catching it.
REPORT_COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)
NA = "N/A"


def report_date(value: datetime | None, missing: str = NA) -> str:
    """The credential report's date format (``+00:00``, not ``Z``)."""
    if value is None:
        return missing
    return naive_utc(value).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def flag(value: bool) -> str:
    """The report's booleans."""
    return "true" if value else "false"


#: One key slot: active, last rotated, last used, region, service.
KeySlot = tuple[bool, datetime, datetime | None, str | None, str | None]


def key_columns(slots: Sequence[KeySlot]) -> list[str]:
    """Columns for key 1 and key 2, oldest key first, ``N/A`` for an empty slot."""
    columns: list[str] = []
    for index in range(2):
        if index < len(slots):
            active, rotated, used, region, service = slots[index]
            columns += [
                flag(active),
                report_date(rotated),
                report_date(used),
                region if used and region else NA,
                service if used and service else NA,
            ]
        else:
            columns += ["false", NA, NA, NA, NA]
    return columns


def root_row(account_id: str, root: RootState) -> list[str]:
    """The ``<root_account>`` line, from the root state moto does not have."""
    slots = sorted(
        (
            (k.active, k.last_rotated, k.last_used, k.last_used_region, k.last_used_service)
            for k in root.keys
        ),
        key=lambda slot: naive_utc(slot[1]),
    )
    return [
        "<root_account>",
        f"arn:aws:iam::{account_id}:root",
        report_date(root.created),
        "not_supported",
        report_date(root.password_last_used, "no_information"),
        "not_supported",
        "not_supported",
        flag(root.mfa_enabled),
        *key_columns(slots),
        "false",
        NA,
        "false",
        NA,
    ]


def user_row(user: User, max_password_age: int | None) -> list[str]:
    """One IAM user's line, from moto's objects."""
    slots: list[KeySlot] = []
    for key in sorted(user.access_keys, key=lambda k: naive_utc(k.create_date)):
        used: datetime | None = None
        region = service = None
        if isinstance(key.last_used, AccessKeyLastUsed):
            used, region, service = (
                key.last_used.timestamp,
                key.last_used.region,
                key.last_used.service,
            )
        elif isinstance(key.last_used, datetime):
            used = key.last_used
        slots.append((key.status == "Active", key.create_date, used, region, service))
    has_password = bool(user.password)
    changed: datetime | None = None
    next_rotation: datetime | None = None
    if has_password:
        changed = getattr(user, PASSWORD_CHANGED_ATTR, None) or user.create_date
        if max_password_age:
            next_rotation = naive_utc(changed) + timedelta(days=max_password_age)
    password_used = NA
    if has_password:
        password_used = report_date(user.password_last_used, "no_information")
    certs = sorted(user.signing_certificates.values(), key=lambda c: naive_utc(c.upload_date))
    cert_columns: list[str] = []
    for index in range(2):
        if index < len(certs):
            cert_columns += [
                flag(certs[index].status == "Active"),
                report_date(certs[index].upload_date),
            ]
        else:
            cert_columns += ["false", NA]
    return [
        user.name,
        user.arn,
        report_date(user.create_date),
        flag(has_password),
        password_used,
        report_date(changed),
        report_date(next_rotation),
        flag(bool(user.mfa_devices)),
        *key_columns(slots),
        *cert_columns,
    ]


def build_report(call: Call) -> str:
    """The CSV as AWS writes it: header, root, then every IAM user."""
    policy = call.backend.account_password_policy
    max_age = policy.max_password_age if policy is not None and policy.max_password_age else None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerow(root_row(call.account_id, call.extras.root))
    for user in list(call.backend.users.values()):
        writer.writerow(user_row(user, max_age))
    return out.getvalue().rstrip("\n")


def report_expired(account: AccountExtras, report: FrozenReport) -> bool:
    """A report is served for ``report_ttl`` after generation (AWS: 4 hours)."""
    return account.now() - report.generated_at > account.report_ttl


@rule("GenerateCredentialReport")
def generate_credential_report(call: Call) -> Response:
    """STARTED, INPROGRESS for a few polls, then COMPLETE; a fresh report is reused for the TTL."""
    account = call.extras
    with account.lock:
        if account.report_pending_polls is None:
            if account.report is not None and not report_expired(account, account.report):
                return call.respond({"State": "COMPLETE"})
            if account.report_generation_polls > 0:
                account.report_pending_polls = account.report_generation_polls - 1
                return call.respond(
                    {
                        "State": "STARTED",
                        "Description": "No report exists. Starting a new report generation task",
                    }
                )
        elif account.report_pending_polls > 0:
            account.report_pending_polls -= 1
            return call.respond({"State": "INPROGRESS"})
        account.report_pending_polls = None
        account.report = FrozenReport(build_report(call), account.now())
        return call.respond({"State": "COMPLETE"})


@rule("GetCredentialReport")
def get_credential_report(call: Call) -> Response:
    """The frozen report: users deleted since still appear, GeneratedTime says how old it is."""
    account = call.extras
    with account.lock:
        report = account.report
        if account.report_pending_polls is not None:
            raise IamError(
                "ReportInProgress",
                "Report generation is in progress. Wait for the task to complete.",
            )
        if report is None:
            raise IamError(
                "ReportNotPresent",
                "Credential report not present. Call GenerateCredentialReport first.",
            )
        if report_expired(account, report):
            raise IamError(
                "ReportExpired",
                "The credential report has expired. Call GenerateCredentialReport for a new one.",
            )
        content = base64.b64encode(report.content.encode()).decode()
        return call.respond(
            {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": report.generated_at}
        )


# ------------------------------------------------------------------------------------ root user


@rule("GetAccountSummary")
def get_account_summary(call: Call) -> Response:
    """Root MFA and root keys show in the summary, as only this call (and the report) tell."""
    root = call.extras.root
    overrides = {
        "AccountMFAEnabled": int(root.mfa_enabled),
        "AccountAccessKeysPresent": int(bool(root.keys)),
    }
    extra_devices = int(root.mfa_virtual_serial is not None)
    extra_in_use = int(root.mfa_enabled)

    def edit(result: ET.Element) -> None:
        for entry in result.iter("entry"):
            key, value = entry.find("key"), entry.find("value")
            if key is None or value is None or value.text is None:
                continue
            if key.text in overrides:
                value.text = str(overrides[key.text or ""])
            elif key.text == "MFADevices":
                value.text = str(int(value.text) + extra_devices)
            elif key.text == "MFADevicesInUse":
                value.text = str(int(value.text) + extra_in_use)

    return call.rewrite(call.forward(), edit)


# -------------------------------------------------------------------------- last-accessed data

#: Service namespace -> the name IAM's last-accessed data shows.
SERVICE_NAMES = {
    "access-analyzer": "IAM Access Analyzer",
    "acm": "AWS Certificate Manager",
    "apigateway": "Amazon API Gateway",
    "athena": "Amazon Athena",
    "autoscaling": "Amazon EC2 Auto Scaling",
    "aws-portal": "AWS Billing Console",
    "backup": "AWS Backup",
    "bedrock": "Amazon Bedrock",
    "billing": "AWS Billing",
    "ce": "AWS Cost Explorer Service",
    "cloudformation": "AWS CloudFormation",
    "cloudfront": "Amazon CloudFront",
    "cloudtrail": "AWS CloudTrail",
    "cloudwatch": "Amazon CloudWatch",
    "codebuild": "AWS CodeBuild",
    "codecommit": "AWS CodeCommit",
    "codepipeline": "AWS CodePipeline",
    "cognito-idp": "Amazon Cognito User Pools",
    "config": "AWS Config",
    "dynamodb": "Amazon DynamoDB",
    "ec2": "Amazon EC2",
    "ecr": "Amazon Elastic Container Registry",
    "ecs": "Amazon Elastic Container Service",
    "eks": "Amazon Elastic Kubernetes Service",
    "elasticache": "Amazon ElastiCache",
    "elasticfilesystem": "Amazon Elastic File System",
    "elasticloadbalancing": "Elastic Load Balancing",
    "es": "Amazon OpenSearch Service",
    "events": "Amazon EventBridge",
    "firehose": "Amazon Kinesis Firehose",
    "glue": "AWS Glue",
    "guardduty": "Amazon GuardDuty",
    "iam": "AWS Identity and Access Management",
    "kinesis": "Amazon Kinesis",
    "kms": "AWS Key Management Service",
    "lambda": "AWS Lambda",
    "logs": "Amazon CloudWatch Logs",
    "organizations": "AWS Organizations",
    "rds": "Amazon RDS",
    "redshift": "Amazon Redshift",
    "route53": "Amazon Route 53",
    "s3": "Amazon S3",
    "sagemaker": "Amazon SageMaker",
    "secretsmanager": "AWS Secrets Manager",
    "securityhub": "AWS Security Hub",
    "ses": "Amazon SES",
    "sns": "Amazon SNS",
    "sqs": "Amazon SQS",
    "ssm": "AWS Systems Manager",
    "sso": "AWS IAM Identity Center",
    "states": "AWS Step Functions",
    "sts": "AWS Security Token Service",
    "support": "AWS Support",
}
#: Services with action-level last-accessed data.
TRACKED_ACTION_SERVICES = frozenset({"s3", "ec2", "iam", "lambda"})
GRANULARITIES = ("SERVICE_LEVEL", "ACTION_LEVEL")


def service_name(namespace: str) -> str:
    """The display name of a service namespace (the namespace itself when not in the table)."""
    return SERVICE_NAMES.get(namespace) or namespace


def as_list(value: object) -> list[Any]:
    """Policy grammar allows one item or a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def namespaces_matching(action: str) -> set[str]:
    """The services an Action pattern (``*``, ``s3:*``, ``s3:Get*``) reaches."""
    if action == "*":
        return set(SERVICE_NAMES)
    prefix, colon, _ = action.partition(":")
    if not colon:
        return set()
    prefix = prefix.lower()
    if any(ch in prefix for ch in "*?"):
        return {ns for ns in SERVICE_NAMES if fnmatch.fnmatchcase(ns, prefix)}
    return {prefix}


def namespaces_fully_excluded(action: str) -> set[str]:
    """The services a NotAction pattern removes entirely (``*``, ``iam:*``)."""
    if action == "*":
        return set(SERVICE_NAMES)
    prefix, _, rest = action.partition(":")
    return namespaces_matching(f"{prefix}:x") if rest == "*" else set()


def allowed_namespaces(documents: Iterable[str]) -> set[str]:
    """Every service some Allow statement of these policy documents grants."""
    found: set[str] = set()
    for text in documents:
        try:
            document = json.loads(text)
        except (TypeError, ValueError):
            continue
        if not isinstance(document, dict):
            continue
        for statement in as_list(document.get("Statement")):
            if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                continue
            if "Action" in statement:
                for action in as_list(statement["Action"]):
                    found |= namespaces_matching(str(action))
            elif "NotAction" in statement:
                excluded: set[str] = set()
                for action in as_list(statement["NotAction"]):
                    excluded |= namespaces_fully_excluded(str(action))
                found |= set(SERVICE_NAMES) - excluded
    return found


def policy_documents(backend: IAMBackend, arn: str) -> list[str] | None:
    """The documents that grant a principal (or policy) its permissions; None if unknown."""
    policy = backend.managed_policies.get(arn)
    if policy is not None:
        return [default_document(policy)]
    for user in list(backend.users.values()):
        if user.arn == arn:
            documents = [*user.policies.values()]
            documents += [default_document(p) for p in user.managed_policies.values()]
            for group in groups_by_user(backend).get(user.name, []):
                documents += group.policies.values()
                documents += [default_document(p) for p in group.managed_policies.values()]
            return documents
    principals: list[Role | Group] = [*backend.roles.values(), *backend.groups.values()]
    for principal in principals:
        if principal.arn == arn:
            return [
                *principal.policies.values(),
                *(default_document(p) for p in principal.managed_policies.values()),
            ]
    return None


def last_accessed_entries(call: Call, job: AccessJob) -> list[dict[str, Any]]:
    """ServicesLastAccessed: every granted service, with last use where there was one."""
    documents = policy_documents(call.backend, job.arn) or []
    usage = call.extras.usage.get(job.arn, {})
    namespaces = allowed_namespaces(documents) | set(usage)
    entries: list[dict[str, Any]] = []
    for namespace in sorted(namespaces, key=lambda ns: service_name(ns).lower()):
        entry: dict[str, Any] = {
            "ServiceName": service_name(namespace),
            "ServiceNamespace": namespace,
        }
        used = usage.get(namespace)
        if used is None:
            entry["TotalAuthenticatedEntities"] = 0
        else:
            entity = used.entity or job.arn
            entry |= {
                "LastAuthenticated": used.when,
                "LastAuthenticatedEntity": entity,
                "LastAuthenticatedRegion": used.region,
                "TotalAuthenticatedEntities": 1,
            }
            if (
                job.granularity == "ACTION_LEVEL"
                and namespace in TRACKED_ACTION_SERVICES
                and used.actions
            ):
                entry["TrackedActionsLastAccessed"] = [
                    {
                        "ActionName": action.action,
                        "LastAccessedEntity": entity,
                        "LastAccessedTime": action.when,
                        "LastAccessedRegion": action.region,
                    }
                    for action in used.actions
                ]
        entries.append(entry)
    return entries


@rule("GenerateServiceLastAccessedDetails")
def generate_service_last_accessed_details(call: Call) -> Response:
    """Start a last-accessed job for a user, role, group or policy; AWS answers with a JobId."""
    arn = call.require("Arn")
    granularity = call.get("Granularity") or "SERVICE_LEVEL"
    if granularity not in GRANULARITIES:
        raise validation_error(
            f"1 validation error detected: Value '{granularity}' at 'granularity' failed to "
            "satisfy constraint: Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"
        )
    if policy_documents(call.backend, arn) is None:
        raise IamError("NoSuchEntity", f"The entity with ARN {arn} does not exist.")
    account = call.extras
    job = AccessJob(str(uuid.uuid4()), arn, granularity, account.now(), account.last_accessed_polls)
    with account.lock:
        account.access_jobs[job.job_id] = job
    return call.respond({"JobId": job.job_id})


@rule("GetServiceLastAccessedDetails")
def get_service_last_accessed_details(call: Call) -> Response:
    """IN_PROGRESS for the first poll(s), then the COMPLETED report, paged like AWS."""
    job_id = call.require("JobId")
    account = call.extras
    with account.lock:
        job = account.access_jobs.get(job_id)
        if job is None:
            raise IamError("NoSuchEntity", f"The job with ID {job_id} does not exist.")
        if job.completed is None and job.polls_left > 0:
            job.polls_left -= 1
            return call.respond(
                {
                    "JobStatus": "IN_PROGRESS",
                    "JobType": job.granularity,
                    "JobCreationDate": job.created,
                    "ServicesLastAccessed": [],
                    "IsTruncated": False,
                }
            )
        if job.completed is None:
            job.services = last_accessed_entries(call, job)
            job.completed = account.now()
    head = {
        "JobStatus": "COMPLETED",
        "JobType": job.granularity,
        "JobCreationDate": job.created,
        "ServicesLastAccessed": job.services,
        "JobCompletionDate": job.completed,
    }
    return serve_pages(
        call, lambda: Listing.from_data(head, ("ServicesLastAccessed",)), cache=False
    )


# ------------------------------------------------------------------ user permissions boundary


@rule("PutUserPermissionsBoundary")
def put_user_permissions_boundary(call: Call) -> Response:
    """moto lacks it: store the boundary on moto's user, whose serializer then shows it."""
    user = call.backend.get_user(call.require("UserName"))
    arn = call.require("PermissionsBoundary")
    if not call.backend.policy_arn_regex.match(arn):
        raise IamError("InvalidInput", f"ARN {arn} is not valid.")
    if arn not in call.backend.managed_policies:
        raise IamError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
    setattr(
        user,
        BOUNDARY_ATTR,
        {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn},
    )
    return call.respond()


@rule("DeleteUserPermissionsBoundary")
def delete_user_permissions_boundary(call: Call) -> Response:
    """moto lacks it: clear the boundary stored by PutUserPermissionsBoundary."""
    user = call.backend.get_user(call.require("UserName"))
    setattr(user, BOUNDARY_ATTR, None)
    return call.respond()


# ------------------------------------------------------------- service-specific credentials

SPECIFIC_CREDENTIAL_SERVICES = frozenset(
    {"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}
)


def caller_user_name(call: Call) -> str | None:
    """The IAM user that signed the call, when it is one (calls without UserName act on it)."""
    key_id = access_key_id(call.environ)
    user = call.backend.get_user_from_access_key_id(key_id) if key_id else None
    return user.name if user is not None else None


def credential_metadata(credential: ServiceCredential) -> dict[str, object]:
    """ServiceSpecificCredentialMetadata."""
    return {
        "UserName": credential.user_name,
        "Status": credential.status,
        "ServiceUserName": credential.service_user_name,
        "CreateDate": credential.created,
        "ServiceSpecificCredentialId": credential.credential_id,
        "ServiceName": credential.service_name,
    }


def find_credential(call: Call) -> tuple[list[ServiceCredential], ServiceCredential]:
    """The credential a call names, with the list holding it."""
    name = call.get("UserName") or caller_user_name(call)
    credential_id = call.require("ServiceSpecificCredentialId")
    if name is not None:
        call.backend.get_user(name)
    held = call.extras.service_credentials.get(name or "", [])
    for credential in held:
        if credential.credential_id == credential_id:
            return held, credential
    raise IamError(
        "NoSuchEntity",
        f"No such credential {credential_id} exists for user {name}.",
    )


@rule("CreateServiceSpecificCredential")
def create_service_specific_credential(call: Call) -> Response:
    """moto lacks service-specific credentials; keep them per user in the account extras."""
    user = call.backend.get_user(call.require("UserName"))
    service = call.require("ServiceName")
    if service not in SPECIFIC_CREDENTIAL_SERVICES:
        raise IamError("NotSupportedService", f"Service {service} is not supported.")
    account = call.extras
    with account.lock:
        held = account.service_credentials.setdefault(user.name, [])
        if sum(c.service_name == service for c in held) >= 2:
            raise IamError(
                "LimitExceeded",
                "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2",
            )
        credential = ServiceCredential(
            credential_id="ACCA" + uuid.uuid4().hex[:17].upper(),
            user_name=user.name,
            service_name=service,
            service_user_name=f"{user.name}-at-{call.account_id}",
            created=account.now(),
        )
        held.append(credential)
    result = credential_metadata(credential) | {"ServicePassword": uuid.uuid4().hex}
    return call.respond({"ServiceSpecificCredential": result})


@rule("ListServiceSpecificCredentials")
def list_service_specific_credentials(call: Call) -> Response:
    """A user's (or, with AllUsers, everyone's) service-specific credentials, no secrets."""
    account = call.extras
    if call.flag("AllUsers"):
        held = [c for creds in account.service_credentials.values() for c in creds]
    else:
        name = call.get("UserName") or caller_user_name(call)
        if name is not None:
            call.backend.get_user(name)
        held = list(account.service_credentials.get(name or "", []))
    service = call.get("ServiceName")
    rows = [credential_metadata(c) for c in held if service is None or c.service_name == service]
    return serve_pages(
        call,
        lambda: Listing.from_data(
            {"ServiceSpecificCredentials": rows}, ("ServiceSpecificCredentials",)
        ),
        cache=False,
    )


@rule("UpdateServiceSpecificCredential")
def update_service_specific_credential(call: Call) -> Response:
    """Activate or deactivate a service-specific credential."""
    status = call.require("Status")
    check_status(status)
    _, credential = find_credential(call)
    credential.status = status
    return call.respond()


@rule("DeleteServiceSpecificCredential")
def delete_service_specific_credential(call: Call) -> Response:
    """Delete a service-specific credential (a precondition of DeleteUser)."""
    held, credential = find_credential(call)
    with call.extras.lock:
        held.remove(credential)
    return call.respond()


# ------------------------------------------------------------------- authorization details

ENTITY_TYPES = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
DETAIL_SECTIONS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def attached(policies: Mapping[str, ManagedPolicy]) -> list[dict[str, str]]:
    """AttachedManagedPolicies."""
    return [{"PolicyName": p.name, "PolicyArn": p.arn} for p in policies.values()]


def inline(policies: Mapping[str, str]) -> list[dict[str, str]]:
    """Inline policy lists: documents are URL-encoded in authorization details."""
    return [{"PolicyName": name, "PolicyDocument": quote(doc)} for name, doc in policies.items()]


def role_summary(role: Role) -> dict[str, object]:
    """A role as nested in an instance profile."""
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": quote(role.assume_role_policy_document or ""),
    }


def user_detail(backend: IAMBackend, user: User, groups: Sequence[Group]) -> dict[str, object]:
    """UserDetail."""
    tags = backend.tagger.list_tags_for_resource(user.arn)["Tags"]
    return {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.create_date,
        "UserPolicyList": inline(user.policies),
        "GroupList": [g.name for g in groups],
        "AttachedManagedPolicies": attached(user.managed_policies),
        "PermissionsBoundary": user_boundary(user),
        "Tags": tags or None,
    }


def group_detail(group: Group) -> dict[str, object]:
    """GroupDetail."""
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": group.arn,
        "CreateDate": group.create_date,
        "GroupPolicyList": inline(group.policies),
        "AttachedManagedPolicies": attached(group.managed_policies),
    }


def role_detail(role: Role, profiles: Sequence[Any]) -> dict[str, object]:
    """RoleDetail, with its instance profiles and last use."""
    return {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": quote(role.assume_role_policy_document or ""),
        "InstanceProfileList": [
            {
                "Path": profile.path,
                "InstanceProfileName": profile.name,
                "InstanceProfileId": profile.id,
                "Arn": profile.arn,
                "CreateDate": profile.create_date,
                "Roles": [role_summary(r) for r in profile.roles],
            }
            for profile in profiles
        ],
        "RolePolicyList": inline(role.policies),
        "AttachedManagedPolicies": attached(role.managed_policies),
        "PermissionsBoundary": role.permissions_boundary,
        "Tags": list(role.tags) or None,
        "RoleLastUsed": {"LastUsedDate": role.last_used, "Region": role.last_used_region},
    }


def policy_detail(policy: ManagedPolicy, boundary_uses: int) -> dict[str, object]:
    """ManagedPolicyDetail, with every version's document (URL-encoded)."""
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": policy.attachment_count,
        "PermissionsBoundaryUsageCount": boundary_uses,
        "IsAttachable": True,
        "Description": policy.description or None,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
        "PolicyVersionList": [
            {
                "Document": quote(version.document),
                "VersionId": version.version_id,
                "IsDefaultVersion": version.is_default,
                "CreateDate": version.create_date,
            }
            for version in policy.versions
        ],
    }


def authorization_details(backend: IAMBackend, wanted: set[str]) -> Listing:
    """All four lists as one pageable sequence, built from moto's objects in one pass."""
    items: list[tuple[str, Fragment]] = []

    def add(section: str, data: Mapping[str, object]) -> None:
        items.append((section, Fragment(f"<member>{to_xml(data)}</member>")))

    users = list(backend.users.values())
    roles = list(backend.roles.values())
    if "User" in wanted:
        memberships = groups_by_user(backend)
        for user in users:
            add("UserDetailList", user_detail(backend, user, memberships.get(user.name, [])))
    if "Group" in wanted:
        for group in list(backend.groups.values()):
            add("GroupDetailList", group_detail(group))
    if "Role" in wanted:
        profiles_by_role: dict[str, list[Any]] = defaultdict(list)
        for profile in list(backend.instance_profiles.values()):
            for member in profile.roles:
                profiles_by_role[member.id].append(profile)
        for role in roles:
            add("RoleDetailList", role_detail(role, profiles_by_role.get(role.id, [])))
    boundary_uses: dict[str, int] = defaultdict(int)
    for user in users:
        if boundary := user_boundary(user):
            boundary_uses[boundary["PermissionsBoundaryArn"]] += 1
    for role in roles:
        if role.permissions_boundary_arn:
            boundary_uses[role.permissions_boundary_arn] += 1
    for policy in list(backend.managed_policies.values()):
        aws_managed = is_aws_managed(policy.arn)
        kind = "AWSManagedPolicy" if aws_managed else "LocalManagedPolicy"
        in_use = policy.attachment_count > 0 or boundary_uses.get(policy.arn, 0) > 0
        if kind in wanted and (in_use or not aws_managed):
            add("Policies", policy_detail(policy, boundary_uses.get(policy.arn, 0)))
    return Listing([(name, None) for name in DETAIL_SECTIONS], items)


@rule("GetAccountAuthorizationDetails")
def get_account_authorization_details(call: Call) -> Response:
    """Paged like AWS, URL-encoded documents, policy names, user boundaries; AWS-managed
    policies only when in use."""
    wanted = set(call.members("Filter")) or set(ENTITY_TYPES)
    if unknown := wanted - set(ENTITY_TYPES):
        raise validation_error(
            f"1 validation error detected: Value '{sorted(unknown)}' at 'filter' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{', '.join(ENTITY_TYPES)}]"
        )
    return serve_pages(call, lambda: authorization_details(call.backend, wanted))


# ------------------------------------------------------------------------- request handling


def enforcement_active() -> bool:
    """Whether moto checks signatures and IAM policies (``POST /moto-api/reset-auth``)."""
    return bool(
        ActionAuthenticatorMixin.request_count >= moto_settings.INITIAL_NO_AUTH_ACTION_COUNT
    )


AUTH_SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")


def credential_scope(environ: WSGIEnviron) -> tuple[str, str, str] | None:
    """(access key id, region, service) from a SigV4 Authorization header."""
    match = AUTH_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2), match.group(3)) if match else None


def access_key_id(environ: WSGIEnviron) -> str | None:
    """The access key that signed the request."""
    scope = credential_scope(environ)
    return scope[0] if scope else None


def resign(environ: WSGIEnviron, body: bytes, account_id: str) -> None:
    """Sign a rewritten request again with the caller's key, so moto's signature check passes."""
    scope = credential_scope(environ)
    if scope is None:
        return
    key_id, region, service = scope
    key = create_access_key(
        account_id=account_id,
        partition="aws",
        access_key_id=key_id,
        headers=dict(EnvironHeaders(environ)),
    )
    host = environ.get("HTTP_HOST", "localhost")
    request = AWSRequest(
        method=environ.get("REQUEST_METHOD", "POST"),
        url=f"http://{host}{environ.get('PATH_INFO', '/')}",
        data=body,
        headers={"Content-Type": environ.get("CONTENT_TYPE", ""), "Host": host},
    )
    SigV4Auth(key.create_credentials(), service, region).add_auth(request)
    environ["HTTP_AUTHORIZATION"] = request.headers["Authorization"]
    environ["HTTP_X_AMZ_DATE"] = request.headers["X-Amz-Date"]


def authorize(call: Call) -> None:
    """Apply moto's signature and policy checks to calls a rule answers without moto."""
    role = find_role(call.backend, call.get("RoleName"))
    request = IAMRequest(
        account_id=call.account_id,
        method=call.environ.get("REQUEST_METHOD", "POST"),
        path=call.environ.get("PATH_INFO", "/"),
        data=dict(call.params),
        body=call.body,
        headers=dict(EnvironHeaders(call.environ)),
        action=call.action,
    )
    request.check_signature()
    request.check_action_permitted(role.arn if role is not None else "*")


def account_for(environ: WSGIEnviron, key_id: str | None) -> str:
    """The emulated account a request acts on, chosen the way moto chooses it."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    return get_account_id_from(key_id) if key_id else DEFAULT_ACCOUNT_ID


def key_rejected(key_id: str, account_id: str) -> bool:
    """AWS refuses requests signed with an inactive or deleted access key (moto accepts them)."""
    for _, account in list(iam_backends.items()):
        key = account["aws"].access_keys.get(key_id)
        if key is not None:
            return bool(key.status != "Active")
    return key_id in extras(account_id).deleted_access_keys


def read_body(environ: WSGIEnviron) -> bytes:
    """The request body, leaving a fresh stream behind for moto."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return bytes(body)


def unknown_service_response(service: str, environ: WSGIEnviron, request_id: str) -> Response:
    """A clean NotImplemented error for a service moto lacks, in the protocol the client reads."""
    message = f"The emulator has no {service} service."
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return error_response(IamError("NotImplemented", message), request_id)
    body = json.dumps({"__type": "NotImplemented", "message": message}).encode()
    headers = (
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", "NotImplemented"),
        ("x-amzn-RequestId", request_id),
    )
    return Response(501, body, headers)


#: Services whose clients read JSON errors, which moto's permission checks answer in XML.
JSON_SERVICES = frozenset({"account"})
#: The codes those services use for moto's authentication and authorization errors.
JSON_ERROR_CODES = {
    "AccessDenied": "AccessDeniedException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
}


def json_error_answer(response: Response, request_id: str) -> Response:
    """moto's XML permission errors as the JSON errors AWS's rest-json services send."""
    if response.ok or not response.body.lstrip().startswith(b"<"):
        return response
    try:
        root = ET.fromstring(response.body)
    except ET.ParseError:
        return response
    code = next((e.text for e in root.iter() if e.tag.endswith("Code")), None) or ""
    message = next((e.text for e in root.iter() if e.tag.endswith("Message")), None) or ""
    if code not in JSON_ERROR_CODES:
        return response
    name = JSON_ERROR_CODES[code]
    body = json.dumps({"__type": name, "message": message}).encode()
    headers = (
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("x-amzn-ErrorType", name),
        ("x-amzn-RequestId", request_id),
    )
    return Response(response.status, body, headers)


def send(response: Response, start_response: StartResponse) -> list[bytes]:
    """Send a collected answer through WSGI."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    start_response(f"{response.status} {reason}", list(response.headers))
    return [response.body]


class FidelityMiddleware:
    """WSGI middleware: IAM calls go through :data:`RULES`, the rest straight to moto."""

    def __init__(self, app: Any) -> None:
        self.app: WSGIApp = app
        #: moto's DomainDispatcherApplication, asked which services moto serves.
        self.dispatcher = app
        self._lock = threading.RLock()
        self._served: dict[str, bool] = {}

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        """Route one request."""
        request_id = str(uuid.uuid4())
        try:
            response = self.handle(environ, request_id)
        except IamError as error:
            response = error_response(error, request_id)
        if response is None:
            return self.app(environ, start_response)
        return send(response, start_response)

    def handle(self, environ: WSGIEnviron, request_id: str) -> Response | None:
        """A finished answer, or None to let moto answer directly."""
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return None
        scope = credential_scope(environ)
        if scope is None:
            return None
        key_id, region, service = scope
        for route in ROUTES:
            if (answer := route(environ, key_id, service)) is not None:
                return answer
        if service not in ("iam", "sts"):
            if not self.moto_serves(service, environ):
                return unknown_service_response(service, environ, request_id)
            if service in JSON_SERVICES and enforcement_active():
                return json_error_answer(run_wsgi(self.app, environ), request_id)
            return None
        account_id = account_for(environ, key_id)
        if key_rejected(key_id, account_id):
            raise IamError(
                "InvalidClientTokenId", "The security token included in the request is invalid."
            )
        if service != "iam":
            return None
        body = read_body(environ)
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            params |= dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
        action = params.get("Action")
        if not action:
            return None
        call = Call(action, params, account_id, environ, body, self.app, request_id)
        with self._lock:
            return self.dispatch(call, region)

    def dispatch(self, call: Call, region: str) -> Response:
        """Run the action's rule (or moto), turning every failure into an IAM error answer."""
        handler = RULES.get(call.action)
        try:
            if handler is None:
                return call.forward()
            if enforcement_active() and not any(exempt(call) for exempt in AUTHORIZE_EXEMPT):
                authorize(call)
            response = handler(call)
            if not call.forwarded:
                key_id = access_key_id(call.environ)
                if key_id:
                    mark_account_as_visited(call.account_id, key_id, "iam", region)
            return response
        except IamError as error:
            return error_response(error, call.request_id)
        except ServiceException as error:
            message = str(getattr(error, "message", "") or error)
            return error_response(IamError(error.code, message), call.request_id)
        except HTTPException as error:
            body = error.get_body()
            return xml_response(error.code or 500, body, call.request_id)
        except NotImplementedError as error:
            return error_response(
                IamError("NotImplemented", f"moto does not implement iam:{call.action} ({error})"),
                call.request_id,
            )
        except Exception as error:  # a moto crash must reach the client as a server error
            return error_response(
                IamError("ServiceFailure", f"moto failed on iam:{call.action}: {error!r}"),
                call.request_id,
            )

    def moto_serves(self, service: str, environ: WSGIEnviron) -> bool:
        """Whether moto has a backend for a signed request's service (else it prints to stdout)."""
        if service not in self._served:
            try:
                host = self.dispatcher.infer_service_region_host(
                    environ, environ.get("PATH_INFO", "")
                )
            except Exception:  # moto's guesswork failed: let moto answer as it would
                host = None
            served = host is None or host in list_of_moto_modules()
            if not served:
                patterns = self.dispatcher.backend_url_patterns
                served = any(pattern.match(f"http://{host}") for _, pattern in patterns)
            self._served[service] = served
        return self._served[service]

    def clear(self) -> None:
        """Forget cached pages (emulator reset)."""
        PAGES.clear()
