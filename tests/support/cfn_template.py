"""Reading the packaged CloudFormation template (tests/package/): its resources, the functions'
settings and policies, and a small evaluator of its conditions for each identity provider.
"""

from __future__ import annotations

import re
from typing import Any

# the stream consumers and their on-failure queues
STREAM_FUNCTIONS = {"ProjectOverview": "OverviewFailures", "IndexSearch": "SearchIndexFailures"}
# every function of the stack
FUNCTIONS = {
    "APIHandler",
    "ProjectOverview",
    "IndexSearch",
    "ReceiveEmail",
    "RecordMailEvents",
    "RunJobs",
    "FailDeadJobs",
    "MeterUsage",
    "SweepJobs",
}
# the issuer of the stack's own user pool
COGNITO_ISSUER = "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def env_of(template: dict[str, Any], function: str) -> dict[str, Any]:
    variables: dict[str, Any] = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    return variables


def role_of(template: dict[str, Any], function: str) -> str:
    role: str = template["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    return role


# --- a small evaluator of the template's conditions, for each identity provider ----------------------------


def parameters_of(template: dict[str, Any], **given: str) -> dict[str, Any]:
    return {name: given.get(name, p.get("Default")) for name, p in template["Parameters"].items()}


def holds(template: dict[str, Any], expression: Any, params: dict[str, Any]) -> bool:
    (function, args), *_ = expression.items()
    if function == "Condition":
        return holds(template, template["Conditions"][args], params)
    if function == "Fn::Equals":
        left, right = (resolve(template, a, params) for a in args)
        return bool(left == right)
    if function == "Fn::Not":
        return not holds(template, args[0], params)
    if function == "Fn::And":
        return all(holds(template, a, params) for a in args)
    if function == "Fn::Or":
        return any(holds(template, a, params) for a in args)
    raise AssertionError(f"no evaluator for {function}")


def resolve(template: dict[str, Any], value: Any, params: dict[str, Any]) -> Any:
    """``value`` with each Fn::If decided and each parameter's Ref replaced by its value."""
    if isinstance(value, list):
        return [resolve(template, v, params) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::If"}:
        condition, yes, no = value["Fn::If"]
        return resolve(template, yes if holds(template, {"Condition": condition}, params) else no, params)
    if set(value) == {"Ref"} and value["Ref"] in params:
        return params[value["Ref"]]
    return {k: resolve(template, v, params) for k, v in value.items()}


def referenced(value: Any) -> set[str]:
    """The names ``value`` refers to (Ref, Fn::GetAtt, Fn::Sub's ${Name} and ${Name.Attribute}), but
    pseudo parameters (AWS::Region, ...)."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= referenced(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v.split(".")[0])
            elif k == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else v.split(".")[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= referenced(v[1] if isinstance(v, list) else [])
            else:
                found |= referenced(v)
    return {name for name in found if not name.startswith("AWS::")}


def stack_of(template: dict[str, Any], **given: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The parameters, resources and outputs a stack of these parameters would have, conditions decided."""
    params = parameters_of(template, **given)
    kept = {
        name: resolve(template, r, params)
        for name, r in template["Resources"].items()
        if "Condition" not in r or holds(template, {"Condition": r["Condition"]}, params)
    }
    outputs = {
        name: resolve(template, o, params)
        for name, o in template["Outputs"].items()
        if "Condition" not in o or holds(template, {"Condition": o["Condition"]}, params)
    }
    return params, kept, outputs


def policy_statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def statements_of(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    props = template["Resources"][role]["Properties"]
    found = [s for p in props["Policies"] for s in p["PolicyDocument"]["Statement"]]
    for policy in resources_of(template, "AWS::IAM::Policy").values():  # policies attached from infra
        if {"Ref": role} in policy["Properties"]["Roles"]:
            found += policy_statements(policy)
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
