"""The conformance scoreboard: the engine measured on test data other people wrote.

Run it with ``make conformance`` or ``python -m tests.conformance [--shared DIR]``.
It reads the shared corpora in place (never copies them) and prints one table:

* ``peer-expressions``: runtime-expression cases from other Arazzo projects
  (:mod:`tests.conformance.expressions`);
* ``peer-workflows``: workflow-execution cases from other engines, run through
  :class:`~arazzo_engine.http.mock.MockTransport` answering the scripted
  responses (:mod:`tests.conformance.workflows`);
* ``real-world``: public Arazzo documents, each loaded in a worker process
  with a time limit (:mod:`tests.conformance.realworld`);
* ``schema-tests``: the official Arazzo 1.1 schema test documents, each checked
  alone (:mod:`tests.conformance.schema_tests`).

A case whose expectation the corpus disputes (class ``b``: the peer is
non-standard, ``c``: the specification does not decide) is reported apart and
never counts as a failure.  Class ``a`` marks a case where the corpus judges
the *engine* wrong, so it counts like any other case.

No module here is named ``test_*.py``: pytest does not collect the runner;
``tests/test_conformance_runner.py`` tests it on a corpus it writes itself.
"""
