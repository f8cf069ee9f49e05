"""Build emulated IAM accounts fast by writing moto's backend objects directly, in-process.

Seeding through moto's HTTP API is slow (~200 calls/s) and cannot back-date anything; writing the
backend objects takes milliseconds and lets every date be set relative to an injected ``now``.
Times passed in are aware UTC datetimes (naive ones are taken as UTC); moto stores naive UTC, so
every date is converted on the way in. :class:`AccountExtras` (root, last-accessed usage) keeps
aware datetimes.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal

from iamtui.emulator.state import AccountExtras, ActionUsage, RootKey, RootState, TrailEvent

#: A policy document as a JSON-able mapping.
Document = Mapping[str, Any]
MfaKind = Literal["virtual", "hardware"]
KeyStatus = Literal["Active", "Inactive"]

SERVICE_LINKED_PATH = "/aws-service-role/"
SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
#: The password every seeded login profile gets (moto only records that one exists).
SEED_PASSWORD = "Seeded-Password-1!"


#: How far back AWS keeps service last-accessed data: an older use is "not accessed in the
#: tracking period", so a key last used before it has no last-accessed entry to match.
TRACKING_PERIOD = timedelta(days=400)
#: The user agent of seeded CloudTrail events unless one is given (``userAgent``).
CLI_AGENT = "aws-cli/2.17.20 md/Botocore#1.34.140 ua/2.0 os/linux#6.5.0 md/arch#x86_64"


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One access key to create; ``last_used=None`` means never used (no LastUsedDate in AWS)."""

    created: datetime
    status: KeyStatus = "Active"
    last_used: datetime | None = None
    service: str = "s3"
    region: str = "us-east-1"


@dataclass(frozen=True, slots=True)
class RootKeySpec:
    """One root access key, which only the emulator's extras can hold (moto has no root)."""

    created: datetime
    active: bool = True
    last_used: datetime | None = None
    service: str | None = None
    region: str | None = None


def _naive(when: datetime) -> datetime:
    """moto compares and renders naive UTC datetimes; aware input is converted, naive kept."""
    if when.tzinfo is None:
        return when
    return when.astimezone(UTC).replace(tzinfo=None)


def _aware(when: datetime) -> datetime:
    """AccountExtras holds aware UTC datetimes; naive input is taken as UTC."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    """IAM's wire form of tags, in insertion order."""
    return [{"Key": key, "Value": value} for key, value in (tags or {}).items()]


def _dump(document: Document) -> str:
    """Policy documents are stored as JSON text, compact and key-ordered as written."""
    return json.dumps(document, separators=(",", ":"))


@cache
def _aws_policy_data(name: str) -> dict[str, Any]:
    """One AWS-managed policy's record without parsing moto's 4.7 MB table of 1,582 policies."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data as table

    needle = f'\n "{name}":'
    start = table.find(needle)
    if start < 0:
        data: dict[str, Any] | None = json.loads(table).get(name)
        if data is None:
            raise KeyError(f"moto has no AWS-managed policy named {name!r}")
        return data
    decoded, _ = json.JSONDecoder().raw_decode(table, start + len(needle))
    return dict(decoded)


# --- trust policy builders ---------------------------------------------------------------


def trust_service(*services: str) -> dict[str, Any]:
    """A trust policy letting AWS services (lambda.amazonaws.com, ...) assume the role."""
    principal: str | list[str] = services[0] if len(services) == 1 else list(services)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
        ],
    }


def trust_aws(
    principal: str | Sequence[str],
    *,
    external_id: str | None = None,
    condition: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A trust policy for AWS principals (accounts, roles, ``*``), optionally conditioned."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal if isinstance(principal, str) else list(principal)},
        "Action": "sts:AssumeRole",
    }
    merged: dict[str, Any] = {key: dict(value) for key, value in (condition or {}).items()}
    if external_id is not None:
        merged.setdefault("StringEquals", {})["sts:ExternalId"] = external_id
    if merged:
        statement["Condition"] = merged
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust_oidc(provider_arn: str, host: str, *, audience: str, subject: str) -> dict[str, Any]:
    """A web-identity trust (e.g. GitHub Actions) pinned to an audience and a subject pattern."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{host}:aud": audience},
                    "StringLike": {f"{host}:sub": subject},
                },
            }
        ],
    }


def trust_saml(provider_arn: str, *, tag_session: bool = False) -> dict[str, Any]:
    """A SAML federation trust as IdPs (Okta, IAM Identity Center) set it up."""
    action: str | list[str] = (
        ["sts:AssumeRoleWithSAML", "sts:TagSession"] if tag_session else "sts:AssumeRoleWithSAML"
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": action,
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }


def allow(*actions: str, resource: str | Sequence[str] = "*", sid: str | None = None) -> Document:
    """A one-statement Allow policy, the common case when seeding."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": actions[0] if len(actions) == 1 else list(actions),
        "Resource": resource if isinstance(resource, str) else list(resource),
    }
    if sid:
        statement["Sid"] = sid
    return {"Version": "2012-10-17", "Statement": [statement]}


def _saml_metadata(entity_id: str) -> str:
    """A minimal SAML metadata document: moto stores it, nothing parses it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{entity_id}"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>'
        "</md:EntityDescriptor>"
    )


class Seeder:
    """Typed shortcuts over one moto IAMBackend and its AccountExtras, dated relative to ``now``."""

    def __init__(self, backend: Any, extras: AccountExtras, now: datetime) -> None:
        """Bind to one account; ``now`` anchors every relative date."""
        from moto.iam import models

        self._models: Any = models
        self.backend: Any = backend
        self.extras = extras
        self.now = _aware(now)
        self.account_id: str = str(backend.account_id)
        self.partition: str = str(backend.partition)
        self.region: str = "us-east-1"
        self._role_names: set[str] = {role.name for role in backend.roles.values()}
        self._hardware_mfa_count = 0

    # --- dates and ARNs ---------------------------------------------------------------

    def ago(self, days: float = 0, *, hours: float = 0, minutes: float = 0) -> datetime:
        """An aware UTC time that long before ``now``."""
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def arn(self, kind: str, name: str, path: str = "/") -> str:
        """This account's ARN for a user, role, group or policy."""
        return f"arn:{self.partition}:iam::{self.account_id}:{kind}{path}{name}"

    def aws_policy_arn(self, name: str, path: str = "/") -> str:
        """The ARN of an AWS-managed policy (does not load it)."""
        return f"arn:{self.partition}:iam::aws:policy{path}{name}"

    # --- policies ---------------------------------------------------------------------

    def managed_policy(
        self,
        name: str,
        document: Document,
        *,
        path: str = "/",
        description: str = "",
        created: datetime | None = None,
        updated: datetime | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> Any:
        """A customer-managed policy (validated by moto like CreatePolicy would)."""
        policy = self.backend.create_policy(
            description=description,
            path=path,
            policy_document=_dump(document),
            policy_name=name,
            tags=_tag_list(tags),
        )
        created_at = _naive(created or self.now)
        updated_at = _naive(updated or created or self.now)
        policy.create_date = created_at
        policy.update_date = updated_at
        for version in policy.versions:
            version.create_date = updated_at
        return policy

    def aws_managed(self, name: str) -> Any:
        """Load ONE AWS-managed policy into the account (moto loads none by default)."""
        data = _aws_policy_data(name)
        path = str(data.get("Path") or "/")
        arn = self.aws_policy_arn(name, path)
        existing = self.backend.managed_policies.get(arn)
        if existing is not None:
            return existing
        policy = self._models.AWSManagedPolicy.from_data(
            name, self.account_id, self.backend.region_name, data
        )
        policy.create_date = _naive(policy.create_date)
        policy.update_date = _naive(policy.update_date)
        for version in policy.versions:
            version.create_date = _naive(version.create_date)
        self.backend.managed_policies[policy.arn] = policy
        # Authorization details tell AWS from local policies by this list.
        self.backend.aws_managed_policies.append(policy)
        return policy

    def _resolve_policy(self, ref: str) -> Any:
        """A managed policy by ARN, loading AWS-managed ones on first reference."""
        policy = self.backend.managed_policies.get(ref)
        if policy is not None:
            return policy
        prefix = f"arn:{self.partition}:iam::aws:policy/"
        if ref.startswith(prefix):
            return self.aws_managed(ref.rsplit("/", 1)[-1])
        raise KeyError(f"no managed policy {ref}")

    def attach(self, principal: Any, policy_arns: Iterable[str]) -> None:
        """Attach managed policies (by ARN) to a user, group or role object."""
        for ref in policy_arns:
            policy = self._resolve_policy(ref)
            if policy.arn not in principal.managed_policies:
                policy.attach_to(principal)

    def _put_inline(self, principal: Any, inline: Mapping[str, Document] | None) -> None:
        """Embed inline policies, validated as PutUserPolicy and friends would."""
        for policy_name, document in (inline or {}).items():
            text = _dump(document)
            self._models.IAMPolicyDocumentValidator(text).validate()
            principal.put_policy(policy_name, text)

    # --- users ------------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        path: str = "/",
        created: datetime | None = None,
        tags: Mapping[str, str] | None = None,
        groups: Sequence[str] = (),
        password: bool = False,
        password_last_used: datetime | None = None,
        password_last_changed: datetime | None = None,
        mfa: MfaKind | None = None,
        mfa_enabled_at: datetime | None = None,
        keys: Sequence[KeySpec] = (),
        managed: Sequence[str] = (),
        inline: Mapping[str, Document] | None = None,
        boundary: str | None = None,
    ) -> Any:
        """An IAM user with its console password, MFA, keys, groups and policies."""
        user = self.backend.create_user(
            region_name=self.region, user_name=name, path=path, tags=_tag_list(tags)
        )
        created_at = created or self.now
        user.create_date = _naive(created_at)
        if password:
            user.password = SEED_PASSWORD
            user.password_last_used = (
                _naive(password_last_used) if password_last_used is not None else None
            )
            # Read by the fidelity layer's credential report (moto reports the creation date).
            user.password_last_changed = _naive(password_last_changed or created_at)
        if boundary is not None:
            self._resolve_policy(boundary)
            # Stored where the fidelity layer keeps user boundaries (moto has none).
            user.permissions_boundary = {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": boundary,
            }
        for group_name in groups:
            self.add_to_group(user, group_name)
        if mfa is not None:
            self.mfa(user, mfa, enabled_at=mfa_enabled_at or created_at)
        for spec in keys:
            self.key(user, spec)
        self.attach(user, managed)
        self._put_inline(user, inline)
        return user

    def add_to_group(self, user: Any, group_name: str) -> None:
        """Group membership, the way AWS recommends users get permissions."""
        group = self.backend.groups[group_name]
        if user not in group.users:
            group.users.append(user)

    def key(self, user: Any, spec: KeySpec) -> Any:
        """One access key on a user (at most two, as in AWS), with its dates."""
        key = self.backend.create_access_key(user.name, status=spec.status)
        key.create_date = _naive(spec.created)
        if spec.last_used is not None:
            key.last_used = self._models.AccessKeyLastUsed(
                timestamp=_naive(spec.last_used), service=spec.service, region=spec.region
            )
        return key

    def mfa(self, user: Any, kind: MfaKind, *, enabled_at: datetime) -> str:
        """Enable a virtual or hardware MFA device for a user; returns its serial."""
        when = _naive(enabled_at)
        if kind == "virtual":
            device = self.backend.create_virtual_mfa_device(device_name=user.name, path="/")
            serial = str(device.serial_number)
            self.backend.enable_mfa_device(user.name, serial, "123456", "654321")
            device.enable_date = when
        else:
            # Hardware tokens have vendor serials, not ARNs (e.g. Gemalto's GAHT...).
            self._hardware_mfa_count += 1
            digest = zlib.crc32(f"{user.name}:{self._hardware_mfa_count}".encode())
            serial = f"GAHT{digest % 10**8:08d}"
            self.backend.enable_mfa_device(user.name, serial, "123456", "654321")
        user.mfa_devices[serial].enable_date = when
        return serial

    # --- groups -----------------------------------------------------------------------

    def group(
        self,
        name: str,
        *,
        path: str = "/",
        created: datetime | None = None,
        managed: Sequence[str] = (),
        inline: Mapping[str, Document] | None = None,
    ) -> Any:
        """An IAM group with managed (by ARN) and inline policies."""
        group = self.backend.create_group(name, path)
        group.create_date = _naive(created or self.now)
        self.attach(group, managed)
        self._put_inline(group, inline)
        return group

    # --- roles ------------------------------------------------------------------------

    def role(
        self,
        name: str,
        *,
        trust: Document,
        path: str = "/",
        created: datetime | None = None,
        last_used: datetime | None = None,
        last_used_region: str | None = None,
        managed: Sequence[str] = (),
        inline: Mapping[str, Document] | None = None,
        instance_profile: bool | str = False,
        boundary: str | None = None,
        tags: Mapping[str, str] | None = None,
        description: str = "",
        max_session_duration: int = 3600,
        linked_service: str | None = None,
        validate: bool = True,
    ) -> Any:
        """An IAM role with trust, policies, last use and optionally an instance profile."""
        if name in self._role_names:
            raise self._models.EntityAlreadyExists(f"Role with name {name} already exists.")
        trust_text = _dump(trust)
        if validate:
            self._models.IAMTrustPolicyDocumentValidator(trust_text).validate()
        if boundary is not None:
            self._resolve_policy(boundary)
        role = self._models.Role(
            account_id=self.account_id,
            partition=self.partition,
            role_id=self._models.random_role_id(self.account_id),
            name=name,
            assume_role_policy_document=trust_text,
            path=path,
            permissions_boundary=boundary,
            description=description,
            tags=_tag_list(tags),
            max_session_duration=str(max_session_duration),
            linked_service=linked_service,
        )
        created_at = created or self.now
        role.create_date = _naive(created_at)
        if last_used is not None:
            role.last_used = _naive(last_used)
            role.last_used_region = last_used_region or self.region
        self.backend.roles[role.id] = role
        self._role_names.add(name)
        self.attach(role, managed)
        self._put_inline(role, inline)
        if instance_profile:
            profile_name = name if instance_profile is True else str(instance_profile)
            profile = self._models.InstanceProfile(
                account_id=self.account_id,
                region_name=self.region,
                instance_profile_id=self._models.random_resource_id(),
                name=profile_name,
                path=path,
                roles=[role],
            )
            profile.create_date = _naive(created_at)
            self.backend.instance_profiles[profile_name] = profile
        return role

    def service_linked_role(
        self,
        name: str,
        service: str,
        *,
        created: datetime,
        last_used: datetime | None = None,
        last_used_region: str | None = None,
        managed: Sequence[str] = (),
        description: str = "",
    ) -> Any:
        """A service-linked role under /aws-service-role/<service>/, owned by that service."""
        return self.role(
            name,
            trust=trust_service(service),
            path=f"{SERVICE_LINKED_PATH}{service}/",
            created=created,
            last_used=last_used,
            last_used_region=last_used_region,
            managed=managed,
            description=description,
            linked_service=service,
        )

    def sso_provider(self, *, created: datetime) -> str:
        """The SAML provider IAM Identity Center creates (``AWSSSO_..._DO_NOT_DELETE``)."""
        suffix = f"{zlib.crc32(self.account_id.encode()):08x}{self.account_id[-8:]}"
        return self.saml_provider(
            f"AWSSSO_{suffix}_DO_NOT_DELETE",
            entity_id=f"https://portal.sso.us-east-1.amazonaws.com/saml/metadata/{self.account_id}",
            created=created,
        )

    def sso_role(
        self,
        permission_set: str,
        suffix: str,
        *,
        provider_arn: str,
        created: datetime,
        last_used: datetime | None = None,
        last_used_region: str | None = None,
        managed: Sequence[str] = (),
        inline: Mapping[str, Document] | None = None,
        region: str | None = None,
    ) -> Any:
        """A role IAM Identity Center provisions for a permission set (hands off)."""
        path = SSO_PATH + (f"{region}/" if region else "")
        return self.role(
            f"AWSReservedSSO_{permission_set}_{suffix}",
            trust=trust_saml(provider_arn, tag_session=True),
            path=path,
            created=created,
            last_used=last_used,
            last_used_region=last_used_region,
            managed=managed,
            inline=inline,
            max_session_duration=43200,
        )

    # --- identity providers -----------------------------------------------------------

    def oidc_provider(
        self,
        url: str,
        *,
        audiences: Sequence[str] = ("sts.amazonaws.com",),
        thumbprints: Sequence[str] = ("6938fd4d98bab03faadb97b34396831e3780aea1",),
        created: datetime | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """An OIDC identity provider; returns its ARN for trust policies."""
        provider = self.backend.create_open_id_connect_provider(
            url=url,
            thumbprint_list=list(thumbprints),
            client_id_list=list(audiences),
            tags=_tag_list(tags),
        )
        provider.create_date = _naive(created or self.now)
        return str(provider.arn)

    def saml_provider(
        self, name: str, *, entity_id: str | None = None, created: datetime | None = None
    ) -> str:
        """A SAML identity provider; returns its ARN for trust policies."""
        provider = self.backend.create_saml_provider(
            name, _saml_metadata(entity_id or f"https://idp.example.com/{name}")
        )
        provider.create_date = _naive(created or self.now)
        return str(provider.arn)

    # --- account-level state ----------------------------------------------------------

    def alias(self, alias: str) -> None:
        """The account alias (AWS allows exactly one)."""
        self.backend.create_account_alias(alias)

    def password_policy(
        self,
        *,
        minimum_length: int = 8,
        require_symbols: bool = False,
        require_numbers: bool = False,
        require_uppercase: bool = False,
        require_lowercase: bool = False,
        allow_users_to_change: bool = True,
        max_age_days: int = 0,
        reuse_prevention: int | None = None,
        hard_expiry: bool = False,
    ) -> None:
        """Set the account password policy (moto's UpdateAccountPasswordPolicy semantics)."""
        self.backend.update_account_password_policy(
            allow_change_password=allow_users_to_change,
            hard_expiry=hard_expiry,
            max_password_age=max_age_days,
            minimum_password_length=minimum_length,
            password_reuse_prevention=reuse_prevention,
            require_lowercase_characters=require_lowercase,
            require_numbers=require_numbers,
            require_symbols=require_symbols,
            require_uppercase_characters=require_uppercase,
        )

    def root(
        self,
        *,
        created: datetime,
        password_last_used: datetime | None = None,
        password_last_changed: datetime | None = None,
        mfa: MfaKind | None = None,
        mfa_enabled_at: datetime | None = None,
        keys: Sequence[RootKeySpec] = (),
        centralized_root_access: bool = False,
    ) -> RootState:
        """Root's credentials in the extras, mirrored into moto's account summary flags."""
        # Root's virtual device lives in the extras: the fidelity layer lists it, moto cannot.
        virtual_serial = (
            f"arn:{self.partition}:iam::{self.account_id}:mfa/root-account-mfa-device"
            if mfa == "virtual"
            else None
        )
        state = RootState(
            created=_aware(created),
            password_last_used=_aware(password_last_used) if password_last_used else None,
            password_last_changed=_aware(password_last_changed) if password_last_changed else None,
            mfa_enabled=mfa is not None,
            mfa_virtual_serial=virtual_serial,
            mfa_enable_date=_aware(mfa_enabled_at) if mfa and mfa_enabled_at else None,
            keys=[
                RootKey(
                    active=spec.active,
                    last_rotated=_aware(spec.created),
                    last_used=_aware(spec.last_used) if spec.last_used else None,
                    last_used_region=spec.region if spec.last_used else None,
                    last_used_service=spec.service if spec.last_used else None,
                )
                for spec in keys
            ],
            centralized_root_access=centralized_root_access,
        )
        with self.extras.lock:
            self.extras.root = state
        summary = self.backend.account_summary
        summary._account_mfa_enabled = 1 if mfa is not None else 0
        summary._account_access_keys_present = 1 if keys else 0
        return state

    def usage(
        self,
        principal_arn: str,
        namespace: str,
        when: datetime,
        region: str = "us-east-1",
        *,
        entity: str | None = None,
        actions: Mapping[str, datetime] | None = None,
    ) -> None:
        """One service's last-accessed record; ``actions`` maps action name -> last use."""
        self.extras.record_usage(
            principal_arn,
            namespace,
            _aware(when),
            region,
            entity=entity,
            actions=[
                ActionUsage(action=action, when=_aware(at), region=region)
                for action, at in (actions or {}).items()
            ],
        )

    # --- CloudTrail event history -----------------------------------------------------

    def trail_event(
        self,
        caller: Caller,
        event_name: str,
        when: datetime,
        *,
        source: str = "iam.amazonaws.com",
        region: str = "us-east-1",
        ip: str = "198.51.100.20",
        agent: str = CLI_AGENT,
        resources: Sequence[tuple[str, str]] = (),
        request: Mapping[str, Any] | None = None,
        response: Mapping[str, Any] | None = None,
        read_only: bool | None = None,
    ) -> TrailEvent:
        """One management event in the account's CloudTrail event history (LookupEvents)."""
        at = _aware(when)
        number = len(self.extras.trail_events)
        event_id = str(
            uuid.uuid5(uuid.NAMESPACE_OID, f"{self.account_id}:{number}:{event_name}:{at}")
        )
        if read_only is None:
            read_only = event_name.startswith(("Get", "List", "Describe", "Head", "AssumeRole"))
        record: dict[str, Any] = {
            "eventVersion": "1.09",
            "userIdentity": dict(caller.identity),
            "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source,
            "eventName": event_name,
            "awsRegion": region,
            "sourceIPAddress": ip,
            "userAgent": agent,
            "requestParameters": dict(request) if request is not None else None,
            "responseElements": dict(response) if response is not None else None,
            "requestID": str(uuid.uuid5(uuid.NAMESPACE_OID, event_id)),
            "eventID": event_id,
            "readOnly": read_only,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": self.account_id,
            "eventCategory": "Management",
        }
        event = TrailEvent(
            event_id=event_id,
            event_name=event_name,
            event_source=source,
            event_time=at,
            region=region,
            record=record,
            username=caller.username,
            access_key_id=caller.access_key_id,
            resources=list(resources),
            read_only=read_only,
        )
        with self.extras.lock:
            self.extras.trail_events.append(event)
        return event

    def assume_role_event(
        self,
        caller: Caller,
        role: Any,
        session: str,
        when: datetime,
        *,
        event_name: str = "AssumeRole",
        region: str = "us-east-1",
        ip: str = "198.51.100.20",
        agent: str = CLI_AGENT,
    ) -> TrailEvent:
        """An STS AssumeRole* event: the role ARN is one of its resources, as on AWS, so
        LookupEvents by ResourceName = role ARN finds who started sessions of it."""
        number = zlib.crc32(f"{role.arn}:{session}:{_aware(when)}".encode())
        session_key = f"ASIA{number:016d}"[:20]
        assumed = f"arn:{self.partition}:sts::{self.account_id}:assumed-role/{role.name}/{session}"
        return self.trail_event(
            caller,
            event_name,
            when,
            source="sts.amazonaws.com",
            region=region,
            ip=ip,
            agent=agent,
            resources=[
                ("AWS::IAM::AccessKey", session_key),
                ("AWS::STS::AssumedRole", assumed),
                ("AWS::IAM::Role", role.arn),
            ],
            request={"roleArn": role.arn, "roleSessionName": session},
            response={
                "credentials": {"accessKeyId": session_key},
                "assumedRoleUser": {"assumedRoleId": f"{role.id}:{session}", "arn": assumed},
            },
        )

    def server_certificate(
        self, name: str, *, expires: datetime, uploaded: datetime, path: str = "/"
    ) -> str:
        """A server certificate (a real self-signed PEM) valid until ``expires``; its id."""
        from iamtui.emulator.fidelity.server_certificates import new_certificate_id
        from iamtui.emulator.state import ServerCertificateMeta

        body, key = self_signed_certificate(name, _aware(uploaded), _aware(expires))
        self.backend.upload_server_certificate(name, body, key, path=path)
        certificate_id = new_certificate_id()
        with self.extras.lock:
            self.extras.server_certificates[name.lower()] = ServerCertificateMeta(
                certificate_id, _aware(uploaded), _aware(expires).replace(microsecond=0)
            )
        return certificate_id

    def analyzer(
        self,
        name: str,
        *,
        type: str = "ACCOUNT",
        status: str = "ACTIVE",
        region: str | None = None,
        created: datetime | None = None,
        unused_access_age: int = 90,
    ) -> None:
        """An IAM Access Analyzer analyzer in ``region`` (default: the seeder's region)."""
        from iamtui.emulator.state import AnalyzerState

        with self.extras.lock:
            self.extras.analyzers.setdefault(region or self.region, []).append(
                AnalyzerState(
                    name,
                    type,
                    status,
                    _aware(created or self.now),
                    unused_access_age=unused_access_age,
                )
            )

    def analyzer_finding(
        self,
        analyzer: str,
        resource: str,
        finding_type: str,
        *,
        status: str = "ACTIVE",
        details: Sequence[Mapping[str, Any]] = (),
        recommended_steps: Sequence[Mapping[str, Any]] = (),
        updated: datetime | None = None,
        region: str | None = None,
    ) -> str:
        """An unused-access finding of ``analyzer`` on a role or user ARN; its id.

        ``details`` are FindingDetails entries (``{"unusedIamRoleDetails": {"lastAccessed":
        datetime}}``); ``recommended_steps`` what GetFindingRecommendation answers once generated.
        """
        from iamtui.emulator.state import AnalyzerFindingState

        when = _aware(updated or self.now)
        with self.extras.lock:
            [state] = [
                a
                for a in self.extras.analyzers.get(region or self.region, [])
                if a.name == analyzer
            ]
            finding_id = str(
                uuid.uuid5(
                    uuid.NAMESPACE_URL,
                    f"{state.name}/{resource}/{finding_type}/{len(state.findings)}",
                )
            )
            state.findings.append(
                AnalyzerFindingState(
                    id=finding_id,
                    finding_type=finding_type,
                    resource=resource,
                    resource_type="AWS::IAM::Role" if ":role/" in resource else "AWS::IAM::User",
                    status=status,
                    created=when,
                    updated=when,
                    analyzed=when,
                    details=[dict(d) for d in details],
                    recommended_steps=[dict(s) for s in recommended_steps],
                )
            )
        return finding_id


# --- CloudTrail callers ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a recorded call: CloudTrail's ``userIdentity``, and the two values LookupEvents
    matches it by (``Username``: an IAM user's name or a role session's name; ``AccessKeyId``)."""

    identity: Mapping[str, Any]
    username: str | None = None
    access_key_id: str | None = None


def user_caller(user: Any, key_id: str | None = None) -> Caller:
    """An IAM user calling with one of its access keys (None: the console)."""
    identity: dict[str, Any] = {
        "type": "IAMUser",
        "principalId": user.id,
        "arn": user.arn,
        "accountId": str(user.account_id),
        "userName": user.name,
    }
    if key_id is not None:
        identity["accessKeyId"] = key_id
    return Caller(identity, user.name, key_id)


def role_session_caller(role: Any, session: str, key_id: str) -> Caller:
    """A session of an assumed role: LookupEvents' Username is the session name."""
    account = str(role.account_id)
    issuer = {
        "type": "Role",
        "principalId": role.id,
        "arn": role.arn,
        "accountId": account,
        "userName": role.name,
    }
    identity = {
        "type": "AssumedRole",
        "principalId": f"{role.id}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role.name}/{session}",
        "accountId": account,
        "accessKeyId": key_id,
        "sessionContext": {"sessionIssuer": issuer, "attributes": {"mfaAuthenticated": "false"}},
    }
    return Caller(identity, session, key_id)


def service_caller(service: str) -> Caller:
    """An AWS service acting for the account (Lambda, EC2 assuming an execution role)."""
    return Caller({"type": "AWSService", "invokedBy": service})


def account_caller(account_id: str, arn: str) -> Caller:
    """A principal of another account (a vendor assuming a cross-account role)."""
    return Caller(
        {
            "type": "AWSAccount",
            "principalId": f"AIDA{account_id}EXAMPLE",
            "accountId": account_id,
            "arn": arn,
        }
    )


def web_identity_caller(provider: str, subject: str) -> Caller:
    """A federated identity (GitHub Actions through OIDC) calling AssumeRoleWithWebIdentity."""
    return Caller(
        {
            "type": "WebIdentityUser",
            "principalId": f"{provider}:sts.amazonaws.com:{subject}",
            "userName": subject,
            "identityProvider": provider,
        }
    )


# --- bulk seeding for benchmarks -----------------------------------------------------------

_TEAMS: tuple[tuple[str, str, str], ...] = (
    # (path, group, cost center)
    ("/engineering/", "Developers", "CC-1100"),
    ("/data/", "DataAnalysts", "CC-1200"),
    ("/finance/", "Finance", "CC-1300"),
    ("/sales/", "Sales", "CC-1400"),
    ("/support/", "Support", "CC-1500"),
    ("/automation/", "Automation", "CC-1100"),
)
_GROUP_GRANTS: dict[str, tuple[str, ...]] = {
    "Developers": ("s3:*", "ec2:*", "lambda:*", "dynamodb:*", "logs:*"),
    "DataAnalysts": ("athena:*", "glue:*", "s3:GetObject", "s3:ListBucket"),
    "Finance": ("ce:*", "budgets:ViewBudget", "cur:DescribeReportDefinitions"),
    "Sales": ("s3:GetObject", "quicksight:*"),
    "Support": ("support:*", "cloudwatch:GetMetricData", "logs:FilterLogEvents"),
    "Automation": ("s3:*", "cloudformation:*", "ecr:*", "iam:PassRole"),
}
_REGIONS = ("us-east-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
_ROLE_KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # (service principal, path, namespaces the inline policy grants)
    ("lambda.amazonaws.com", "/service-role/", ("logs", "dynamodb", "sqs")),
    ("ec2.amazonaws.com", "/", ("s3", "ssm", "logs")),
    ("ecs-tasks.amazonaws.com", "/", ("s3", "secretsmanager", "logs")),
    ("states.amazonaws.com", "/service-role/", ("lambda", "states")),
    ("glue.amazonaws.com", "/service-role/", ("glue", "s3")),
)


def seed_scale(
    backend: Any, extras: AccountExtras, *, users: int, roles: int, now: datetime
) -> Seeder:
    """A large, deterministic account (``users`` users, ``roles`` roles) for benchmarks.

    The mix follows index arithmetic, not randomness: about a fifth of users are machine users
    with keys only, most humans have a console password, a third have MFA, key ages spread over
    four years with some never used or inactive, and every tenth role is long unused.
    """
    seeder = Seeder(backend, extras, now)
    policies: dict[str, str] = {}
    for _, group_name, _ in _TEAMS:
        grants = _GROUP_GRANTS[group_name]
        policy = seeder.managed_policy(
            f"Scale{group_name}Access", allow(*grants), created=seeder.ago(1500)
        )
        policies[group_name] = policy.arn
        seeder.group(
            group_name,
            created=seeder.ago(1500),
            managed=[policy.arn],
            inline={f"{group_name}SelfService": allow("iam:ChangePassword", "iam:GetUser")},
        )
    seeder.managed_policy("ScaleUnattached", allow("sqs:*"), created=seeder.ago(900))
    boundary = seeder.managed_policy(
        "ScaleBoundary", allow("s3:*", "logs:*", "dynamodb:*"), created=seeder.ago(900)
    )

    for i in range(users):
        path, group_name, cost_center = _TEAMS[i % len(_TEAMS)]
        machine = group_name == "Automation"
        created = seeder.ago(10 + (i * 37) % 1500)
        age_days = (seeder.now - created).days
        keys: list[KeySpec] = []
        n_keys = 1 if machine else (0, 1, 1, 2)[i % 4]
        for k in range(n_keys):
            key_age = min(age_days, 5 + ((i * 53 + k * 211) % 1400))
            never = (i + k) % 13 == 0
            used_ago = None if never else (i * 7 + k * 3) % max(1, min(key_age, 500))
            keys.append(
                KeySpec(
                    created=seeder.ago(key_age),
                    status="Inactive" if k == 1 and i % 8 == 3 else "Active",
                    last_used=None if used_ago is None else seeder.ago(used_ago, hours=i % 24),
                    service=("s3", "sts", "ec2", "lambda")[(i + k) % 4],
                    region=_REGIONS[(i + k) % len(_REGIONS)],
                )
            )
        password = not machine and i % 7 != 0
        password_days = (i * 11) % 420
        password_used = (
            None if i % 17 == 0 or password_days > age_days else seeder.ago(password_days)
        )
        mfa: MfaKind | None = None
        if password and i % 3 == 0:
            mfa = "hardware" if i % 9 == 0 else "virtual"
        user = seeder.user(
            f"{group_name.lower()}-user-{i:05d}",
            path=path,
            created=created,
            tags={"Team": group_name, "CostCenter": cost_center},
            groups=[group_name],
            password=password,
            password_last_used=password_used,
            mfa=mfa,
            keys=keys,
            managed=[policies["Developers"]] if i % 23 == 0 else (),
            inline={"AdHoc": allow("sqs:SendMessage")} if i % 31 == 0 else None,
        )
        if i % 2 == 0:
            for n, namespace in enumerate(_GROUP_GRANTS[group_name][:2]):
                seeder.usage(
                    user.arn,
                    namespace.split(":")[0],
                    seeder.ago((i + n * 40) % 200),
                    _REGIONS[i % len(_REGIONS)],
                )

    for j in range(roles):
        service, path, namespaces = _ROLE_KINDS[j % len(_ROLE_KINDS)]
        created = seeder.ago(5 + (j * 29) % 1400)
        age_days = (seeder.now - created).days
        if j % 10 == 9:
            last_used: datetime | None = None if j % 20 == 19 else seeder.ago(min(age_days, 400))
        else:
            last_used = seeder.ago(min(age_days, j % 30), hours=j % 24)
        trust: Document = trust_service(service)
        if j % 50 == 7:
            trust = trust_aws(f"arn:aws:iam::{999900000000 + j:012d}:root")
        elif j % 50 == 17:
            trust = trust_aws(
                f"arn:aws:iam::{999900000000 + j:012d}:root", external_id=f"ext-{j:05d}"
            )
        role = seeder.role(
            f"scale-role-{j:05d}",
            trust=trust,
            path=path,
            created=created,
            last_used=last_used,
            last_used_region=_REGIONS[j % len(_REGIONS)],
            inline={
                "Permissions": allow(*(f"{namespace}:*" for namespace in namespaces)),
            },
            managed=[policies["Automation"]] if j % 11 == 0 else (),
            instance_profile=service == "ec2.amazonaws.com",
            boundary=boundary.arn if j % 25 == 0 else None,
            tags={"Team": _TEAMS[j % len(_TEAMS)][1], "CostCenter": _TEAMS[j % 5][2]},
            validate=False,
        )
        if last_used is not None and j % 3 == 0:
            seeder.usage(role.arn, namespaces[0], last_used, _REGIONS[j % len(_REGIONS)])
    return seeder


def self_signed_certificate(
    common_name: str, not_before: datetime, not_after: datetime
) -> tuple[str, str]:
    """(certificate PEM, private key PEM) of a self-signed EC certificate, for server
    certificates the emulator reads NotAfter from (like AWS does on upload)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_aware(not_before))
        .not_valid_after(_aware(not_after))
        .sign(key, hashes.SHA256())
    )
    body = cert.public_bytes(serialization.Encoding.PEM).decode()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return body, private
