"""``python -m bench.scheduler``: the hourly prospection job over many tenants, against a naive loop.

- :mod:`bench.scheduler.dataset` builds deterministic tenants whose prospects' first step is due now,
  stored as the product stores them (enrollments in the sharded due index);
- :mod:`bench.scheduler.providers` runs the fake Twilio and Resend the real SDKs send to, and tells
  which step each accepted message is;
- :mod:`bench.scheduler.counting` counts every DynamoDB request (bench/alerts' counter, on every item
  class) and the SSM reads of the credentials;
- :mod:`bench.scheduler.paths` runs the project's job (``Sequencer.run_shard`` per tenant and shard)
  and the naive loop (one enrollments Query per prospect, everything read again per prospect);
- :mod:`bench.scheduler.crash` runs two worker processes (:mod:`bench.scheduler.worker`) on the same
  shards, kills one with SIGKILL mid-send, runs again after the lease, and counts duplicate sends and
  lost steps;
- :mod:`bench.scheduler.report` prints the figures side by side, with the checks.
"""
