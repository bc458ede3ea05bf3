"""Fit the answerability score (retrieval/answering/answerability.py) on public questions, and print how
well it holds up on collections it was not fitted on.

    pip install -e ".[fit]"                          # scikit-learn, for this script only
    python benchmarks/fit_answerability.py           # gather the features (minutes), fit, write
    python benchmarks/fit_answerability.py --refit   # fit again from the saved features only

Questions (all public): `../shared/eval/dev_qa.jsonl` and `benchmarks/questions/*.jsonl` about the
bundled articles; SQuAD 2.0 dev (answerable and unanswerable); samples of SQuAD, DRCD and CMRC's
answerable questions; and off-topic questions made by asking one set's questions of another
collection (SQuAD and DRCD questions of the bundled articles, the bundled questions of SQuAD's
articles, CMRC questions of SQuAD's and DRCD questions of CMRC's). Questions about the bundled
articles are a small part of the whole, so that the score fits other people's collections too.

Each question is asked with the embedding model and without it; the features of each (one row
per question and mode) are written to FEATURES, and one logistic regression per mode is fitted
on them (features standardised; every collection, and within it each class, weighing the same;
scikit-learn's lbfgs, which is deterministic). The thresholds
come from 5-fold cross-validated probabilities: `decline` is the highest at which at most
MAX_DECLINED_ANSWERABLE of any collection's answerable questions fall below it, `confident` the
lowest at which at most MAX_CONFIDENT_UNANSWERABLE of the unanswerable ones (every collection
weighing the same) reach it. The tables show per collection the AUC and the outcomes at those
thresholds, first with each collection scored by a model fitted on the other collections only
(how the score carries to a collection it has never seen), then with the 5-fold probabilities.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.answering.answerability import ANSWERABILITY_MODEL, LEXICAL_FEATURES, SEMANTIC_FEATURES  # noqa: E402

FEATURES = REPO / "benchmarks" / "answerability_features.csv"
EVAL = REPO.parent.parent / "shared" / "eval" if (REPO.parent.parent / "shared").exists() else REPO.parent / "shared" / "eval"
# The aim is at most 2% of answerable questions declined outright; 1% on the questions fitted on
# leaves room for collections and questions the score has never seen.
MAX_DECLINED_ANSWERABLE = 0.01
MAX_CONFIDENT_UNANSWERABLE = 0.10
SAMPLE = 300
OFF_TOPIC_SAMPLE = 120
SEED = 19
FOLDS = 5


def _questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _sample(items: list[dict], n: int, salt: str) -> list[dict]:
    items = list(items)
    random.Random(f"{SEED}-{salt}").shuffle(items)
    return items[:n]


def question_sets(eval_dir: Path) -> list[tuple[str, Path, list[tuple[str, str, bool]]]]:
    """(collection, corpus directory, [(id, question, answerable)]) for every set asked."""
    ext = eval_dir / "external"
    bundled = _questions(eval_dir / "dev_qa.jsonl")
    for extra in sorted((REPO / "benchmarks" / "questions").glob("*.jsonl")):
        bundled += _questions(extra)
    squad = _questions(ext / "squad-dev" / "queries.jsonl")
    drcd = _questions(ext / "drcd-dev" / "queries.jsonl")
    cmrc = _questions(ext / "cmrc2018-dev" / "queries.jsonl")
    squad2 = _questions(ext / "squad2-dev" / "queries.jsonl")

    def own(items):
        return [(q["id"], q["question"], q.get("answerable", True)) for q in items]

    def off(items, salt, n=OFF_TOPIC_SAMPLE):
        return [(f"off-{q['id']}", q["question"], False) for q in _sample(items, n, salt)]

    answerable_bundled = [q for q in bundled if q.get("answerable", True)]
    return [
        ("bundled", REPO / "corpus", own(bundled) + off(squad, "squad>bundled") + off(drcd, "drcd>bundled")),
        ("squad", ext / "squad-dev" / "corpus", own(_sample(squad, SAMPLE, "squad")) + off(answerable_bundled, "bundled>squad")
         + off(cmrc, "cmrc>squad")),
        ("drcd", ext / "drcd-dev" / "corpus", own(_sample(drcd, SAMPLE, "drcd")) + off(squad, "squad>drcd")),
        ("cmrc", ext / "cmrc2018-dev" / "corpus", own(_sample(cmrc, SAMPLE, "cmrc")) + off(drcd, "drcd>cmrc")),
        ("squad2", ext / "squad2-dev" / "corpus", own(squad2)),
    ]


def gather(eval_dir: Path, path: Path) -> None:
    """Ask every question with and without the model; write one row of features per question and mode."""
    from retrieval import Engine
    from retrieval.semantic.embedder import load_embedder
    from retrieval.text.language import detect_language
    from retrieval.answering.question import prepare_question

    embedder = load_embedder(True).embedder
    if embedder is None:
        sys.exit("error: the embedding model is not installed; it is needed for the semantic model's features")
    rows = []
    for collection, corpus, questions in question_sets(eval_dir):
        for mode, model in (("semantic", embedder), ("lexical", None)):
            engine = Engine.from_directory(corpus, embedder=model, embed_budget_seconds=None)
            for qid, question, answerable in questions:
                prepared = prepare_question(question)
                found = engine.assess(prepared, detect_language(prepared.text))
                if isinstance(found, str):
                    continue  # not searchable at all: declined before any score
                rows.append({"mode": mode, "embedder": embedder.identity if model else "", "collection": collection,
                             "id": qid, "answerable": int(answerable),
                             **{k: f"{v:.6g}" for k, v in found.evidence.as_dict().items()}})
            print(f"{collection} {mode}: {len(questions)} questions", file=sys.stderr, flush=True)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def read_features(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _balanced(y, groups):
    """Sample weights under which every collection, and within it each class, weighs the same:
    SQuAD 2.0's thousand questions do not drown the others, nor off-topic ones the answerable."""
    import numpy as np

    weights = np.ones(len(y))
    for group in set(groups):
        for label in (0, 1):
            chosen = (groups == group) & (y == label)
            if chosen.any():
                weights[chosen] = 1.0 / chosen.sum()
    return weights / weights.mean()


def _fit(x, y, groups):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    means = x.mean(axis=0)
    scales = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - means) / scales, y, sample_weight=_balanced(y, groups))
    return means.tolist(), scales.tolist(), model.coef_[0].tolist(), float(model.intercept_[0])


def _probabilities(x, means, scales, weights, intercept):
    import numpy as np

    z = intercept + ((x - np.array(means)) / np.array(scales)) @ np.array(weights)
    return 1 / (1 + np.exp(-z))


def fit(rows: list[dict]) -> tuple[dict, dict]:
    """The shipped model's content (both modes) fitted on feature rows, and the cross-validated
    probabilities by mode (collection, answerable, p) for the table."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    shipped, held_out = {}, {}
    for mode, names in (("semantic", SEMANTIC_FEATURES), ("lexical", LEXICAL_FEATURES)):
        chosen = [r for r in rows if r["mode"] == mode]
        x = np.array([[float(r[n]) for n in names] for r in chosen])
        y = np.array([int(r["answerable"]) for r in chosen])
        groups = np.array([r["collection"] for r in chosen])
        p = np.zeros(len(y))
        for group in sorted(set(groups)):
            inside = groups != group
            p[~inside] = _probabilities(x[~inside], *_fit(x[inside], y[inside], groups[inside]))
        folds = np.zeros(len(y))
        for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, y):
            folds[test] = _probabilities(x[test], *_fit(x[train], y[train], groups[train]))
        decline, confident = _thresholds(folds, y, groups)
        means, scales, weights, intercept = _fit(x, y, groups)
        shipped[mode] = {"embedder": chosen[0]["embedder"] or None, "features": list(names), "means": means, "scales": scales, "weights": weights,
                         "intercept": intercept, "decline": decline, "confident": confident}
        held_out[mode] = {"held-out collection (fitted on the other collections)": (groups, y, p),
                          f"{FOLDS}-fold cross-validation (stratified, all collections; the thresholds come from these)": (groups, y, folds)}
    return shipped, held_out


def _thresholds(p, y, groups) -> tuple[float, float]:
    """See the module's docstring: (decline, confident) from held-out probabilities."""
    import numpy as np

    declines = [float(np.quantile(p[(groups == g) & (y == 1)], MAX_DECLINED_ANSWERABLE, method="lower"))
                for g in sorted(set(groups)) if ((groups == g) & (y == 1)).any()]
    decline = min(declines)
    unanswerable = [(p[(groups == g) & (y == 0)]) for g in sorted(set(groups)) if ((groups == g) & (y == 0)).any()]
    candidates = np.unique(np.concatenate(unanswerable))
    confident = 1.0
    for t in candidates[::-1]:
        if np.mean([np.mean(values >= t) for values in unanswerable]) > MAX_CONFIDENT_UNANSWERABLE:
            break
        confident = float(t)
    # Rounded down and up to the 6 decimals shipped, so that rounding moves no question across.
    decline = math.floor(decline * 1e6) / 1e6
    return decline, max(math.ceil(confident * 1e6) / 1e6, decline)


def _auc(y, p) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def print_table(shipped: dict, held_out: dict) -> None:
    import numpy as np

    for mode, tables in held_out.items():
        for title, (groups, y, p) in tables.items():
            decline, confident = shipped[mode]["decline"], shipped[mode]["confident"]
            print(f"\n## {mode}, {title}; decline < {decline:.3f} <= not sure < {confident:.3f} <= confident")
            print("| collection | answerable | unanswerable | AUC | answerable declined | answerable not sure "
                  "| unanswerable declined | unanswerable declined or not sure | unanswerable confident |")
            print("|---|---|---|---|---|---|---|---|---|")
            for group in sorted(set(groups)) + ["all"]:
                inside = np.ones(len(y), bool) if group == "all" else groups == group
                a, u = p[inside & (y == 1)], p[inside & (y == 0)]
                auc = _auc(y[inside], p[inside])

                def share(values, test):
                    return f"{np.mean(test(values)):.3f}" if len(values) else "-"

                print(f"| {group} | {len(a)} | {len(u)} | {'-' if auc is None else f'{auc:.3f}'} | {share(a, lambda v: v < decline)} "
                      f"| {share(a, lambda v: (v >= decline) & (v < confident))} | {share(u, lambda v: v < decline)} | {share(u, lambda v: v < confident)} "
                      f"| {share(u, lambda v: v >= confident)} |")


def model_content(shipped: dict) -> dict:
    """The shipped file's content: both modes, numbers rounded to 8 decimals."""
    return {"fitted_by": "python benchmarks/fit_answerability.py --refit (features: benchmarks/answerability_features.csv)",
               **{mode: {k: ([round(v, 8) for v in value] if isinstance(value, list) and value and isinstance(value[0], float)
                             else round(value, 8) if isinstance(value, float) and k not in ("decline", "confident") else value) for k, value in model.items()}
                  for mode, model in shipped.items()}}


def write_model(shipped: dict, path: Path = ANSWERABILITY_MODEL) -> None:
    path.write_text(json.dumps(model_content(shipped), indent=1) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refit", action="store_true", help="fit from the saved features, without asking again")
    parser.add_argument("--eval-dir", type=Path, default=EVAL, help="the shared evaluation data (default: %(default)s)")
    args = parser.parse_args()
    if not args.refit:
        gather(args.eval_dir, FEATURES)
    shipped, held_out = fit(read_features(FEATURES))
    print_table(shipped, held_out)
    write_model(shipped)
    print(f"\nwrote {ANSWERABILITY_MODEL.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
