#!/usr/bin/env bash
# Runs browser_test.py (headless chromium over the DevTools protocol) on the bazel-built prism.
exec python3 tests/report/browser_test.py
