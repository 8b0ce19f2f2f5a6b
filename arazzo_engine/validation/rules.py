"""Every rule id a load can report, with its severity, where it is checked and what it means."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

__all__ = ["NEEDS_SOURCES", "PARTLY_NEEDS_SOURCES", "RULES", "Rule", "close_rules"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    """``error``, ``warning``, or ``error/warning`` when the case decides."""
    module: str
    summary: str


_TABLE = """
document|error|document|the file is missing, unreadable, or not YAML/JSON
configuration|error|engine|an option (sources=, servers=...) names something unknown
usage|error|cli|a malformed command-line option
required|error/warning|model_builder|a required field is missing (a 1.1 type version: warning)
type|error|model_builder|a field has the wrong JSON type or range
enum|error/warning|model_builder|a value outside its fixed set (unknown dialect version: warning)
arazzo-version|error|model_builder|'arazzo' is not a 1.0.x or 1.1.x version string
version-field|error|model_builder|an Arazzo 1.1 field or value in a 1.0.x document
step-fields|error/warning|model_builder|1.1 step fields where they cannot apply (body: warning)
step-depends-on|error|model_builder|a step dependsOn entry of no allowed form, or repeated
action-parameters|error|model_builder|action parameters without a workflowId target, or with in
not-arazzo|error|model_builder|the file is an OpenAPI/AsyncAPI description
unknown-field|error|model_builder|a field that is neither an Arazzo field nor x-
min-items|error|model_builder|sourceDescriptions, workflows or steps is empty
key-pattern|error|model_builder|an outputs or components key breaks ^[a-zA-Z0-9.-_]+$
step-target|error|model_builder|not exactly one of operationId/operationPath/workflowId
criterion-context|error|model_builder|a criterion with 'type' but no 'context'
goto-target|error|model_builder|a goto without exactly one target, a retry with two
action-fields|warning|model_builder|retry fields off a retry, a target on an end (ignored)
value-type|warning|model_builder|a 1.1 literal object parameter value, non-string replacement value
source-unreadable|error|sources.reading|a source description cannot be read
source-remote|error|sources.reading|a remote source while remote loading is off
source-type|error|sources.reading|a source is not the type declared, or neither type
source-openapi|error|sources.openapi.kind|an OpenAPI source the engine cannot use (Swagger 2...)
source-asyncapi|error|sources.asyncapi.kind|an AsyncAPI version not read, or a used part unresolved
source-self|error|load.project|an arazzo source description pointing at its own document
source-scheme|error|sources.reading|a source url whose scheme is not http(s) (file:, ftp:...)
source-identity|warning|sources.reading|a fetched document whose $self names another URI
operation|error|plan|operationId/operationPath that names no operation (or several)
unqualified-operation-id|warning|plan|a bare operationId while the document has several API sources
workflow-reference|error|plan|a step, action or dependsOn naming an unknown workflow
action-target|error|plan|a goto/retry stepId that is not a step of the workflow
querystring|error|plan|two querystring parameters, or one beside a query parameter
reference|error|plan|a Reusable Object reference of the wrong kind or to nothing
expression-syntax|error|plan|a runtime expression or value that does not parse
criterion|error|plan|a criterion that does not compile (condition, regex, type)
selector|error|plan|a 1.1 Selector Object or typed replacement target that does not compile
depends-on-cycle|error|plan|dependsOn forms a cycle
workflow-call-cycle|warning|validation.recursion|workflows call in a cycle, no action before a call
duplicate-workflow-id|error|validation.semantic|two workflows with one workflowId
duplicate-step-id|error|validation.semantic|two steps of a workflow with one stepId
duplicate-source-name|error|validation.semantic|two source descriptions with one name
duplicate-parameter|error|validation.semantic|a parameters list repeating a (name, in)
duplicate-action|error|validation.semantic|an action list repeating an action name
source-name-pattern|error|validation.semantic|a source name outside [A-Za-z0-9_-]+
id-pattern|warning|validation.semantic|a workflowId or stepId outside [A-Za-z0-9_-]+
parameter-in|error|validation.semantic|an operation-step parameter without 'in'
parameter-in-ignored|warning|validation.semantic|'in' on a parameter passed to a workflow
inputs-ref|error|validation.semantic|an inputs schema $ref that does not resolve
inputs-schema|error|validation.semantic|an inputs schema that is not JSON Schema 2020-12
depends-on|error|validation.dependencies|a step dependsOn naming no step, cyclic, or never run first
channel-path|error|validation.channels|a channelPath of no known form or naming no AsyncAPI channel
message-step|error/warning|validation.message_steps|AsyncAPI fields, parameters unfit for the target
message-server|error|validation.message_steps|no usable server for a message step (protocol, extra)
unknown-step|error|validation.references|$steps.<id> naming no step of the workflow
unknown-output|error|validation.references|an output no step or workflow declares
unknown-input|error|validation.references|an input a closed inputs schema cannot receive
undeclared-input|warning|validation.references|an input the workflow's inputs do not declare
unknown-workflow|error|validation.references|$workflows.<id> naming no workflow
unknown-source|error|validation.references|$sourceDescriptions.<name> naming no source or field
component-reference|error|validation.references|$components.<kind>.<name> naming nothing
dotted-name|warning|validation.references|member access by dots ($inputs.a.b) instead of #/b
step-output-order|error/warning|validation.references|an output read before set (1.1 no goto: error)
response-context|warning|validation.references|$response/$request where there is none
response-parameter|warning|validation.references|$response.query.x or $response.path.x (always null)
message-context|error|validation.references|$message (Arazzo 1.1) outside an AsyncAPI message step
self-base-uri|warning|validation.references|$self in a document without a $self field (its base URI)
embedded-unescaped|warning|validation.references|1.1 condition embedding {$...}: values not escaped
unreachable-step|warning|validation.warnings|a step no path reaches
goto-self-loop|warning|validation.warnings|a goto to its own step with no criteria
unused-output|warning|validation.warnings|a step output nothing reads
missing-success-criteria|warning|validation.warnings|an operation step without successCriteria
workflow-step-criteria|warning|validation.warnings|successCriteria on a workflow step (ignored)
reusable-value|warning|validation.warnings|'value' on an action reference (ignored)
jsonpath-null-test|warning|validation.warnings|a JSONPath '@.x != null' filter
jsonpath-goessner|warning|validation.warnings|a JSONPath comparison outside a filter ($.x != null)
regex-literal|warning|validation.warnings|a regex condition written as a JavaScript literal /^ok$/i
payload-json|error|validation.payloads|a JSON payload text that does not parse
template-quoted-json|warning|validation.payloads|"{$inputs.obj}": an object quoted into a string
path-parameter|error|validation.operations|a path parameter the operation needs is missing
undeclared-parameter|warning|validation.operations|a parameter the operation or workflow lacks
missing-workflow-input|error|validation.operations|a required input of a called workflow missing
unpassed-workflow-input|warning|validation.operations|an input a called workflow reads, not passed
no-response-body|warning|validation.operations|$response.body of an operation with no body
unused-ignore|warning|validation.optouts|an '# arazzo: ignore[...]' comment that silences nothing
"""

RULES: dict[str, Rule] = {
    fields[0]: Rule(*fields) for fields in (line.split("|") for line in _TABLE.strip().splitlines())
}
"""Every rule id, in the order a load meets them."""


NEEDS_SOURCES: tuple[str, ...] = (
    "source-unreadable",
    "source-remote",
    "source-type",
    "source-openapi",
    "source-asyncapi",
    "source-self",
    "source-scheme",
    "source-identity",
    "path-parameter",
    "no-response-body",
    "message-step",
    "message-server",
)
"""Rules that read the source descriptions: a check without them (``--no-sources``) cannot
run these at all."""

PARTLY_NEEDS_SOURCES: tuple[str, ...] = (
    "operation",
    "channel-path",
    "undeclared-parameter",
    "workflow-reference",
    "missing-workflow-input",
    "unpassed-workflow-input",
    "depends-on",
)
"""Rules that without the sources still check what the document alone says (an
operationPath's form, a source name it does not declare, its own workflows), but not the
operations or the workflows of other Arazzo documents."""


def close_rules(name: str) -> list[str]:
    """Rule ids that look like ``name``, best first: for "did you mean" in messages."""
    return difflib.get_close_matches(name, RULES, n=3, cutoff=0.6)
