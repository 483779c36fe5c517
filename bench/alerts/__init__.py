"""``python -m bench.alerts``: the cost of a tenant's alert generation, against a naive per-lead way.

- :mod:`bench.alerts.dataset` builds a deterministic tenant (leads and their activities) and stores it
  as the product's write path would have: each lead item carries the summary of its activities;
- :mod:`bench.alerts.counting` counts every DynamoDB request pynamodb sends, through botocore's
  event hooks, with the items and bytes read and the items written;
- :mod:`bench.alerts.paths` runs the project's generation (:class:`maxcore.services.alerts.AlertService`)
  and the naive one (one activities Query per lead, the summary rebuilt from the activities);
- :mod:`bench.alerts.report` prints the figures side by side, with the checks of the spec.
"""
