//! `Display` for [`Plan`]: the compiled plan as `segmint explain` shows it.
//!
//! Columns are shown as `name@index` (the position in [`Plan::columns`]). Every
//! compiled segment (outputs, and the segments they refer to) and every tiers block
//! is a tree of criteria with values inline. A reference to another segment is one
//! line (`→ segment NAME`), and a node already shown is printed as `#id (shared)`,
//! so the work shared between segments is visible.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Display, Formatter};

use super::dates;
use super::node::{Lit, Node, NodeId};
use super::{AggregateId, OutputKind, Plan, TimeRange};
use crate::check::ir::SegmentId;

impl Display for Plan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "as of {}", self.as_of)?;
        let columns: Vec<String> = (0..self.columns.len())
            .map(|i| self.column_name(i))
            .collect();
        writeln!(f, "columns: {}", columns.join(", "))?;
        for (i, stat) in self.stats.iter().enumerate() {
            writeln!(
                f,
                "population #{i} (level {}): {}",
                stat.level,
                self.value(stat.value)
            )?;
        }
        let mut roots: HashMap<NodeId, Vec<(SegmentId, &str)>> = HashMap::new();
        for (id, name, root) in &self.segment_roots {
            roots.entry(*root).or_default().push((*id, name.as_str()));
        }
        let mut printer = Printer {
            plan: self,
            seen: HashSet::new(),
            roots,
        };
        for (id, name, root) in &self.segment_roots {
            let output = self
                .outputs
                .iter()
                .any(|o| o.kind == OutputKind::Segment(*id));
            let note = if output {
                ""
            } else {
                " (not output; referred to)"
            };
            writeln!(f, "segment {name}{note}:")?;
            printer.tree(f, *root, 1, Some(*id))?;
        }
        for output in &self.outputs {
            if let OutputKind::Tiers(_) = output.kind {
                writeln!(f, "tiers {}:", output.name)?;
                printer.tree(f, output.node, 1, None)?;
            }
        }
        Ok(())
    }
}

struct Printer<'p> {
    plan: &'p Plan,
    seen: HashSet<NodeId>,
    /// The compiled segments rooted at each node (looked up per printed node, so a
    /// library of thousands of segments prints in linear time).
    roots: HashMap<NodeId, Vec<(SegmentId, &'p str)>>,
}

impl<'p> Printer<'p> {
    /// Writes the tree under `id`; `owner` is the segment being printed.
    fn tree(
        &mut self,
        f: &mut Formatter<'_>,
        id: NodeId,
        depth: usize,
        owner: Option<SegmentId>,
    ) -> fmt::Result {
        let indent = "  ".repeat(depth);
        let is_root = depth == 1 && owner.is_some();
        if let Some(name) = self.segment_at(id, owner).filter(|_| !is_root) {
            return writeln!(f, "{indent}#{} → segment {name}", id.0);
        }
        if !self.seen.insert(id) {
            return writeln!(f, "{indent}#{} (shared)", id.0);
        }
        let node = self.plan.node(id);
        match node {
            Node::And(items) | Node::Or(items) => {
                let word = if matches!(node, Node::And(_)) {
                    "and"
                } else {
                    "or"
                };
                writeln!(f, "{indent}#{} {word}", id.0)?;
                for child in items {
                    self.tree(f, *child, depth + 1, owner)?;
                }
                Ok(())
            }
            Node::Not(inner) => {
                writeln!(f, "{indent}#{} not", id.0)?;
                self.tree(f, *inner, depth + 1, owner)
            }
            Node::Tiers { block, conditions } => {
                writeln!(f, "{indent}#{} first match of", id.0)?;
                for (label, condition) in self.plan.tier_labels(*block).iter().zip(conditions) {
                    match condition {
                        Some(c) => {
                            writeln!(f, "{indent}  {label}:")?;
                            self.tree(f, *c, depth + 2, owner)?;
                        }
                        None => writeln!(f, "{indent}  {label}: otherwise")?,
                    }
                }
                Ok(())
            }
            _ => writeln!(f, "{indent}#{} {}", id.0, self.plan.criterion_line(node)),
        }
    }

    /// The name of the compiled segment whose root is `id`, other than `owner`.
    fn segment_at(&self, id: NodeId, owner: Option<SegmentId>) -> Option<&'p str> {
        self.roots
            .get(&id)?
            .iter()
            .find(|(segment, _)| Some(*segment) != owner)
            .map(|(_, name)| *name)
    }
}

impl Plan {
    fn column_name(&self, index: usize) -> String {
        let name = self
            .columns
            .get(index)
            .and_then(|id| self.schema.fields.get(id.0 as usize))
            .map_or("?", |field| field.name.as_str());
        format!("{name}@{index}")
    }

    /// One line for a criterion whose operands are values.
    fn criterion_line(&self, node: &Node) -> String {
        let v = |id: &NodeId| self.value(*id);
        let list = |items: &[super::ConstId]| {
            let shown: Vec<String> = items
                .iter()
                .map(|c| show_lit(&self.constant(*c).lit))
                .collect();
            format!("[{}]", shown.join(", "))
        };
        match node {
            Node::Truthy(value) => v(value),
            Node::Compare { left, op, right } => {
                format!("{} {} {}", v(left), op.as_str(), v(right))
            }
            Node::InList {
                value,
                items,
                negated,
            } => {
                format!("{} {}in {}", v(value), not(*negated), list(items))
            }
            Node::Between {
                value,
                low,
                high,
                negated,
            } => {
                format!(
                    "{} {}between {} and {}",
                    v(value),
                    not(*negated),
                    v(low),
                    v(high)
                )
            }
            Node::IsMissing { value, negated } => {
                let word = if *negated { "present" } else { "missing" };
                format!("{} is {word}", v(value))
            }
            Node::StringTest { value, op, pattern } => {
                format!(
                    "{} {} {:?}",
                    v(value),
                    op.as_str(),
                    self.pattern(*pattern).text
                )
            }
            Node::Has {
                list: l,
                all,
                items,
            } => match (all, items.as_slice()) {
                (false, [item]) => format!("{} has {}", v(l), show_lit(&self.constant(*item).lit)),
                (true, _) => format!("{} has all {}", v(l), list(items)),
                (false, _) => format!("{} has any {}", v(l), list(items)),
            },
            Node::IsEmpty { value, negated } => format!("{} is {}empty", v(value), not(*negated)),
            Node::Percentile {
                value,
                stat,
                side,
                share,
            } => {
                let side = side.as_str();
                format!(
                    "{} in {side} {} of population #{}",
                    v(value),
                    share.percent(),
                    stat.0
                )
            }
            other => self.value_of_node(other),
        }
    }

    /// A value as `explain` shows it (`orders_count`, `(a + b)`), for messages
    /// about the run such as uneven quintiles.
    /// Columns show by name alone (`explain` adds their position: `orders_count@14`).
    pub fn value_text(&self, id: NodeId) -> String {
        let text = self.value(id);
        let mut plain = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '@' && chars.peek().is_some_and(char::is_ascii_digit) {
                while chars.next_if(char::is_ascii_digit).is_some() {}
            } else {
                plain.push(c);
            }
        }
        plain
    }

    /// A value node written inline (a criterion used as a value shows as `#id`).
    fn value(&self, id: NodeId) -> String {
        let node = self.node(id);
        if node.is_criterion() {
            return format!("#{}", id.0);
        }
        self.value_of_node(node)
    }

    fn value_of_node(&self, node: &Node) -> String {
        let v = |id: &NodeId| self.value(*id);
        match node {
            Node::Column(field) => match self.column_index(*field) {
                Some(i) => self.column_name(i),
                None => format!("field#{}", field.0),
            },
            Node::Const(c) => show_lit(&self.constant(*c).lit),
            Node::Aggregate(id) => self.aggregate_text(*id),
            Node::Arith { op, left, right } => {
                format!("({} {} {})", v(left), op.as_str(), v(right))
            }
            Node::Neg(a) => format!("-{}", v(a)),
            Node::ToFloat(a) => format!("float({})", v(a)),
            Node::DateOf(a) => format!("date({})", v(a)),
            Node::Lower(a) => format!("lower({})", v(a)),
            Node::Upper(a) => format!("upper({})", v(a)),
            Node::LengthString(a) | Node::LengthList(a) => format!("length({})", v(a)),
            Node::DaysSince { value, as_of } => {
                format!(
                    "days_since({}, as of {})",
                    v(value),
                    dates::show_days(*as_of)
                )
            }
            Node::Year(a) => format!("year({})", v(a)),
            Node::Month(a) => format!("month({})", v(a)),
            Node::Rank { score, value, stat } => {
                let name = score.as_str();
                format!("{name}({} in population #{})", v(value), stat.0)
            }
            Node::Tiers { block, .. } => self
                .outputs
                .iter()
                .find(|o| o.kind == OutputKind::Tiers(*block))
                .map_or_else(|| format!("tiers#{}", block.0), |o| o.name.clone()),
            other => format!("{other:?}"),
        }
    }
}

impl Plan {
    /// An aggregate as computed: `count(orders where channel@0 = "app", time in
    /// 2026-04-01..=2026-06-30)`; the filter is shown with its table's columns.
    fn aggregate_text(&self, id: AggregateId) -> String {
        let Some(aggregate) = self.aggregate(id) else {
            return format!("aggregate#{}", id.0);
        };
        let Some(scan) = self.scan(aggregate.scan) else {
            return format!("aggregate#{}", id.0);
        };
        let mut source = scan.name().to_string();
        if let Some(field) = aggregate
            .measure
            .and_then(|m| scan.schema.fields.get(m.0 as usize))
        {
            source = format!("{source}.{}", field.name);
        }
        let filter = aggregate
            .filter
            .map(|node| format!(" where {}", scan.filters.inline(node)))
            .unwrap_or_default();
        format!(
            "{}({source}{filter}, time in {})",
            aggregate.function.as_str(),
            show_range(aggregate.range, scan.timestamp)
        )
    }

    /// A criterion on one line, `and`/`or`/`not` in brackets.
    fn inline(&self, id: NodeId) -> String {
        let node = self.node(id);
        let join = |items: &[NodeId], word: &str| {
            let parts: Vec<String> = items.iter().map(|i| self.inline(*i)).collect();
            format!("({})", parts.join(&format!(" {word} ")))
        };
        match node {
            Node::And(items) => join(items, "and"),
            Node::Or(items) => join(items, "or"),
            Node::Not(inner) => format!("not {}", self.inline(*inner)),
            other => self.criterion_line(other),
        }
    }
}

/// A time range as whole days (`..=2026-06-30` when it has no start).
fn show_range(range: TimeRange, timestamp: bool) -> String {
    let day = |t: i64| {
        if timestamp {
            dates::day_of_micros(t)
        } else {
            i32::try_from(t).unwrap_or(if t < 0 { i32::MIN } else { i32::MAX })
        }
    };
    let to = dates::show_days(day(range.to));
    if range.from == i64::MIN {
        format!("..={to}")
    } else {
        format!("{}..={to}", dates::show_days(day(range.from)))
    }
}

fn not(negated: bool) -> &'static str {
    if negated { "not " } else { "" }
}

fn show_lit(lit: &Lit) -> String {
    match lit {
        Lit::Bool(b) => b.to_string(),
        Lit::Int(v) => v.to_string(),
        Lit::Float(bits) => format!("{:?}", f64::from_bits(*bits)),
        Lit::Str(s) => format!("{s:?}"),
        Lit::Date(d) => dates::show_days(*d),
        Lit::Timestamp(t) => chrono::DateTime::from_timestamp_micros(*t).map_or_else(
            || format!("timestamp {t}"),
            |d| d.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string(),
        ),
    }
}
