"""Server certificates stored in IAM: expired ones to remove, soon-expiring ones to replace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from iamtui.core.findings import (
    Context,
    Evidence,
    Finding,
    PrincipalKind,
    PrincipalRef,
    Rule,
    Severity,
    iso,
    rule,
)
from iamtui.core.ids import ActionId
from iamtui.core.model import Part, ServerCertificate
from iamtui.core.rules._common import REMOVE_UNUSED
from iamtui.core.subjects import Fix, ServerCertificateSubject
from iamtui.core.text import plural

#: server-cert.expiring: a certificate expiring within this many days (fixed, not configurable).
EXPIRING_DAYS = 30


def _about(cert: ServerCertificate) -> PrincipalRef:
    return PrincipalRef(PrincipalKind.SERVER_CERTIFICATE, cert.arn, cert.name)


def _evidence(cert: ServerCertificate, expiration: datetime) -> Evidence:
    return {
        "certificate_id": cert.certificate_id,
        "path": cert.path,
        "uploaded": iso(cert.upload_date),
        "expires": iso(expiration),
    }


def _delete(cert: ServerCertificate) -> Fix:
    return Fix(
        ActionId.SERVER_CERT_DELETE, ServerCertificateSubject(cert.name, cert.certificate_id)
    )


@rule(
    "server-cert.expired",
    "Expired server certificate stored in IAM",
    practice=REMOVE_UNUSED,
    severity=Severity.MEDIUM,
    needs=[Part.SERVER_CERTIFICATES],
)
def expired(ctx: Context) -> Iterator[Finding]:
    """An expired certificate can still be deployed to a load balancer by mistake (CIS 1.19)."""
    for cert in ctx.snapshot.server_certificates or ():
        if cert.expiration is None or cert.expiration > ctx.now:
            continue
        summary = f"server certificate expired {ctx.ago(cert.expiration)} ago"
        yield ctx.finding(
            _about(cert), summary, evidence=_evidence(cert, cert.expiration), fixes=[_delete(cert)]
        )


@rule(
    "server-cert.expiring",
    "Server certificate expiring soon",
    practice=REMOVE_UNUSED,
    severity=Severity.LOW,
    needs=[Part.SERVER_CERTIFICATES],
)
def expiring(ctx: Context) -> Iterator[Finding]:
    """What serves it stops being trusted at expiry: replace it before, then delete the old one."""
    soon = ctx.now + timedelta(days=EXPIRING_DAYS)
    for cert in ctx.snapshot.server_certificates or ():
        if cert.expiration is None or not ctx.now < cert.expiration <= soon:
            continue
        left = cert.expiration - ctx.now
        summary = f"server certificate expires in {plural(max(left.days, 0), 'day')}"
        yield ctx.finding(_about(cert), summary, evidence=_evidence(cert, cert.expiration))


RULES: tuple[Rule, ...] = (expired, expiring)
