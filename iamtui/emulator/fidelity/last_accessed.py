"""Service last-accessed data, which moto lacks: jobs, granted services and their last use."""

from __future__ import annotations

import fnmatch
import json
import uuid
from collections.abc import Iterable
from typing import Any

from moto.iam.models import Group, IAMBackend, Role

from iamtui.emulator.fidelity.entities import default_document, groups_by_user
from iamtui.emulator.fidelity.paging import Listing, serve_pages
from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response, validation_error
from iamtui.emulator.state import AccessJob

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
    """Start a last-accessed job for a user, role, group or policy; AWS answers with a JobId.

    AWS: "GenerateServiceLastAccessedDetails" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateServiceLastAccessedDetails.html
    """
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
    """IN_PROGRESS for the first poll(s), then the COMPLETED report, paged like AWS.

    AWS: "GetServiceLastAccessedDetails" (IAM API Reference),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html
    """
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
