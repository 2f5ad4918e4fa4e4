"""elicense_demo: the demo city that ``elicense demo`` founds, and its phases.

Not part of the library: ``elicense`` never imports this package; the
``elicense demo`` command loads it inside the command. Modules:

- :mod:`elicense_demo.scenario` — the city: departments, license and approval
  types, applicants (also used by tests and benchmarks);
- :mod:`elicense_demo.run` — :func:`~elicense_demo.run.run_demo`, the demo end to end;
- :mod:`elicense_demo.reuse_scenario` and :mod:`elicense_demo.reuse_run` — the
  reuse phase's sharing lists and the phase itself;
- :mod:`elicense_demo.reuse_phase` and :mod:`elicense_demo.log_phase` — the
  reuse and transparency-log phases wired to :mod:`elicense_sql`, and their text;
- :mod:`elicense_demo.cli` — the body of the ``elicense demo`` command.

Progress bars use ``tqdm`` when it is installed (``pip install 'elicense[demo]'``);
without it the demo prints plain progress lines instead.
"""
