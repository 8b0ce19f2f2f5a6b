"""Whether one step can run before another: the stopping search agrees with the full closure."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_engine.load.model_builder import build_model
from arazzo_engine.load.reader import read_document
from arazzo_engine.validation.flow import StepGraph, _closure, _reaches


@st.composite
def graphs(draw: st.DrawFn) -> list[frozenset[int]]:
    size = draw(st.integers(1, 9))
    node = st.integers(0, size - 1)
    return [frozenset(draw(st.sets(node, max_size=3))) for _ in range(size)]


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_reaches_is_membership_in_the_closure(successors: list[frozenset[int]]) -> None:
    for start in range(len(successors)):
        closure = _closure(successors, start)
        for goal in range(len(successors)):
            assert _reaches(successors, start, goal) == (goal in closure)


def test_a_chain_a_loop_and_a_dead_end() -> None:
    chain = [frozenset({1}), frozenset({2}), frozenset()]
    assert _reaches(chain, 0, 2)
    assert not _reaches(chain, 2, 0)
    assert not _reaches(chain, 1, 1)  # one or more moves: a step does not follow itself
    loop = [frozenset({1}), frozenset({0})]
    assert _reaches(loop, 0, 0)
    assert _reaches(loop, 1, 1)


def test_a_step_position_is_the_first_with_its_id(tmp_path: Path) -> None:
    doc = tmp_path / "flow.arazzo.yaml"
    doc.write_text(
        "arazzo: 1.0.1\n"
        "info: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: api.yaml, type: openapi}]\n"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        "  - {stepId: a, operationId: x}\n"
        "  - {stepId: b, operationId: x}\n"
        "  - {stepId: a, operationId: x}\n"
    )
    document, _ = build_model(read_document(doc))
    assert document is not None
    workflow = document.workflows[0]
    graph = StepGraph.build(workflow, document.components)
    for step_id in ("a", "b", "c"):
        assert graph.index(step_id) == workflow.step_index(step_id)
    assert [graph.index(s) for s in ("a", "b", "c")] == [0, 1, None]
