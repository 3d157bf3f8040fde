#!/usr/bin/env bash
# Runs browser_test.py (headless chromium over the DevTools protocol) on the bazel-built prism.
# -B: no __pycache__ beside the sources.
exec python3 -B tests/report/browser_test.py
