"""Runs schemathesis's command line, working around CPython 3.11's
`SystemError: AST constructor recursion depth mismatch` (gh-106905). Hypothesis can
hit it while it parses source code only to name a filter in a strategy's repr; the
name then falls back to a plain description instead of the operation failing with a
"Runtime Error" that says nothing about the API under test."""

import sys

from schemathesis.cli import schemathesis

try:
    # a Hypothesis without this module names lambdas another way: nothing to mend
    import hypothesis.internal.lambda_sources as sources
except ImportError:
    sources = None

if sources is not None and hasattr(sources, "lambda_description"):
    _describe = sources.lambda_description

    def describe(f):
        try:
            return _describe(f)
        except SystemError:
            return "lambda (source not shown)"

    sources.lambda_description = describe

sys.exit(schemathesis())
