-- The six event segments of segments/orders.seg as one DuckDB query, written by
-- hand. The runner (duckdb_events.py) first runs `SET TimeZone = 'UTC'` and
-- creates the views `customers` and `orders` over the two Parquet files, then
-- runs the query after `-- @query membership`: the key and one BOOLEAN per
-- segment, one row per customer (what `segmint eval --output` writes).
--
-- Semantics matched to language.md ("Events", "Dates", "Missing values"):
-- * an event is placed by the UTC calendar date of placed_at. Rather than
--   computing that date per row (CAST(placed_at AS DATE) on a TIMESTAMPTZ goes
--   through ICU in the session zone: 2 s per 10M rows), every date test is an
--   exact instant comparison with a midnight UTC, passed in as a parameter
--   (TIMESTAMPTZ for a zoned column, naive TIMESTAMP for a naive one, which is UTC):
--     date(t) <= as_of      <=> t <  $day_after_as_of  (as_of + 1 day, 00:00 UTC)
--     date(t) >= as_of - N  <=> t >= $since_<N>d       (as_of - N days, 00:00 UTC)
--     date(t) <  as_of - N  <=> t <  $since_<N>d
-- * left out: a missing placed_at (NULL < x is not true); a time after the as-of
--   date (history is as-of: the cut applies to every aggregate, count(orders) and
--   first/last included); a key matching no customer (the LEFT JOIN from the
--   customers keeps only their keys; `=` on VARCHAR is exact, case-sensitive);
-- * `within last N days` <=> as_of - N <= date <= as_of; the upper bound is the
--   as-of cut, so only the lower bound is written;
-- * sum of none is 0 (COALESCE: SQL's sum of no rows is NULL); avg skips NULL
--   amounts and is NULL (missing) without any; a customer without orders has
--   count 0;
-- * first/last are the earliest/latest instant (min/max of placed_at);
-- * two-valued logic: a criterion on a missing value is false (COALESCE).

-- @query membership
WITH visible AS (
  SELECT customer_id, placed_at AS t, amount, channel
  FROM orders
  WHERE placed_at < $day_after_as_of
),
per_customer AS (
  SELECT
    customer_id,
    count(*) FILTER (WHERE t >= $since_90d) AS n_90d,
    sum(amount) FILTER (WHERE t >= $since_365d) AS amount_365d,
    count(*) FILTER (WHERE channel = 'app' AND t >= $since_30d) AS app_30d,
    max(t) AS last_at,
    min(t) AS first_at,
    avg(amount) AS avg_amount,
    count(*) AS n
  FROM visible
  GROUP BY customer_id
)
SELECT
  c.customer_id,
  COALESCE(n_90d, 0) >= 2 AS repeat_90d,
  COALESCE(amount_365d, 0) > 1000 AS big_spenders_365d,
  COALESCE(app_30d, 0) > 0 AS app_buyers_30d,
  COALESCE(last_at < $since_180d, false) AS lapsed_180d,
  COALESCE(first_at >= $since_30d, false) AS new_buyers_30d,
  COALESCE(avg_amount >= 100, false) AND COALESCE(n, 0) >= 3 AS high_aov_loyal
FROM customers c
LEFT JOIN per_customer p ON c.customer_id = p.customer_id
