//! The vocabularies of the sample table: countries and their cities, first
//! names, e-mail domains, tags, interests, and the enum values (in schema order).

/// ISO 3166 alpha-2 code, relative weight, and cities (the first ones likelier).
pub(crate) const COUNTRIES: &[(&str, u32, &[&str])] = &[
    (
        "US",
        300,
        &[
            "New York",
            "Los Angeles",
            "Chicago",
            "Houston",
            "Seattle",
            "Austin",
            "Boston",
        ],
    ),
    (
        "GB",
        120,
        &[
            "London",
            "Manchester",
            "Birmingham",
            "Leeds",
            "Glasgow",
            "Bristol",
        ],
    ),
    (
        "DE",
        110,
        &[
            "Berlin",
            "Hamburg",
            "Munich",
            "Cologne",
            "Frankfurt",
            "Stuttgart",
        ],
    ),
    (
        "FR",
        80,
        &[
            "Paris",
            "Lyon",
            "Marseille",
            "Toulouse",
            "Lille",
            "Bordeaux",
        ],
    ),
    (
        "ES",
        50,
        &["Madrid", "Barcelona", "Valencia", "Seville", "Bilbao"],
    ),
    ("IT", 45, &["Rome", "Milan", "Naples", "Turin", "Florence"]),
    (
        "NL",
        35,
        &[
            "Amsterdam",
            "Rotterdam",
            "Utrecht",
            "The Hague",
            "Eindhoven",
        ],
    ),
    ("SE", 20, &["Stockholm", "Gothenburg", "Malmö", "Uppsala"]),
    (
        "PL",
        25,
        &["Warsaw", "Kraków", "Wrocław", "Gdańsk", "Poznań"],
    ),
    (
        "CA",
        40,
        &["Toronto", "Montreal", "Vancouver", "Calgary", "Ottawa"],
    ),
    (
        "AU",
        30,
        &["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"],
    ),
    (
        "BR",
        35,
        &["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba"],
    ),
    (
        "MX",
        25,
        &["Mexico City", "Guadalajara", "Monterrey", "Puebla"],
    ),
    (
        "JP",
        25,
        &["Tokyo", "Osaka", "Yokohama", "Nagoya", "Sapporo"],
    ),
    (
        "IN",
        30,
        &["Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai"],
    ),
    ("IE", 10, &["Dublin", "Cork", "Galway"]),
    ("AT", 10, &["Vienna", "Graz", "Salzburg"]),
    ("CH", 10, &["Zurich", "Geneva", "Basel"]),
    ("DK", 8, &["Copenhagen", "Aarhus"]),
    ("NO", 7, &["Oslo", "Bergen"]),
];

/// First names by gender column value (`female`, `male`, and neutral ones used
/// for `nonbinary` and `unknown` too).
pub(crate) const FEMALE_NAMES: &[&str] = &[
    "Anna", "Emma", "Olivia", "Sophie", "Mia", "Laura", "Julia", "Sara", "Chloe", "Lucia",
    "Hannah", "Isabel", "Maria", "Yuki", "Priya", "Ana", "Camille", "Ingrid", "Zofia", "Grace",
];
/// Male first names.
pub(crate) const MALE_NAMES: &[&str] = &[
    "James", "Lukas", "Noah", "Liam", "Oliver", "Mateo", "Leon", "Hugo", "Luca", "Jan", "David",
    "Daniel", "Pedro", "Kenji", "Arjun", "Thomas", "Erik", "Piotr", "Jack", "Marco",
];
/// Names used by any gender.
pub(crate) const NEUTRAL_NAMES: &[&str] = &[
    "Alex", "Sam", "Robin", "Charlie", "Jordan", "Taylor", "Kim", "Noor", "Sasha", "Rene",
];

/// E-mail domains with weights; the last ones are company domains.
pub(crate) const EMAIL_DOMAINS: &[(&str, u32)] = &[
    ("gmail.com", 38),
    ("yahoo.com", 12),
    ("outlook.com", 14),
    ("hotmail.com", 6),
    ("icloud.com", 6),
    ("gmx.de", 4),
    ("acme.com", 5),
    ("globex.io", 4),
    ("initech.com", 4),
    ("umbrella.co", 3),
    ("northwind.org", 4),
];

/// Tags a CRM puts on customers.
pub(crate) const TAG_VIP: &str = "vip";
/// Tag: subscribed to the newsletter.
pub(crate) const TAG_NEWSLETTER: &str = "newsletter";
/// Tag: buys in bulk.
pub(crate) const TAG_WHOLESALE: &str = "wholesale";
/// Tag: a regular customer who has gone quiet.
pub(crate) const TAG_CHURN_RISK: &str = "churn_risk";
/// Tag: in the beta programme.
pub(crate) const TAG_BETA: &str = "beta";

/// Psychographic interests.
pub(crate) const INTERESTS: &[&str] = &[
    "outdoors",
    "fashion",
    "tech",
    "sustainability",
    "fitness",
    "travel",
    "cooking",
    "gaming",
    "music",
    "home_decor",
    "parenting",
    "pets",
];

/// `gender` values, in schema order, and their weights.
pub(crate) const GENDERS: &[&str] = &["female", "male", "nonbinary", "unknown"];
/// Weights of [`GENDERS`].
pub(crate) const GENDER_WEIGHTS: &[u32] = &[48, 45, 2, 5];
/// `status` values, in schema order.
pub(crate) const STATUSES: &[&str] = &[
    "in_works",
    "rejected",
    "poor",
    "one_time",
    "occasional",
    "regular",
];
/// Weights of [`STATUSES`].
pub(crate) const STATUS_WEIGHTS: &[u32] = &[15, 12, 10, 28, 22, 13];
/// `rejection_reason` values, in schema order.
pub(crate) const REJECTION_REASONS: &[&str] =
    &["too_expensive", "competitor", "no_need", "timing", "other"];
/// Weights of [`REJECTION_REASONS`].
pub(crate) const REJECTION_WEIGHTS: &[u32] = &[35, 25, 20, 12, 8];
/// `lead_source` values, in schema order.
pub(crate) const LEAD_SOURCES: &[&str] = &[
    "organic",
    "paid_search",
    "social",
    "referral",
    "email",
    "partner",
];
/// Weights of [`LEAD_SOURCES`].
pub(crate) const LEAD_WEIGHTS: &[u32] = &[30, 22, 18, 12, 10, 8];
/// `device` values, in schema order.
pub(crate) const DEVICES: &[&str] = &["desktop", "mobile", "tablet"];
/// Weights of [`DEVICES`].
pub(crate) const DEVICE_WEIGHTS: &[u32] = &[40, 50, 10];
/// `os` values, in schema order.
pub(crate) const OSES: &[&str] = &["ios", "android", "windows", "macos", "linux", "other"];
