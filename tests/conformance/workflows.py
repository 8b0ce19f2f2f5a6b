"""The peer-workflows corpus: other engines' workflow tests, run with scripted answers.

A case (``cases/<peer>/<name>.yaml``) gives its files (inline text, or
``{from: path}`` under the corpus folder), the servers per source
(``{base}`` is the scripted server, ``{dead}`` a host that refuses every
connection), the scripted ``routes`` (plus ``route_sets`` files of routes),
``load_options`` for :meth:`Engine.load`, and either ``load_error`` (the load
must fail, its message holding each ``contains`` fragment) or ``runs``.

The engine runs each case with a :class:`~arazzo_engine.http.mock.MockTransport`
whose handler answers from the routes: the first route whose method, path
template (``{name}`` is one segment) and ``query`` (when given) match; its n-th
call gets its n-th response, the last one repeated.  A request no route
matches gets a 404.

What a run's ``expect`` may check, all against the engine's result and the
requests the transport saw during that run: ``succeeded``, ``outputs``
(equal), ``outputs_contain`` (these keys equal; a text value is a fragment
of the output), ``step_outputs`` (per step, its last execution's outputs hold
these values), ``error_contains``
(fragments of ``result.error``, any case), ``steps`` (the executed step ids,
in order), ``steps_run`` / ``steps_not_run``, ``executions`` (per step),
``requests`` (``METHOD /path`` in order), ``request_count``,
``request_checks`` (one request's method, path, query, headers, body...),
``min_elapsed`` / ``max_elapsed`` (seconds).  ``__BASE_URL__`` in an expected
value stands for the scripted server's URL.
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from arazzo_engine import Engine
from arazzo_engine.errors import ArazzoError, ArazzoValidationError, TransportError
from arazzo_engine.http.mock import MockTransport
from arazzo_engine.http.response import HttpResponse
from arazzo_engine.http.transport import HttpRequest
from arazzo_engine.results import RunResult
from tests.conformance.outcome import Outcome, dispute_class, same_json

CORPUS = "peer-workflows"
BASE = "http://peer.test"
DEAD = "http://refused.test"


# ------------------------------------------------------------------ the scripted server


def _segments_match(template: str, path: str) -> bool:
    want = template.strip("/").split("/")
    got = path.strip("/").split("/")
    if len(want) != len(got):
        return False
    for pattern, segment in zip(want, got, strict=True):
        if re.fullmatch(r"\{[^{}/]+\}", pattern):
            if not segment:
                return False
        elif unquote(segment) != pattern:
            return False
    return True


def _query_values(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


def _query_matches(wanted: Mapping[str, Any], query: str) -> bool:
    got = _query_values(query)
    for name, value in wanted.items():
        values = value if isinstance(value, list) else [value]
        if got.get(name) != [str(v) for v in values]:
            return False
    return True


def _response(spec: Mapping[str, Any]) -> HttpResponse:
    headers = dict(spec.get("headers") or {})
    if "content_type" in spec:
        headers["Content-Type"] = spec["content_type"]
    status = int(spec.get("status", 200))
    if "json" in spec:
        if "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        return HttpResponse(status, headers, text=json.dumps(spec["json"]))
    if "text" in spec:
        headers.setdefault("Content-Type", "text/plain")
        return HttpResponse(status, headers, text=str(spec["text"]))
    return HttpResponse(status, headers, content=b"")


class ScriptedServer:
    """The handler of the case's MockTransport: answers from its routes."""

    def __init__(self, routes: Sequence[Mapping[str, Any]]) -> None:
        self.routes = list(routes)
        self.calls = [0] * len(self.routes)
        self._lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" == DEAD:
            raise TransportError(f"connection refused by {parts.netloc}")
        for i, route in enumerate(self.routes):
            if str(route["method"]).upper() != request.method.upper():
                continue
            if not _segments_match(str(route["path"]), parts.path):
                continue
            if "query" in route and not _query_matches(route["query"], parts.query):
                continue
            with self._lock:
                n = self.calls[i]
                self.calls[i] += 1
            responses = route["responses"]
            return _response(responses[min(n, len(responses) - 1)])
        return HttpResponse(404, {"Content-Type": "text/plain"}, text="no scripted route")


# ------------------------------------------------------------------ a case's files


def _write_files(case: Mapping[str, Any], corpus: Path, folder: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name, spec in (case.get("files") or {}).items():
        if isinstance(spec, Mapping):
            text = (corpus / str(spec["from"])).read_text(encoding="utf-8")
        else:
            text = str(spec)
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        texts[name] = text
    return texts


def _is_arazzo(text: str) -> bool:
    return re.search(r"^arazzo\s*:", text, re.MULTILINE) is not None


def document_name(case: Mapping[str, Any], texts: Mapping[str, str]) -> str:
    """The document to load: ``document``, else the Arazzo file no other Arazzo file names."""
    if case.get("document"):
        return str(case["document"])
    arazzo = [name for name, text in texts.items() if _is_arazzo(text)]
    roots = [
        name
        for name in arazzo
        if not any(Path(name).name in texts[other] for other in arazzo if other != name)
    ]
    if len(roots) == 1:
        return roots[0]
    raise ValueError(f"cannot tell which file is the document among {sorted(arazzo)}")


def _servers(case: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(name): str(url).replace("{base}", BASE).replace("{dead}", DEAD)
        for name, url in (case.get("servers") or {}).items()
    }


def _routes(case: Mapping[str, Any], corpus: Path) -> list[Mapping[str, Any]]:
    routes = list(case.get("routes") or [])
    for name in case.get("route_sets") or []:
        routes.extend(yaml.safe_load((corpus / str(name)).read_text(encoding="utf-8")) or [])
    return routes


# ------------------------------------------------------------------ what a run must show


def _with_base(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("__BASE_URL__", BASE)
    if isinstance(value, list):
        return [_with_base(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _with_base(v) for k, v in value.items()}
    return value


def _request_line(request: HttpRequest) -> str:
    return f"{request.method.upper()} {urlsplit(request.url).path}"


def _header(request: HttpRequest, name: str) -> str | None:
    for key, value in request.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _body_text(request: HttpRequest) -> str:
    return (request.body or b"").decode("utf-8", "replace")


def _single(values: Mapping[str, list[str]]) -> dict[str, Any]:
    return {k: v[0] if len(v) == 1 else v for k, v in values.items()}


def _normalise(value: Any) -> Any:
    """Scripted query, form and header values are text: compare scalars as text."""
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


REQUEST_CHECKS = frozenset(
    {
        "index",
        "method",
        "path",
        "raw_path_contains",
        "raw_query",
        "query",
        "headers",
        "headers_startwith",
        "headers_absent",
        "content_type",
        "json",
        "form",
        "body_contains",
    }
)
RUN_CHECKS = frozenset(
    {
        "succeeded",
        "outputs",
        "outputs_contain",
        "step_outputs",
        "error_contains",
        "steps",
        "steps_run",
        "steps_not_run",
        "executions",
        "requests",
        "request_count",
        "request_checks",
        "min_elapsed",
        "max_elapsed",
    }
)
"""Every expectation the runner checks; a case asking for another one fails, saying so."""


def _unknown(keys: Mapping[str, Any], known: frozenset[str], where: str) -> list[str]:
    return [f"{where}: the runner does not check {key!r}" for key in sorted(set(keys) - known)]


def check_request(request: HttpRequest, check: Mapping[str, Any]) -> list[str]:
    """What differs between one request sent and the case's ``request_checks`` entry."""
    problems = _unknown(check, REQUEST_CHECKS, f"request check {check.get('index')}")
    parts = urlsplit(request.url)
    n = check.get("index")
    if "method" in check and request.method.upper() != str(check["method"]).upper():
        problems.append(f"request {n}: method {request.method}, expected {check['method']}")
    if "path" in check and unquote(parts.path) != check["path"]:
        problems.append(f"request {n}: path {parts.path}, expected {check['path']}")
    if "raw_path_contains" in check and check["raw_path_contains"] not in parts.path:
        problems.append(f"request {n}: path {parts.path} lacks {check['raw_path_contains']}")
    if "raw_query" in check and parts.query != check["raw_query"]:
        problems.append(f"request {n}: query {parts.query!r}, expected {check['raw_query']!r}")
    if "query" in check:
        got = _single(_query_values(parts.query))
        want = {k: _normalise(v) for k, v in (check["query"] or {}).items()}
        if got != want:
            problems.append(f"request {n}: query {got}, expected {want}")
    for name, value in (check.get("headers") or {}).items():
        if _header(request, name) != _normalise(value):
            problems.append(
                f"request {n}: header {name}={_header(request, name)!r}, expected {value!r}"
            )
    for name, prefix in (check.get("headers_startwith") or {}).items():
        if not (_header(request, name) or "").startswith(str(prefix)):
            problems.append(f"request {n}: header {name} does not start with {prefix!r}")
    for name in check.get("headers_absent") or []:
        if _header(request, name) is not None:
            problems.append(f"request {n}: header {name} sent, expected absent")
    if "content_type" in check:
        got_type = (_header(request, "Content-Type") or "").split(";")[0].strip()
        if got_type != check["content_type"]:
            problems.append(
                f"request {n}: content type {got_type!r}, expected {check['content_type']!r}"
            )
    if "json" in check:
        try:
            body = json.loads(_body_text(request))
        except ValueError:
            problems.append(f"request {n}: body is not JSON: {_body_text(request)[:80]!r}")
        else:
            if not same_json(body, check["json"]):
                want_body = json.dumps(check["json"])[:120]
                problems.append(f"request {n}: body {json.dumps(body)[:120]}, expected {want_body}")
    if "form" in check:
        got_form = _single(_query_values(_body_text(request)))
        want_form = {k: _normalise(v) for k, v in check["form"].items()}
        if got_form != want_form:
            problems.append(f"request {n}: form {got_form}, expected {want_form}")
    for fragment in check.get("body_contains") or []:
        if fragment not in _body_text(request):
            problems.append(f"request {n}: body lacks {fragment!r}")
    return problems


def _last_outputs(result: RunResult) -> dict[str, dict[str, Any]]:
    outputs: dict[str, dict[str, Any]] = {}
    for step in result.steps:
        outputs[step.step_id] = step.outputs
    return outputs


def check_run(
    result: RunResult, requests: Sequence[HttpRequest], expect: Mapping[str, Any], elapsed: float
) -> list[str]:
    """What differs between one run and its ``expect``."""
    problems = _unknown(expect, RUN_CHECKS, "expect")
    error = f" ({result.error})" if result.error else ""
    if "succeeded" in expect and result.succeeded is not expect["succeeded"]:
        problems.append(f"succeeded={result.succeeded}{error}, expected {expect['succeeded']}")
    if "outputs" in expect and not same_json(result.outputs, expect["outputs"]):
        problems.append(f"outputs {result.outputs}, expected {expect['outputs']}")
    for name, value in (expect.get("outputs_contain") or {}).items():
        got_value = result.outputs.get(name)
        if isinstance(value, str) and isinstance(got_value, str):
            if value not in got_value:
                problems.append(f"output {name}={got_value!r} lacks {value!r}")
        elif not same_json(got_value, value):
            problems.append(f"output {name}={got_value!r}, expected {value!r}")
    last = _last_outputs(result)
    for step_id, values in (expect.get("step_outputs") or {}).items():
        got = last.get(step_id)
        if got is None:
            problems.append(f"step {step_id} did not run")
            continue
        for name, value in values.items():
            if not same_json(got.get(name), value):
                problems.append(
                    f"step {step_id} output {name}={got.get(name)!r}, expected {value!r}"
                )
    for fragment in expect.get("error_contains") or []:
        if str(fragment).lower() not in (result.error or "").lower():
            problems.append(f"error {result.error!r} lacks {fragment!r}")
    ran = [step.step_id for step in result.steps]
    if "steps" in expect and ran != list(expect["steps"]):
        problems.append(f"steps {ran}, expected {expect['steps']}")
    for step_id in expect.get("steps_run") or []:
        if step_id not in ran:
            problems.append(f"step {step_id} did not run")
    for step_id in expect.get("steps_not_run") or []:
        if step_id in ran:
            problems.append(f"step {step_id} ran, expected not to")
    for step_id, count in (expect.get("executions") or {}).items():
        if ran.count(step_id) != count:
            problems.append(f"step {step_id} ran {ran.count(step_id)} times, expected {count}")
    lines = [_request_line(r) for r in requests]
    if "requests" in expect and lines != list(expect["requests"]):
        problems.append(f"requests {lines}, expected {expect['requests']}")
    if "request_count" in expect and len(requests) != expect["request_count"]:
        problems.append(f"{len(requests)} requests, expected {expect['request_count']}")
    for check in expect.get("request_checks") or []:
        index = int(check["index"])
        if index >= len(requests):
            problems.append(f"request {index} was never sent ({len(requests)} sent)")
            continue
        problems.extend(check_request(requests[index], check))
    if "min_elapsed" in expect and elapsed < float(expect["min_elapsed"]):
        problems.append(f"took {elapsed:.2f} s, expected at least {expect['min_elapsed']} s")
    if "max_elapsed" in expect and elapsed > float(expect["max_elapsed"]):
        problems.append(f"took {elapsed:.2f} s, expected at most {expect['max_elapsed']} s")
    return problems


# ------------------------------------------------------------------ one case


def load_failure(error: ArazzoError) -> str:
    """The rule ids and first message of a failed load, on one line."""
    if isinstance(error, ArazzoValidationError):
        errors = [d for d in error.errors if d.severity == "error"]
        rules = sorted({d.rule for d in errors})
        first = errors[0].message.splitlines()[0] if errors else str(error)
        return f"[{', '.join(rules)}] {first[:200]}"
    return f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"


CASE_FIELDS = frozenset(
    {
        "id",
        "origin",
        "adaptations",
        "peer_asserts",
        "dispute",
        "finding",
        "files",
        "document",
        "servers",
        "routes",
        "route_sets",
        "load_options",
        "load_error",
        "runs",
    }
)


def run_case(case: Mapping[str, Any], corpus: Path) -> list[str]:
    """Every way the engine's behaviour differs from what the case expects (empty: passed)."""
    unknown = _unknown(case, CASE_FIELDS, "case")
    if unknown:
        return unknown
    with tempfile.TemporaryDirectory(prefix="arazzo-peer-") as tmp:
        folder = Path(tmp)
        texts = _write_files(case, corpus, folder)
        document = folder / document_name(case, texts)
        transport = MockTransport(ScriptedServer(_routes(case, corpus)))
        options = dict(case.get("load_options") or {})
        try:
            engine = Engine.load(document, servers=_servers(case), transport=transport, **options)
        except ArazzoError as error:
            wanted = (case.get("load_error") or {}).get("contains")
            if wanted is None:
                return [f"load failed: {load_failure(error)}"]
            return [f"load error lacks {f!r}" for f in wanted if str(f) not in str(error)]
        if case.get("load_error") is not None:
            return ["loaded, the case expects a load error"]
        problems: list[str] = []
        for run in case.get("runs") or []:
            first = len(transport.requests)
            started = time.monotonic()
            expect = _with_base(run.get("expect") or {})
            try:
                result = engine.run(str(run["workflow"]), dict(run.get("inputs") or {}))
            except ArazzoError as error:
                problems.append(f"{run['workflow']}: run raised {type(error).__name__}: {error}")
                continue
            with result:
                elapsed = time.monotonic() - started
                found = check_run(result, transport.requests[first:], expect, elapsed)
            problems.extend(f"{run['workflow']}: {p}" for p in found)
        return problems


def origin_of(case: Mapping[str, Any], path: Path) -> str:
    origin = case.get("origin")
    if isinstance(origin, Mapping) and origin.get("repo"):
        return str(origin["repo"])
    return path.parent.name


def run(folder: Path) -> list[Outcome]:
    """Every case under ``folder/cases``, in path order."""
    outcomes: list[Outcome] = []
    for path in sorted((folder / "cases").rglob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            problems = run_case(case, folder)
        except Exception as error:  # an engine crash is a failure of this case only
            problems = [f"crash: {type(error).__name__}: {str(error)[:300]}"]
        outcomes.append(
            Outcome(
                CORPUS,
                origin_of(case, path),
                str(case.get("id", path.stem)),
                not problems,
                "; ".join(problems),
                dispute_class(case),
            )
        )
    return outcomes
