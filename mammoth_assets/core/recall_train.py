"""Train one fastText model in a fresh process: `python -m mammoth_assets.core.recall_train ARGS`.

fasttext-numpy2 0.10.4 keeps state between trainings in one process: after some models, later
trainings fail with "Encountered NaN" (seen after a unigram model, and after models of other
sizes). A child process per training isolates every run. Exit status 3 means the run diverged.
"""

from __future__ import annotations

import json
import sys

DIVERGED = 3


def main(argv: list[str]) -> int:
    import fasttext

    spec = json.loads(argv[0])
    try:
        model = fasttext.train_supervised(input=spec["input"], **spec["kwargs"])
    except RuntimeError as error:
        if "NaN" in str(error):
            print(str(error), file=sys.stderr)
            return DIVERGED
        raise
    model.save_model(spec["output"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
