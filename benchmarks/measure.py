"""Small helpers shared by the benchmark modules: percentiles, consuming a response, counting
SQL statements."""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def consume(response) -> int:
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class QueryCounter:
    """Counts every SQL statement, across the pooled connections a request may use."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
