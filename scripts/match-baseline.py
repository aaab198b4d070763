#!/usr/bin/env python3
"""The matching benchmark's peer: TF-IDF cosine top-k with scikit-learn, on the same postings and learners.

    python3 scripts/match-baseline.py FOLDER K

FOLDER holds postings.tsv and learners.tsv (index TAB text, one per line) and ours.tsv (learner index TAB the
posting indices Pathways ranked, best first). Prints one JSON object: the peer's times, its peak memory, and the
recall of its top-k in Pathways' top-k. Synthetic postings share words, so many score exactly alike; recall counts
one of our picks as agreeing when the peer scores it at least as high as the peer's own k-th best (tie-aware), and
also reports the plain set overlap, the share of our picks the peer scores within 5% of its k-th best, and, when FOLDER has occupations.tsv (index TAB O*NET-SOC code), the share of
the peer's top-k whose occupation is among the occupations of ours.
"""
import os
import json
import resource
import sys
import time

import numpy as np
from sklearn import __version__ as sklearn_version
from sklearn.feature_extraction.text import TfidfVectorizer


def read(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t", 1)[1] for line in f]


def main():
    folder, k = sys.argv[1], int(sys.argv[2])
    postings = read(f"{folder}/postings.tsv")
    learners = read(f"{folder}/learners.tsv")
    ours = []
    with open(f"{folder}/ours.tsv", encoding="utf-8") as f:
        for line in f:
            _, picks = line.rstrip("\n").split("\t")
            ours.append([int(p) for p in picks.split(",") if p])

    occupation = None
    if os.path.exists(f"{folder}/occupations.tsv"):
        occupation = read(f"{folder}/occupations.tsv")

    t0 = time.perf_counter()
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
    P = vectorizer.fit_transform(postings)
    L = vectorizer.transform(learners)
    PT = P.T.tocsr()
    t1 = time.perf_counter()

    k = min(k, P.shape[0] - 1)
    agree = near = overlap = wanted = same_kind = 0
    chunk = 256
    for start in range(0, len(learners), chunk):
        scores = (L[start:start + chunk] @ PT).toarray()
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        for row in range(scores.shape[0]):
            mine = ours[start + row]
            best = top[row][np.argsort(-scores[row, top[row]], kind="stable")]
            kth = scores[row, best[-1]]
            if kth <= 0:
                continue  # the peer finds nothing for this learner
            wanted += min(k, len(mine)) if mine else k
            agree += sum(1 for p in mine if scores[row, p] >= kth - 1e-7)
            near += sum(1 for p in mine if scores[row, p] >= 0.95 * kth)
            overlap += len(set(mine) & set(best.tolist()))
            if occupation is not None:
                kinds = {occupation[p] for p in mine}
                same_kind += sum(1 for p in best.tolist() if occupation[p] in kinds)
    t2 = time.perf_counter()
    print(json.dumps({
        "version": sklearn_version,
        "index_seconds": t1 - t0,
        "rank_seconds": t2 - t1,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tie_aware_recall": agree / wanted if wanted else 0.0,
        "overlap_recall": overlap / wanted if wanted else 0.0,
        "near_recall": near / wanted if wanted else 0.0,
        "learners_scored": wanted // k if k else 0,
        "occupation_recall": same_kind / wanted if wanted and occupation is not None else None,
    }))


if __name__ == "__main__":
    main()
