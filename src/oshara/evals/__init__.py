"""The tool-calling eval (issue 6): scripted text-mode conversations scored through the real
agent runtime. Data in ``evals/`` (``cases.json``, ``characters.json``, ``kb/``); command
``oshara eval``; definitions of the figures in ``docs/evals.md`` and
:mod:`oshara.evals.scoring`."""
