"""Running a plan: the step loop and what it reports.

* :mod:`~arazzo_engine.run.interpreter` - workflows and the step loop
  (dependencies, next / end / goto / retry, outputs);
* :mod:`~arazzo_engine.run.steps` - one step execution: perform the call or
  the child workflow, judge the success criteria, evaluate the outputs;
* :mod:`~arazzo_engine.run.actions` - choosing a step's action (retry limits,
  the retry's wait) as one :class:`~arazzo_engine.run.actions.Decision`;
* :mod:`~arazzo_engine.run.context` - the state expressions read from;
* :mod:`~arazzo_engine.run.observer` - the interface everything is reported
  to, and the silent observer of a run without a listener;
  :mod:`~arazzo_engine.run.event_observer` and
  :mod:`~arazzo_engine.run.event_builders` turn the reports into redacted events;
* :mod:`~arazzo_engine.run.retry_timing` - ``Retry-After`` and ``retryAfter``.

The loop depends on source kinds only through :mod:`arazzo_engine.sources.call`.
"""

__all__: list[str] = []
