"""The benchmarks' Send Phone Message action: the "phone" is a file per number in a directory.

The Custom provider runs it inside the server (no network), so a flow's cost is phonemfa's own.
PHONEMFA_BENCH_CODES names the directory; the load generator reads the code from there.
"""

import os


def on_execute_send_phone_message(event, api):
    options = event["message_options"]
    path = os.path.join(os.environ["PHONEMFA_BENCH_CODES"], options["recipient"])
    with open(path, "w") as phone:
        phone.write(options["code"])
    return {"id": "bench"}
