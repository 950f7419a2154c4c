"""Reads a subunit v2 stream on stdin; writes one JSON line per test: id, status, seconds, and why it was skipped
or what failed. berth turns these lines into events and JUnit test cases."""
import json
import sys

import subunit
import testtools

KEEP_DETAILS = 16_000


def emit(test):
    if test["status"] not in ("success", "fail", "skip", "xfail", "uxsuccess"):
        return
    start, stop = test["timestamps"]
    seconds = (stop - start).total_seconds() if start and stop else 0.0
    details = {}
    for name, content in test["details"].items():
        if name in ("reason", "traceback", "pythonlogging"):
            text = "".join(chunk.decode("utf-8", "replace") for chunk in content.iter_bytes())
            details[name] = text[-KEEP_DETAILS:]
    # Tempest names carry their tags: tempest.api.identity...test_x[id-...,smoke]; a class whose setup failed
    # is reported as "setUpClass (tempest.api....SomeTest)", named here as that class's setUpClass.
    test_id = test["id"].split("[", 1)[0]
    if test_id.startswith("setUpClass (") or test_id.startswith("tearDownClass ("):
        fixture, _, owner = test_id.partition(" (")
        test_id = owner.rstrip(")") + "." + fixture
    print(json.dumps({"id": test_id, "status": test["status"], "seconds": round(seconds, 3), **details}), flush=True)


def main():
    stream = subunit.ByteStreamToStreamResult(sys.stdin.buffer, non_subunit_name="stdout")
    result = testtools.StreamToDict(emit)
    result.startTestRun()
    try:
        stream.run(result)
    finally:
        result.stopTestRun()


main()
