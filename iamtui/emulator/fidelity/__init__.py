"""A WSGI layer in front of moto that makes its IAM endpoint answer like AWS where moto is lax.

moto lets users with keys be deleted, pages nothing, has no root user, no service last-accessed
data and rebuilds the credential report on every read. iamtui must be tested against AWS's
behaviour, so each difference is one small *rule*: a handler registered with
:func:`~iamtui.emulator.fidelity.registry.rule` for an IAM action, that may check
preconditions, answer the call itself, or forward it to moto and fix the answer. Rules live in
one module per area (users, credentials, service-specific credentials, roles, policies, the
credential report, last-accessed data, the account, organizations, root); each names the AWS
documentation page it follows.
Actions without a rule go to moto unchanged; other services pass straight through.

To add a behaviour: write a handler ``def x(call: Call) -> Response`` in its area's module,
decorate it ``@rule("IamAction")`` (one rule per action; compose explicitly when an action
needs two), name the AWS page it follows in its docstring (title and URL), and add a test named
for the AWS behaviour in ``tests/test_emulator_*.py``. Behaviours that concern every call, not
one action, are hooks: :data:`ROUTES` (every signed request) and :data:`CALL_HOOKS` (every
IAM call, before its rule). ``Emulator(fidelity=False)`` serves moto without any of this.

Importing this package registers every rule. Everything runs inside the emulator's server
threads, so IAM calls are serialised by one lock (moto's backend is not thread-safe either).
"""

from __future__ import annotations

# The area modules register their rules on import. ``root`` comes last: it wraps the rules
# already registered for the calls a root caller may make without naming a user.
from iamtui.emulator.fidelity import (  # noqa: F401
    account,
    credential_report,
    credentials,
    last_accessed,
    names,
    organizations,
    paging,
    policies,
    providers,
    roles,
    server_certificates,
    service_credentials,
    users,
)

# isort: split
from iamtui.emulator.fidelity import root  # noqa: F401  (must follow the other areas)

# isort: split
from iamtui.emulator.fidelity import (
    access_analyzer,  # noqa: F401  (a route, like org_api)
    assume_role,  # noqa: F401  (a route: AssumeRole needs the role and its trust)
    org_api,  # noqa: F401  (after root: root keys reach it too)
    throttling,  # noqa: F401  (a call hook: an account over its API rate)
)

# isort: split
from iamtui.emulator.fidelity import cloudtrail  # noqa: F401  (LookupEvents; after root too)

# isort: split
from iamtui.emulator.fidelity.middleware import FidelityMiddleware
from iamtui.emulator.fidelity.registry import (
    AUTHORIZE_EXEMPT,
    CALL_HOOKS,
    ROUTES,
    RULES,
    Call,
    rule,
)
from iamtui.emulator.fidelity.wire import IamError

__all__ = [
    "AUTHORIZE_EXEMPT",
    "CALL_HOOKS",
    "ROUTES",
    "RULES",
    "Call",
    "FidelityMiddleware",
    "IamError",
    "rule",
]
