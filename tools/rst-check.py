#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Parse reStructuredText files with docutils; fail on any warning.

  tools/rst-check.py FILE.rst ...

The kernel's Sphinx extensions are not docutils': their directives
(kernel-doc) are accepted with their arguments and options and produce
nothing, so that only the document's own markup is checked (make
kerneldoc checks what kernel-doc includes).
"""

import signal
import sys

try:
    import docutils.core
    import docutils.utils
    from docutils.parsers.rst import Directive, directives
except ImportError:
    print("rst-check: python3-docutils is not installed (make setup)",
          file=sys.stderr)
    sys.exit(2)


class Ignored(Directive):
    """A Sphinx-only directive: arguments and options taken, no output."""
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = None

    def run(self):
        return []


class AnyOption(dict):
    """Accept every option of an ignored directive."""

    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return directives.unchanged


Ignored.option_spec = AnyOption()


def check(path):
    """0 if @path parses without a warning; else 1, the message printed."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    settings = {"report_level": docutils.utils.Reporter.WARNING_LEVEL,
                "halt_level": docutils.utils.Reporter.WARNING_LEVEL,
                "warning_stream": sys.stderr,
                "file_insertion_enabled": False,
                "raw_enabled": False}
    try:
        docutils.core.publish_doctree(text, source_path=path,
                                      settings_overrides=settings)
    except docutils.utils.SystemMessage:
        return 1
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)     # quiet under head(1)
    directives.register_directive("kernel-doc", Ignored)
    bad = 0
    for path in sys.argv[1:]:
        n = check(path)
        if n:
            print(f"rst-check: {path}: FAILED (above)", file=sys.stderr)
            bad += 1
        else:
            print(f"rst-check: {path}: clean")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
