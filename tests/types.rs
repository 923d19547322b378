//! Type rules, one line each, over the fixed schema in `tests/support/mod.rs`:
//! `check_ok` returns the checked IR as an s-expression (non-bool values carry `:type`),
//! `diagnoses` expects exactly one diagnostic with the given code.

mod support;

use support::{check_ok, diagnoses};

// ----- numbers ----------------------------------------------------------------------

#[test]
fn int_with_int_stays_int() {
    assert_eq!(check_ok("orders_count > 3"), "(> orders_count:int 3:int)");
}

#[test]
fn int_field_with_float_literal_wraps_the_field() {
    assert_eq!(
        check_ok("age > 30.5"),
        "(> (float age:int):float 30.5:float)"
    );
}

#[test]
fn float_field_with_int_literal_converts_the_literal() {
    assert_eq!(
        check_ok("lifetime_value >= 2000"),
        "(>= lifetime_value:float 2000.0:float)"
    );
}

#[test]
fn between_brings_all_three_operands_to_one_type() {
    assert_eq!(
        check_ok("age between 18 and 65.5"),
        "(between (float age:int):float 18.0:float 65.5:float)"
    );
}

#[test]
fn in_list_converts_int_items_for_a_float_value() {
    assert_eq!(
        check_ok("lifetime_value in [1, 2.5]"),
        "(in lifetime_value:float [1.0 2.5])"
    );
}

#[test]
fn negative_numbers_are_literals() {
    assert_eq!(check_ok("age not in [-1, 0]"), "(not-in age:int [-1 0])");
    assert_eq!(check_ok("-age < 0"), "(< (neg age:int):int 0:int)");
}

#[test]
fn arithmetic_result_types() {
    assert_eq!(
        check_ok("orders_count + 1 > 2"),
        "(> (+ orders_count:int 1:int):int 2:int)"
    );
    assert_eq!(
        check_ok("orders_count / 2 > 1"),
        "(> (/ (float orders_count:int):float 2.0:float):float 1.0:float)"
    );
    assert_eq!(
        check_ok("orders_count * lifetime_value > 1"),
        "(> (* (float orders_count:int):float lifetime_value:float):float 1.0:float)"
    );
}

#[test]
fn arithmetic_needs_numbers() {
    diagnoses("country + 1 = 2", "type_mismatch");
    diagnoses("-country = 2", "type_mismatch");
    diagnoses("signup_date - 1 > 2", "type_mismatch");
}

#[test]
fn numbers_do_not_meet_strings() {
    diagnoses("age = \"abc\"", "type_mismatch");
    diagnoses("age in [1, \"2\"]", "type_mismatch");
}

#[test]
fn integer_overflow_is_invalid_number() {
    diagnoses("age > 9_223_372_036_854_775_808", "invalid_number");
    assert_eq!(
        check_ok("age > -9223372036854775808"),
        "(> age:int -9223372036854775808:int)"
    );
}

// ----- strings and enums ---------------------------------------------------------------

#[test]
fn strings_order_by_code_point() {
    assert_eq!(
        check_ok("country < \"M\""),
        "(< country:string \"M\":string)"
    );
}

#[test]
fn enum_with_its_own_value_types_the_literal_as_the_enum() {
    assert_eq!(
        check_ok("status = \"regular\""),
        "(= status:enum \"regular\":enum)"
    );
    assert_eq!(
        check_ok("\"regular\" != status"),
        "(!= \"regular\":enum status:enum)"
    );
    assert_eq!(
        check_ok("status in [\"poor\", \"regular\"]"),
        "(in status:enum [\"poor\" \"regular\"])"
    );
}

#[test]
fn enum_values_must_exist() {
    diagnoses("status = \"reguler\"", "unknown_enum_value");
    diagnoses("status not in [\"gone\"]", "unknown_enum_value");
    diagnoses("value_tier = \"bronze\"", "unknown_enum_value");
}

#[test]
fn ordering_enums_is_a_type_error() {
    diagnoses("status > \"poor\"", "type_mismatch");
    diagnoses("status between \"poor\" and \"regular\"", "type_mismatch");
    diagnoses("value_tier <= \"gold\"", "type_mismatch");
}

#[test]
fn enums_do_not_meet_plain_strings_or_other_enums() {
    diagnoses("status = country", "type_mismatch");
    diagnoses("status = gender", "type_mismatch");
    diagnoses("status = lower(\"x\")", "type_mismatch");
}

#[test]
fn string_tests_work_on_strings_and_enums() {
    assert_eq!(
        check_ok("email contains \"@\""),
        "(Contains email:string \"@\")"
    );
    assert_eq!(
        check_ok("status starts with \"re\""),
        "(StartsWith status:enum \"re\")"
    );
    diagnoses("age contains \"3\"", "type_mismatch");
    diagnoses("tags contains \"vip\"", "type_mismatch");
}

#[test]
fn regexes_are_validated() {
    assert_eq!(
        check_ok("email matches \"^a.*$\""),
        "(Matches email:string \"^a.*$\")"
    );
    diagnoses("email matches \"(\"", "invalid_regex");
}

// ----- bools and criteria ----------------------------------------------------------------

#[test]
fn bools_compare_with_equality_only() {
    assert_eq!(
        check_ok("newsletter_opt_in = false"),
        "(= newsletter_opt_in false)"
    );
    diagnoses("newsletter_opt_in > false", "type_mismatch");
    diagnoses("newsletter_opt_in = 1", "type_mismatch");
}

#[test]
fn bare_names_are_bool_fields_segments_or_errors() {
    assert_eq!(check_ok("newsletter_opt_in"), "newsletter_opt_in");
    assert_eq!(
        check_ok("vip and not newsletter_opt_in"),
        "(and segment:vip (not newsletter_opt_in))"
    );
    diagnoses("value_tier", "type_mismatch");
    diagnoses("age", "type_mismatch");
    diagnoses("vip and orders_count", "type_mismatch");
}

#[test]
fn tier_fields_compare_with_their_labels() {
    assert_eq!(
        check_ok("value_tier in [\"gold\", \"platinum\"]"),
        "(in tiers:value_tier:enum [\"gold\" \"platinum\"])"
    );
}

#[test]
fn is_missing_works_on_any_value() {
    assert_eq!(check_ok("age is missing"), "(missing age:int)");
    assert_eq!(
        check_ok("value_tier is present"),
        "(present tiers:value_tier:enum)"
    );
    assert_eq!(
        check_ok("age + 1 is missing"),
        "(missing (+ age:int 1:int):int)"
    );
}

#[test]
fn unknown_names_suggest_the_closest() {
    diagnoses("agee > 3", "unknown_field");
}

// ----- lists ------------------------------------------------------------------------------

#[test]
fn list_operators_work_on_lists_with_items_of_the_element_type() {
    assert_eq!(
        check_ok("tags has \"vip\""),
        "(has-any tags:list<string> [\"vip\"])"
    );
    assert_eq!(
        check_ok("scores has all [1, 2]"),
        "(has-all scores:list<int> [1 2])"
    );
    assert_eq!(check_ok("tags is empty"), "(empty tags:list<string>)");
    diagnoses("tags has 3", "type_mismatch");
    diagnoses("scores has \"3\"", "type_mismatch");
}

#[test]
fn list_operators_only_on_lists() {
    diagnoses("country has \"x\"", "type_mismatch");
    diagnoses("country has any [\"x\"]", "type_mismatch");
    diagnoses("country is empty", "type_mismatch");
}

#[test]
fn lists_do_not_compare() {
    diagnoses("tags > 3", "type_mismatch");
    diagnoses("tags = \"vip\"", "type_mismatch");
    diagnoses("tags in [\"vip\"]", "type_mismatch");
}

// ----- dates and timestamps -------------------------------------------------------------

#[test]
fn timestamp_field_with_date_literal_compares_by_date() {
    assert_eq!(
        check_ok("last_order_at > 2024-01-31"),
        "(> (date last_order_at:timestamp):date 2024-01-31:date)"
    );
}

#[test]
fn timestamp_literal_with_date_field_becomes_its_utc_date() {
    assert_eq!(
        check_ok("signup_date < 2024-02-01T03:00:00+05:00"),
        "(< signup_date:date 2024-01-31:date)"
    );
}

#[test]
fn two_timestamps_compare_as_instants() {
    assert_eq!(
        check_ok("last_order_at >= 1970-01-01T00:00:01Z"),
        "(>= last_order_at:timestamp ts1000000:timestamp)"
    );
}

#[test]
fn within_and_ago_use_dates() {
    assert_eq!(
        check_ok("last_order_at within last 30 days"),
        "(within Last 30Day (date last_order_at:timestamp):date)"
    );
    assert_eq!(
        check_ok("signup_date after 2 months ago"),
        "(after signup_date:date 2Month ago)"
    );
}

#[test]
fn before_after_keep_instants_for_timestamp_literals() {
    assert_eq!(
        check_ok("last_order_at before 1970-01-01T00:00:00Z"),
        "(before last_order_at:timestamp ts0)"
    );
    assert_eq!(
        check_ok("signup_date before 1970-01-02T00:00:00+01:00"),
        "(before signup_date:date 1970-01-01)"
    );
    assert_eq!(
        check_ok("last_order_at after 2024-01-01"),
        "(after (date last_order_at:timestamp):date 2024-01-01)"
    );
}

#[test]
fn dates_do_not_meet_numbers() {
    diagnoses("signup_date > 3", "type_mismatch");
    diagnoses("age within last 3 days", "type_mismatch");
    diagnoses("country before 2024-01-01", "type_mismatch");
}

#[test]
fn invalid_dates_are_reported() {
    diagnoses("signup_date > 2024-02-30", "invalid_date");
    diagnoses("last_order_at > 2024-02-01T24:00:01Z", "invalid_timestamp");
}

#[test]
fn future_windows_are_for_expectations_only() {
    diagnoses("last_order_at within next 30 days", "future_window");
    diagnoses("count(orders within next 30 days) > 1", "future_window");
}

// ----- population -----------------------------------------------------------------------

#[test]
fn percentiles_rank_numbers_and_times() {
    assert_eq!(
        check_ok("lifetime_value in top 20%"),
        "(Top 0.2 lifetime_value:float)"
    );
    assert_eq!(
        check_ok("last_order_at in bottom 12.5%"),
        "(Bottom 0.125 last_order_at:timestamp)"
    );
    diagnoses("country in top 20%", "type_mismatch");
    diagnoses("lifetime_value in top 0%", "invalid_percentage");
    diagnoses("lifetime_value in top 100.5%", "invalid_percentage");
}

// ----- functions -------------------------------------------------------------------------

#[test]
fn function_signatures() {
    assert_eq!(
        check_ok("lower(email) = \"a\""),
        "(= (Lower email:string):string \"a\":string)"
    );
    assert_eq!(
        check_ok("upper(status) = \"A\""),
        "(= (Upper status:enum):string \"A\":string)"
    );
    assert_eq!(
        check_ok("length(email) > 3"),
        "(> (LengthString email:string):int 3:int)"
    );
    assert_eq!(
        check_ok("length(tags) > 3"),
        "(> (LengthList tags:list<string>):int 3:int)"
    );
    assert_eq!(
        check_ok("days_since(last_order_at) > 3"),
        "(> (DaysSince (date last_order_at:timestamp):date):int 3:int)"
    );
    assert_eq!(
        check_ok("year(signup_date) = 2024"),
        "(= (Year signup_date:date):int 2024:int)"
    );
    assert_eq!(
        check_ok("month(signup_date) = 2"),
        "(= (Month signup_date:date):int 2:int)"
    );
    assert_eq!(
        check_ok("quintile(lifetime_value) = 5"),
        "(= (Quintile lifetime_value:float):int 5:int)"
    );
    assert_eq!(
        check_ok("decile(signup_date) = 1"),
        "(= (Decile signup_date:date):int 1:int)"
    );
    assert_eq!(
        check_ok("percentile(orders_count) > 50"),
        "(> (Percentile orders_count:int):float 50.0:float)"
    );
}

#[test]
fn function_arguments_are_checked() {
    diagnoses("lower(age) = \"a\"", "type_mismatch");
    diagnoses("length(age) > 1", "type_mismatch");
    diagnoses("days_since(age) > 1", "type_mismatch");
    diagnoses("quintile(country) = 1", "type_mismatch");
    diagnoses("lower(email, country) = \"a\"", "wrong_argument_count");
    diagnoses("lowr(email) = \"a\"", "unknown_function");
    diagnoses("lift(age) > 1", "misplaced_aggregate");
}

// ----- aggregates ------------------------------------------------------------------------

#[test]
fn aggregate_result_types() {
    assert_eq!(
        check_ok("count(orders) > 1"),
        "(> (Count orders):int 1:int)"
    );
    assert_eq!(
        check_ok("sum(orders.quantity) > 1"),
        "(> (Sum orders.quantity):int 1:int)"
    );
    assert_eq!(
        check_ok("sum(orders.amount) > 1"),
        "(> (Sum orders.amount):float 1.0:float)"
    );
    assert_eq!(
        check_ok("avg(orders.quantity) > 1"),
        "(> (Avg orders.quantity):float 1.0:float)"
    );
    assert_eq!(
        check_ok("max(orders.quantity) > 1"),
        "(> (Max orders.quantity):int 1:int)"
    );
    assert_eq!(
        check_ok("last(orders) within last 7 days"),
        "(within Last 7Day (date (Last orders):timestamp):date)"
    );
    assert_eq!(check_ok("exists(orders)"), "(Exists orders)");
}

#[test]
fn aggregate_filters_use_event_fields() {
    assert_eq!(
        check_ok("count(orders where channel = \"app\" within last 90 days) > 0"),
        "(> (Count orders where (= event:3:enum \"app\":enum) within Last 90Day):int 0:int)"
    );
    diagnoses(
        "count(orders where country = \"DE\") > 0",
        "aggregate_uses_customer_field",
    );
    diagnoses(
        "count(orders where vip) > 0",
        "aggregate_uses_customer_field",
    );
    diagnoses("count(orders where chanel = \"app\") > 0", "unknown_field");
    diagnoses(
        "count(orders where channel = \"ap\") > 0",
        "unknown_enum_value",
    );
    diagnoses("count(ordrs) > 0", "unknown_events");
    diagnoses("sum(orders.channel) > 0", "type_mismatch");
    diagnoses("sum(orders) > 0", "wrong_argument_count");
}
