"""Arazzo 1.1 ``channelPath`` references, checked on the document alone.

The schema takes any string, but a ``channelPath`` must name an AsyncAPI
channel of a declared source: ``{$sourceDescriptions.<name>.url}#/channels/<key>``
(the ``operationPath`` form) or ``$sourceDescriptions.<name>#/channels/<key>``,
the pointer reaching ``/channels/*`` or ``/components/channels/*``.  Whether the
channel exists needs the source: the plan looks it up
(:mod:`arazzo_engine.load.targets`), with the same rule id.

Rule id: ``channel-path`` (error) a ``channelPath`` of neither form, naming an
undeclared source, or a source declared as another type.
"""

from __future__ import annotations

import re

from arazzo_engine.load.pointers import child
from arazzo_engine.load.versions import ASYNCAPI
from arazzo_engine.model import ArazzoDocument
from arazzo_engine.validation.common import Findings

__all__ = ["check_channel_paths"]

_FORM = re.compile(
    r"^(?:\{\$sourceDescriptions\.(?P<braced>[A-Za-z0-9_\-]+)\.url\}"
    r"|\$sourceDescriptions\.(?P<bare>[A-Za-z0-9_\-]+))"
    r"#/(?:components/)?channels/[^/]+$"
)
_FORMS = (
    "'{$sourceDescriptions.<name>.url}#/channels/<channel>' or "
    "'$sourceDescriptions.<name>#/channels/<channel>'"
)


def check_channel_paths(findings: Findings, document: ArazzoDocument) -> None:
    """Each step ``channelPath`` has a known form and names a declared AsyncAPI source."""
    for workflow in document.workflows:
        for step in workflow.steps:
            path = step.channel_path
            if path is None:
                continue
            pointer = child(step.pointer, "channelPath")
            match = _FORM.match(path)
            if match is None:
                findings.error(
                    "channel-path",
                    f"channelPath '{path}' of step '{step.step_id}' must read {_FORMS}",
                    pointer,
                )
                continue
            name = match.group("braced") or match.group("bare")
            source = document.source(name)
            if source is None:
                declared = ", ".join(s.name for s in document.source_descriptions) or "none"
                findings.error(
                    "channel-path",
                    f"channelPath '{path}' names source '{name}', which this document does "
                    f"not declare (declared: {declared})",
                    pointer,
                )
            elif source.type not in (None, ASYNCAPI):
                findings.error(
                    "channel-path",
                    f"channelPath '{path}' names source '{name}', declared 'type: "
                    f"{source.type}'; a channel belongs to an AsyncAPI source (type: asyncapi)",
                    pointer,
                )
