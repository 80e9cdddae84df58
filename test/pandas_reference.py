#!/usr/bin/env python3
"""Reference answers for the cross-check test, computed the way a pandas user would.

Reads JSON on stdin: {"paths": [...files or dirs...], "queries": [...AnalysisQuery + "from"/"to" in epoch ms...]}
Writes JSON on stdout: {"rows": <kept>, "skipped": {reason: count}, "answers": [one per query]}.

Answer shapes:
  summary / compare / anomalies: {"columns": {name: [values...]}, "order": [names...]}
  trend:                          {"series": [{"labels": {...}, "time": [ms...], "values": [...]}]}
  correlation:                    {"metrics": [...], "matrix": [[...]], "pairs": [[...]]}
Times in answers are integer microseconds since the epoch (UTC) for rows, epoch ms for trend buckets.
NaN / None are written as null, infinities as the strings "Infinity" / "-Infinity".
"""

import datetime as dt
import gzip
import json
import math
import os
import re
import sys

import numpy as np
import pandas as pd

KEY_FIELDS = ("timestamp", "model", "latency_ms")
NUMERIC_FIELDS = ("latency_ms", "batch_size", "gpu_util", "memory_used_gb")
DEFAULT_THRESHOLDS = {"zscore": 3.0, "mad": 3.5, "iqr": 1.5}
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
QUANTILES = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p999": 0.999}
EPOCH = dt.datetime(1970, 1, 1)
ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)
SUCCESS_RE = re.compile(r"^2\d\d$")


# ---------------------------------------------------------------------------------------------------------------
# Reading


ROTATED_RE = re.compile(r"^(.*?)(?:\.(\d+))?(?:\.gz)?$")


def rotation_key(name):
    """Rotated files oldest first: app.log.2.gz, app.log.1, app.log."""
    m = ROTATED_RE.match(name)
    return (m.group(1), -int(m.group(2) or 0), name)


def list_files(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for n in sorted(names, key=rotation_key):
                    files.append(os.path.join(root, n))
        else:
            files.append(p)
    return files


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    # A trailing newline ends the last line; it does not start an empty one.
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        yield line[:-1] if line.endswith("\r") else line


def parse_time_us(value):
    """Integer microseconds since the epoch (UTC), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        a = abs(value)
        if a < 10**11:
            return value * 1_000_000
        if a < 10**14:
            return value * 1000
        if a < 10**17:
            return value
        return value // 1000
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        a = abs(value)
        if a < 1e11:
            return int(round(value * 1e6))
        if a < 1e14:
            return int(round(value * 1e3))
        if a < 1e17:
            return int(round(value))
        return int(round(value / 1e3))
    if not isinstance(value, str):
        return None
    m = ISO_RE.match(value.strip())
    if not m:
        return None
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    try:
        t = dt.datetime(year, month, day, hour, minute, second, int(frac))
    except ValueError:
        return None
    us = (t - EPOCH) // dt.timedelta(microseconds=1)
    tz = m.group(8)
    if tz and tz not in ("Z", "z"):
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset_min = int(digits[:2]) * 60 + int(digits[2:])
        us -= sign * offset_min * 60_000_000
    return us


def to_float(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return np.nan
    f = float(value)
    return f if math.isfinite(f) else np.nan


def is_error(status):
    if status is None:
        return False
    if isinstance(status, bool):
        text = str(status)
    elif isinstance(status, (int, float)):
        text = str(int(status)) if isinstance(status, float) and status.is_integer() else str(status)
    else:
        text = str(status)
    text = text.strip()
    return not (text.lower() in ("success", "ok") or SUCCESS_RE.match(text))


def load(paths):
    skipped = {}

    def skip(reason):
        skipped[reason] = skipped.get(reason, 0) + 1

    records = []
    extra_keys = []
    for path in list_files(paths):
        for line in read_lines(path):
            if line.strip() == "":
                skip("blank")
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                skip("invalid_json")
                continue
            if not isinstance(obj, dict):
                skip("not_an_object")
                continue
            # Reasons named as the engine names them; each noise line has exactly one problem.
            if obj.get("timestamp") is None:
                skip("missing_timestamp")
                continue
            t = parse_time_us(obj["timestamp"])
            if t is None:
                skip("invalid_timestamp")
                continue
            if obj.get("model") is None or obj.get("model") == "":
                skip("missing_model")
                continue
            if "latency_ms" not in obj:
                skip("missing_latency")
                continue
            row = {
                "time": t,
                "request_id": obj.get("request_id"),
                "model": str(obj["model"]),
                "error": is_error(obj.get("status")),
            }
            for k in NUMERIC_FIELDS:
                row[k] = to_float(obj.get(k))
            for k, v in obj.items():
                if k in row or k in ("timestamp", "status") or k in NUMERIC_FIELDS:
                    continue
                if k not in extra_keys:
                    extra_keys.append(k)
                if isinstance(v, str):
                    row[k] = v
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    row[k] = to_float(v)
                else:
                    row[k] = None
            records.append(row)
    columns = ["time", "request_id", "model", "error", *NUMERIC_FIELDS, *extra_keys]
    df = pd.DataFrame.from_records(records, columns=columns)
    df["time"] = df["time"].astype("int64")
    # Time order, ties in reading order (stable sort), as the rows of a log would be analysed.
    df = df.sort_values("time", kind="mergesort").reset_index(drop=True)
    df["error"] = df["error"].astype(bool)
    for k in NUMERIC_FIELDS:
        df[k] = df[k].astype("float64")
    # LLM measures derived from the token counts and the time to first token, where the logs have them.
    if "output_tokens" in df:
        lat, out = df["latency_ms"], df["output_tokens"].astype("float64")
        df["output_tokens_per_s"] = (out / (lat / 1000)).where((lat > 0) & (out >= 0))
        if "ttft_ms" in df:
            ttft = df["ttft_ms"].astype("float64")
            df["tpot_ms"] = ((lat - ttft) / (out - 1)).where((out > 1) & (lat >= ttft))
    return df, skipped


# ---------------------------------------------------------------------------------------------------------------
# Queries


def select(df, q):
    mask = pd.Series(True, index=df.index)
    if q.get("from") is not None:
        mask &= df["time"] >= int(q["from"]) * 1000
    if q.get("to") is not None:
        mask &= df["time"] <= int(q["to"]) * 1000
    for field, accepted in (q.get("filters") or {}).items():
        if field not in df.columns:
            mask &= False
            continue
        mask &= df[field].isin(accepted)
    return df[mask]


def clean(v):
    """JSON-ready scalar: NaN/inf/None to None, numpy to python."""
    if v is None:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isinf(f):
            # JSON has no infinities; the test reads these back as numbers.
            return "Infinity" if f > 0 else "-Infinity"
        return f if math.isfinite(f) else None
    return v


def groups_of(df, group_by):
    """(labels dict, sub-frame) per group, sorted keys, missing keys dropped (pandas groupby defaults)."""
    if not group_by:
        return [({}, df)]
    out = []
    # A single key passed as a scalar, so pandas yields scalar keys.
    keys = group_by[0] if len(group_by) == 1 else group_by
    for key, sub in df.groupby(keys, sort=True, dropna=True):
        key = key if isinstance(key, tuple) else (key,)
        out.append((dict(zip(group_by, key)), sub))
    return out


def table(rows, order):
    return {"order": order, "columns": {name: [clean(r[name]) for r in rows] for name in order}}


def duration_s(sel, q):
    if q.get("from") is not None and q.get("to") is not None:
        d = (int(q["to"]) - int(q["from"])) / 1000
    elif len(sel) > 0:
        d = (sel["time"].max() - sel["time"].min()) / 1e6
    else:
        d = 0
    return d if d > 0 else None


def compare_significance(rows, groups, baseline):
    """Each model against the baseline (default the first): p50/p99 differences, scipy's Mann-Whitney U
    (asymptotic, continuity and tie corrections, two-sided) and the pooled two-proportion z-test; the
    baseline's own row empty. Returns the column names added."""
    from scipy.stats import mannwhitneyu, norm

    names = ["p50_diff_ms", "p50_diff_ci_low_ms", "p50_diff_ci_high_ms", "p99_diff_ms", "p99_diff_ci_low_ms"]
    names += ["p99_diff_ci_high_ms", "latency_u", "latency_p_value", "error_rate_z", "error_rate_p_value", "verdict"]
    for r in rows:
        for name in names:
            r[name] = None
    if not rows:
        return names
    b = 0 if baseline is None else [r["model"] for r in rows].index(baseline)
    base_lat = groups[b][1]["latency_ms"].dropna().to_numpy(dtype=float)
    e0, n0 = int(groups[b][1]["error"].sum()), rows[b]["requests"]
    rows[b]["verdict"] = "baseline"
    for i, r in enumerate(rows):
        if i == b:
            continue
        sub = groups[i][1]
        r["p50_diff_ms"] = r["p50_latency_ms"] - rows[b]["p50_latency_ms"]
        r["p99_diff_ms"] = r["p99_latency_ms"] - rows[b]["p99_latency_ms"]
        lat = sub["latency_ms"].dropna().to_numpy(dtype=float)
        if len(lat) and len(base_lat):
            mw = mannwhitneyu(lat, base_lat, use_continuity=True, alternative="two-sided", method="asymptotic")
            r["latency_u"], r["latency_p_value"] = float(mw.statistic), float(mw.pvalue)
        e1, n1 = int(sub["error"].sum()), r["requests"]
        pooled = (e1 + e0) / (n1 + n0)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
        if se > 0:
            z = (e1 / n1 - e0 / n0) / se
            r["error_rate_z"], r["error_rate_p_value"] = z, float(2 * norm.sf(abs(z)))
    return names


LLM_MEASURES = (
    ("ttft_ms", ("avg", "p50", "p95", "p99")),
    ("tpot_ms", ("avg", "p50", "p95", "p99")),
    ("output_tokens_per_s", ("avg", "p50", "p95", "p99")),
    ("input_tokens", ("avg",)),
    ("output_tokens", ("avg",)),
)


def llm_columns(df):
    """The LLM columns summary adds for the measures the logs have: avg_ttft_ms, p50_ttft_ms, ..."""
    return [f"{s}_{field}" for field, stats in LLM_MEASURES if field in df for s in stats]


def add_llm(row, sub):
    for field, stats in LLM_MEASURES:
        if field in sub:
            x = sub[field].astype("float64")
            for s in stats:
                row[f"{s}_{field}"] = x.mean() if s == "avg" else x.quantile(QUANTILES[s])


def summary(df, q, compare=False):
    sel = select(df, q)
    group_by = ["model"] if compare else list(q.get("groupBy") or [])
    duration = duration_s(sel, q)
    rows = []
    for labels, sub in groups_of(sel, group_by):
        lat = sub["latency_ms"]
        n = len(sub)
        row = dict(labels)
        row["requests"] = n
        row["avg_latency_ms"] = lat.mean()
        row["p50_latency_ms"] = lat.quantile(0.5)
        row["p90_latency_ms"] = lat.quantile(0.9)
        row["p95_latency_ms"] = lat.quantile(0.95)
        row["p99_latency_ms"] = lat.quantile(0.99)
        row["max_latency_ms"] = lat.max()
        row["error_rate"] = sub["error"].sum() / n if n else None
        row["throughput_rps"] = n / duration if duration else None
        row["avg_batch_size"] = sub["batch_size"].mean()
        row["avg_gpu_util"] = sub["gpu_util"].mean()
        row["avg_memory_used_gb"] = sub["memory_used_gb"].mean()
        add_llm(row, sub)
        rows.append(row)
    if compare:
        # Beyond the shared columns, compare adds each model's share of requests and its p99 over the best p99.
        best_p99 = min((r["p99_latency_ms"] for r in rows if not pd.isna(r["p99_latency_ms"])), default=np.nan)
        for r in rows:
            r["request_share"] = r["requests"] / len(sel) if len(sel) else None
            r["p99_vs_fastest"] = r["p99_latency_ms"] / best_p99
        order = ["model", "requests", "avg_latency_ms", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms"]
        order += ["error_rate", "throughput_rps", "request_share", "p99_vs_fastest"]
        order += compare_significance(rows, groups_of(sel, ["model"]), q.get("baseline"))
        order += llm_columns(df)
        answer = table(rows, order)
        # The bootstrap intervals (the engine's seeded generator) and the verdict built from them are not
        # recomputed here: compare.test.ts, bootstrap.test.ts and verdict.test.ts test them.
        answer["unchecked"] = [name for name in order if "_ci_" in name or name == "verdict"]
        return answer
    else:
        order = group_by + ["requests", "avg_latency_ms", "p50_latency_ms", "p90_latency_ms", "p95_latency_ms"]
        order += ["p99_latency_ms", "max_latency_ms", "error_rate", "throughput_rps", "avg_batch_size"]
        order += ["avg_gpu_util", "avg_memory_used_gb"]
        order += llm_columns(df)
    return table(rows, order)


def anomalies(df, q):
    sel = select(df, q)
    metric = q.get("metric") or "latency_ms"
    method = q.get("method") or "zscore"
    threshold = q.get("threshold")
    threshold = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    found = []
    # Position in the selection keeps ties in original row order.
    sel = sel.assign(_pos=np.arange(len(sel)))
    for _, sub in groups_of(sel, list(q.get("groupBy") or [])):
        x = sub[metric].dropna()
        if len(x) == 0:
            continue
        # Plain pandas arithmetic, degenerate spreads included: a zero MAD or IQR gives an infinite score for every
        # value off the centre (flagged) and 0/0 = NaN for the values on it (not flagged).
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "zscore":
                score = (x - x.mean()) / x.std(ddof=1)
                hit = score.abs() > threshold
            elif method == "mad":
                med = x.median()
                mad = (x - med).abs().median()
                score = 0.6745 * (x - med) / mad
                hit = score.abs() > threshold
            else:
                q1, q3 = x.quantile(0.25), x.quantile(0.75)
                iqr = q3 - q1
                low, high = q1 - threshold * iqr, q3 + threshold * iqr
                score = pd.Series(np.where(x > q3, (x - q3) / iqr, (x - q1) / iqr), index=x.index)
                hit = (x < low) | (x > high)
        part = sub.loc[hit[hit].index].copy()
        part["score"] = score[hit]
        found.append(part)
    if found:
        out = pd.concat(found)
        out["_abs"] = out["score"].abs()
        out = out.sort_values(["_abs", "time", "_pos"], ascending=[False, True, True], kind="mergesort")
        limit = q.get("limit")
        if limit is not None:
            out = out.head(int(limit))
        rows = out.to_dict("records")
    else:
        rows = []
    order = ["timestamp", "request_id", "model", metric, "score"]
    # Group fields not already shown follow, so each row says which group it is unusual in.
    order += [g for g in (q.get("groupBy") or []) if g not in order]
    for r in rows:
        r["timestamp"] = int(r["time"])
    return table(rows, order)


def window_ms(text):
    m = re.match(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$", text.strip())
    if not m:
        raise ValueError(f"bad window {text!r}")
    return int(float(m.group(1)) * UNIT_MS[m.group(2)])


def aggregate(sub, agg, metric, window):
    n = len(sub)
    if agg == "count":
        return n
    if agg == "rate":
        return n / (window / 1000)
    if agg == "error_rate":
        return sub["error"].sum() / n if n else None
    x = sub[metric].dropna()
    if len(x) == 0:
        return None
    if agg == "sum":
        return x.sum()
    if agg == "mean":
        return x.mean()
    if agg == "min":
        return x.min()
    if agg == "max":
        return x.max()
    if agg == "stddev":
        return x.std(ddof=1) if len(x) >= 2 else None
    return x.quantile(QUANTILES[agg])


def trend(df, q):
    sel = select(df, q)
    metric = q.get("metric") or "latency_ms"
    agg = q.get("aggregation") or "mean"
    window = window_ms(q.get("window") or "1m")
    wus = window * 1000
    if q.get("from") is not None and q.get("to") is not None:
        first, last = int(q["from"]) // window, int(q["to"]) // window
    elif len(sel) > 0:
        first, last = int(sel["time"].min()) // wus, int(sel["time"].max()) // wus
    else:
        return {"series": []}
    buckets = np.arange(first, last + 1, dtype=np.int64)
    series = []
    for labels, sub in groups_of(sel, list(q.get("groupBy") or [])):
        by_bucket = dict(tuple(sub.groupby(sub["time"] // wus)))
        empty = sub.iloc[0:0]
        values = [clean(aggregate(by_bucket.get(b, empty), agg, metric, window)) for b in buckets]
        series.append({"labels": labels, "time": [int(b) * window for b in buckets], "values": values})
    return {"series": series}


def correlation(df, q):
    sel = select(df, q)
    metrics = list(q.get("metrics") or NUMERIC_FIELDS)
    method = q.get("correlation") or "pearson"
    frame = sel[metrics].astype("float64")
    matrix = frame.corr(method=method)
    present = frame.notna().astype("int64")
    pairs = present.T.dot(present)
    return {
        "metrics": metrics,
        "matrix": [[clean(matrix.loc[a, b]) for b in metrics] for a in metrics],
        "pairs": [[int(pairs.loc[a, b]) for b in metrics] for a in metrics],
    }


HANDLERS = {
    "summary": summary,
    "compare": lambda df, q: summary(df, q, compare=True),
    "anomalies": anomalies,
    "trend": trend,
    "correlation": correlation,
}


def main():
    request = json.load(sys.stdin)
    df, skipped = load(request["paths"])
    answers = [HANDLERS[q["queryType"]](df, q) for q in request["queries"]]
    json.dump({"rows": len(df), "skipped": skipped, "answers": answers}, sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
