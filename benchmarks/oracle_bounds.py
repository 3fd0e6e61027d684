"""What any engine could reach on a simulated world of `simulate_adaptive --world`: the calls of an oracle
that knows the world's true model and its true prior, from n answers per (learner, section).

    .venv/bin/python benchmarks/oracle_bounds.py WORLD.json [--answers 3 4 6 8 12] [--pairs 40000]

For each n: the share of the oracle's calls (mastered when the true posterior probability is >= 0.5) that
are right, the naive rule's (share right >= 0.8) on the same answers, and the AUC of the oracle's posterior.
Answers are to questions of the section's mean true difficulty; real banks spread difficulty, which only
adds noise. Prints a table, then one JSON line. No database, no Django.
"""

import argparse
import json
import math

import numpy as np


def auc(scores, labels):
    scores, labels = np.asarray(scores, float), np.asarray(labels, bool)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(sorted_scores):
        j = i
        while j < len(sorted_scores) and sorted_scores[j] == sorted_scores[i]:
            j += 1
        ranks[order[i:j]] = (i + j + 1) / 2
        i = j
    pos = labels.sum()
    neg = len(labels) - pos
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else float("nan")


def oracle(world: dict, n: int, pairs: int, rng) -> dict:
    if world["kind"] == "binary":
        p_know, right_known, right_unknown = (world.get("p_know", 0.4), world.get("p_right_known", 0.9),
                                              world.get("p_right_unknown", 0.25))
        truth = rng.random(pairs) < p_know
        k = rng.binomial(n, np.where(truth, right_known, right_unknown))
        known = p_know * right_known**k * (1 - right_known) ** (n - k)
        unknown = (1 - p_know) * right_unknown**k * (1 - right_unknown) ** (n - k)
        posterior = known / (known + unknown)
    else:
        guess, mean, sd = world.get("guess", 0.2), world.get("theta_mean", 0.0), world.get("theta_sd", 1.5)
        line = math.log((0.85 - guess) / 0.15)  # guess + (1 - guess) logistic(line) = 0.85
        theta = rng.normal(mean, sd, pairs)
        truth = theta >= line
        k = rng.binomial(n, guess + (1 - guess) / (1 + np.exp(-theta)))
        grid = np.linspace(mean - 8 * sd, mean + 8 * sd, 2001)
        prior = np.exp(-0.5 * ((grid - mean) / sd) ** 2)
        p = guess + (1 - guess) / (1 + np.exp(-grid))
        table = np.array([(prior * p**j * (1 - p) ** (n - j))[grid >= line].sum() / (prior * p**j * (1 - p) ** (n - j)).sum()
                          for j in range(n + 1)])
        posterior = table[k]
    return {"answers": n, "oracle_accuracy": round(float(np.mean((posterior >= 0.5) == truth)), 4),
            "naive_accuracy": round(float(np.mean((k / n >= 0.8) == truth)), 4),
            "oracle_auc": round(auc(posterior, truth), 4)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("world")
    parser.add_argument("--answers", type=int, nargs="+", default=[3, 4, 6, 8, 12])
    parser.add_argument("--pairs", type=int, default=40000)
    args = parser.parse_args()
    with open(args.world, encoding="utf-8") as f:
        world = json.load(f)
    rng = np.random.default_rng(world.get("seed", 0))
    rows = [oracle(world, n, args.pairs, rng) for n in args.answers]
    print(f"{'answers':>8}{'oracle right':>14}{'naive right':>13}{'oracle AUC':>12}")
    for r in rows:
        print(f"{r['answers']:>8}{r['oracle_accuracy']:>14.3f}{r['naive_accuracy']:>13.3f}{r['oracle_auc']:>12.3f}")
    print(json.dumps({"world": args.world, "rows": rows}))


if __name__ == "__main__":
    main()
