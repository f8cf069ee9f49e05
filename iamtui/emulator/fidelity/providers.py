"""Identity providers: a SAML provider name is taken once, and deleting a provider that is not
there fails, as on AWS (moto overwrites the first and answers the second with success)."""

from __future__ import annotations

from iamtui.emulator.fidelity.registry import Call, rule
from iamtui.emulator.fidelity.wire import IamError, Response


@rule("CreateSAMLProvider")
def create_saml_provider(call: Call) -> Response:
    """A second provider with a name already taken fails EntityAlreadyExists (moto replaces the
    first, metadata and all).

    AWS: "CreateSAMLProvider" (IAM API Reference, Errors: EntityAlreadyExists),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html
    """
    name = call.require("Name")
    if name in call.backend.saml_providers:
        raise IamError("EntityAlreadyExists", f"SAMLProvider {name} already exists")
    return call.forward()


@rule("DeleteSAMLProvider")
def delete_saml_provider(call: Call) -> Response:
    """Deleting a SAML provider that does not exist fails NoSuchEntity.

    AWS: "DeleteSAMLProvider" (IAM API Reference, Errors: NoSuchEntity),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteSAMLProvider.html
    """
    arn = call.require("SAMLProviderArn")
    if not any(p.arn == arn for p in call.backend.saml_providers.values()):
        raise IamError("NoSuchEntity", f"SAMLProvider {arn} does not exist.")
    return call.forward()


@rule("DeleteOpenIDConnectProvider")
def delete_open_id_connect_provider(call: Call) -> Response:
    """Deleting an OIDC provider that does not exist fails NoSuchEntity.

    AWS: "DeleteOpenIDConnectProvider" (IAM API Reference, Errors: NoSuchEntity),
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteOpenIDConnectProvider.html
    """
    arn = call.require("OpenIDConnectProviderArn")
    if arn not in call.backend.open_id_providers:
        raise IamError("NoSuchEntity", f"OpenIDConnect Provider not found for arn {arn}")
    return call.forward()
