"""``python -m bench.intent``: how well the reply rules read replies written apart from them.

- ``corpus.jsonl`` holds the replies, each with the label a careful sales rep gives it (conventions in
  bench/README.md); :mod:`bench.intent.corpus` loads and checks it;
- :mod:`bench.intent.scoring` is the arithmetic: confusion matrix, accuracy, per-label precision,
  recall and F1, and the same for a group of labels (the hot ones);
- :mod:`bench.intent.baseline` is the floor: a naive classifier that looks for a handful of keywords;
- :mod:`bench.intent.run` classifies every reply with :func:`maxcore.rules.intent.classify` and with
  the baseline, and times both;
- :mod:`bench.intent.report` prints the figures, or gives them as JSON.
"""
