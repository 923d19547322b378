-- The benchmark library (../segments/library.seg) as two DuckDB queries, written
-- by hand: `ltv_top20` finds the population threshold (a first pass, as segmint
-- makes one for population statistics), and `membership` returns the table
-- segmint's `eval --output` writes: the key, one BOOLEAN per segment, one
-- VARCHAR per tiers block, with the threshold passed in as the parameter
-- $ltv_top20 (a DOUBLE, or NULL when no value is present).
--
-- The runner (duckdb_run.py) first runs `SET TimeZone = 'UTC'` and
-- `CREATE VIEW customers AS SELECT * FROM read_parquet(...)`, then splits this
-- file at the `-- @query NAME` lines.
--
-- Semantics matched to language.md:
-- * two-valued logic: every criterion is wrapped in COALESCE(..., false), so a
--   criterion on NULL is false and AND/OR/NOT never see a NULL;
-- * as-of date 2026-06-30; a timestamp is compared with a relative date by its
--   UTC calendar date: CAST(ts AS DATE) (naive timestamps are UTC; with
--   TIMESTAMPTZ the session time zone, set to UTC, decides);
--   `within last 30 days` <=> as_of - 30 <= date <= as_of; `before 180 days ago`
--   <=> date < as_of - 180 (DATE - INTEGER is calendar-day arithmetic);
-- * `lifetime_value in top 20%` <=> count(v > x) / n < 20/100 over the n present
--   values. Sorted descending, the members are exactly the values >= the m-th
--   largest, m = ceil(20 n / 100) = (20 n + 99) // 100 (integer arithmetic; see
--   README). The window form (rank() OVER (ORDER BY v DESC) - 1) * 100 < 20 * n
--   is exact too but sorts every row with all its columns (2x slower, 4x the
--   memory here); percent_rank() (denominator n - 1), ntile() and quantile_disc()
--   do NOT match on ties, and quantile_cont() only for some P
--   (harness/percentile_check.py shows it);
-- * tiers: CASE WHEN takes the first tier that holds.

-- @query ltv_top20
-- The m-th largest present lifetime_value; NULL when there is none (then nobody
-- is in the top 20%).
SELECT min(lifetime_value) FROM (
  SELECT lifetime_value FROM customers
  WHERE lifetime_value IS NOT NULL
  ORDER BY lifetime_value DESC
  LIMIT (SELECT (count(lifetime_value) * 20 + 99) // 100 FROM customers)
)

-- @query membership
WITH c AS (
  SELECT
    customers.*,
    CAST(last_order_at AS DATE) AS last_order_date,
    CASE
      WHEN COALESCE(lifetime_value >= 2500, false) THEN 'platinum'
      WHEN COALESCE(lifetime_value >= 500, false) THEN 'gold'
      ELSE 'silver'
    END AS value_tier
  FROM customers
)
SELECT
  customer_id,
  COALESCE(last_order_date BETWEEN DATE '2026-06-30' - 30 AND DATE '2026-06-30', false) AS recent_buyers,
  COALESCE(last_order_date < DATE '2026-06-30' - 180, false)
    AND COALESCE(orders_count >= 2, false) AS lapsed,
  COALESCE(last_order_date < DATE '2026-06-30' - 365, false) AS churned,
  COALESCE(last_order_date BETWEEN DATE '2026-06-30' - 30 AND DATE '2026-06-30', false)
    AND COALESCE(orders_count >= 4, false)
    AND COALESCE(lifetime_value >= $ltv_top20, false) AS champions,
  COALESCE(orders_count = 1, false) AS one_order,
  COALESCE(orders_count BETWEEN 2 AND 4, false) AS few_orders,
  COALESCE(orders_count >= 5, false) AS many_orders,
  COALESCE(gender = 'female', false)
    AND COALESCE(age BETWEEN 18 AND 34, false) AS young_women,
  COALESCE(status = 'rejected', false)
    AND COALESCE(rejection_reason = 'too_expensive', false) AS rejected_on_price,
  COALESCE(lead_source = 'paid_search', false)
    AND COALESCE(device = 'mobile', false) AS mobile_paid_search,
  COALESCE(city IN ('New York', 'London', 'Berlin', 'Paris', 'Madrid', 'Rome',
                    'Amsterdam', 'Toronto', 'São Paulo', 'Tokyo'), false) AS big_cities,
  COALESCE(country IN ('GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'SE', 'PL', 'IE', 'AT',
                       'CH', 'DK', 'NO', 'CA', 'AU'), false) AS launch_countries,
  COALESCE(email_opens_90d >= 5, false)
    AND COALESCE(page_clicks_30d >= 10, false) AS engaged,
  COALESCE(list_contains(tags, 'vip'), false) AS vip,
  COALESCE(ends_with(email, '@gmail.com'), false) AS gmail,
  email IS NULL AS no_email,
  COALESCE(avg_order_value >= 100, false)
    AND COALESCE(value_tier IN ('gold', 'platinum'), false) AS big_baskets,
  COALESCE(sessions_to_purchase <= 3, false) AS quick_converters,
  COALESCE(app_installed, false)
    AND NOT COALESCE(newsletter_opt_in, false) AS app_not_newsletter,
  value_tier
FROM c
