//! The compiler: walks `ir` expressions, building the hash-consed node arena.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, Scalar, StringArray,
    TimestampMicrosecondArray,
};

use super::aggregate::{Aggregate, AggregateId, EventScan, ScanId, TimeRange};
use super::dates;
use super::node::{ConstId, Fraction, Lit, Node, NodeId, PatternId, StatId};
use super::{Const, Output, OutputKind, Pattern, Plan, PlanError, PlanOptions, Stat};
use crate::check::ir::{
    self, CmpOp, Direction, Expr, ExprKind, Function, Literal, SegmentId, StringOp, TierId, Type,
};
use crate::diagnostic::did_you_mean_far;

type Result<T> = std::result::Result<T, PlanError>;

pub(super) fn compile(program: &ir::Program, options: &PlanOptions) -> Result<Plan> {
    let selected = select_segments(program, options.segments.as_deref())?;
    let blocks = select_tiers(program, options.segments.as_deref());
    let mut c = Compiler::new(program, options);
    let mut outputs = Vec::new();
    for id in selected {
        let node = c.segment(id)?;
        let name = program.segment(id).name.clone();
        outputs.push(Output {
            name,
            kind: OutputKind::Segment(id),
            node,
        });
    }
    for id in blocks {
        let node = c.tiers(id)?;
        outputs.push(Output {
            name: program.tier_block(id).name.clone(),
            kind: OutputKind::Tiers(id),
            node,
        });
    }
    let mut measures = Vec::with_capacity(options.measures.len());
    for (i, measure) in options.measures.iter().enumerate() {
        let owner = format!("expect lift #{}", i + 1);
        let saved = std::mem::replace(&mut c.owner, owner);
        let node = c.value(measure);
        c.owner = saved;
        measures.push(node?);
    }
    c.finish(outputs, &options.carry, measures)
}

/// The tiers blocks to output, in program order: every one, or those named.
fn select_tiers(program: &ir::Program, names: Option<&[String]>) -> Vec<TierId> {
    (0..program.tiers.len())
        .map(|i| TierId(i as u32))
        .filter(|id| names.is_none_or(|names| names.contains(&program.tier_block(*id).name)))
        .collect()
}

/// The segments to output, in program order (names of tiers blocks are checked
/// here and output by [`select_tiers`]).
fn select_segments(program: &ir::Program, names: Option<&[String]>) -> Result<Vec<SegmentId>> {
    let all = (0..program.segments.len()).map(|i| SegmentId(i as u32));
    let Some(names) = names else {
        return Ok(all.filter(|id| !program.segment(*id).paused).collect());
    };
    let mut chosen = BTreeSet::new();
    for name in names {
        match program.segment_named(name) {
            Some(id) => {
                chosen.insert(id);
            }
            None if program.tiers.iter().any(|t| &t.name == name) => {}
            None => {
                let candidates = program.segments.iter().map(|s| s.name.as_str());
                let candidates = candidates.chain(program.tiers.iter().map(|t| t.name.as_str()));
                return Err(PlanError::UnknownSegment {
                    name: name.clone(),
                    help: did_you_mean_far(name, candidates),
                });
            }
        }
    }
    Ok(chosen.into_iter().collect())
}

/// Where the expressions being compiled are evaluated: on customer rows, or on
/// the rows of one event table (an aggregate's `where`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Customers,
    Events(ir::EventsId),
}

struct Compiler<'p> {
    program: &'p ir::Program,
    scope: Scope,
    /// Per event table read: the compiler of its filters (event scope).
    scans: Vec<(ir::EventsId, Compiler<'p>)>,
    aggregates: Vec<Aggregate>,
    aggregate_index: HashMap<Aggregate, AggregateId>,
    as_of_days: i32,
    options: &'p PlanOptions,
    nodes: Vec<Node>,
    node_index: HashMap<Node, NodeId>,
    consts: Vec<Lit>,
    const_index: HashMap<Lit, ConstId>,
    patterns: Vec<Pattern>,
    pattern_index: HashMap<(String, bool), PatternId>,
    stats: Vec<NodeId>,
    segments: HashMap<SegmentId, NodeId>,
    tier_blocks: HashMap<TierId, NodeId>,
    in_progress: HashSet<ir::Derived>,
    fields: BTreeSet<ir::FieldId>,
    owner: String,
}

impl<'p> Compiler<'p> {
    fn new(program: &'p ir::Program, options: &'p PlanOptions) -> Self {
        Compiler {
            program,
            scope: Scope::Customers,
            scans: Vec::new(),
            aggregate_index: HashMap::new(),
            as_of_days: dates::days_of(options.as_of),
            options,
            nodes: Vec::new(),
            node_index: HashMap::new(),
            consts: Vec::new(),
            const_index: HashMap::new(),
            patterns: Vec::new(),
            pattern_index: HashMap::new(),
            stats: Vec::new(),
            aggregates: Vec::new(),
            segments: HashMap::new(),
            tier_blocks: HashMap::new(),
            in_progress: HashSet::new(),
            fields: BTreeSet::new(),
            owner: String::new(),
        }
    }

    fn finish(
        self,
        outputs: Vec<Output>,
        carry: &[ir::FieldId],
        measures: Vec<NodeId>,
    ) -> Result<Plan> {
        let key = self.program.schema.key;
        let mut columns = vec![key];
        columns.extend(self.fields.iter().copied().filter(|f| *f != key));
        for f in carry {
            if !columns.contains(f) {
                columns.push(*f);
            }
        }
        let stats = stat_levels(&self.nodes, &self.stats);
        let consts = self.consts.into_iter().map(Const::new).collect();
        let scans = self
            .scans
            .into_iter()
            .map(|(table, filters)| filters.finish_scan(table))
            .collect::<Result<Vec<_>>>()?;
        Ok(Plan {
            scans,
            aggregates: self.aggregates,
            as_of: self.options.as_of,
            schema: self.program.schema.clone(),
            columns,
            nodes: self.nodes,
            consts,
            patterns: self.patterns,
            stats,
            outputs,
            carry: carry.to_vec(),
            measures,
            segment_roots: {
                let mut roots: Vec<(SegmentId, NodeId)> = self.segments.into_iter().collect();
                roots.sort();
                roots
                    .into_iter()
                    .map(|(id, node)| (id, self.program.segment(id).name.clone(), node))
                    .collect()
            },
            tier_labels: self
                .program
                .tiers
                .iter()
                .map(|b| b.tiers.iter().map(|t| t.name.clone()).collect())
                .collect(),
        })
    }

    /// A compiler for the filters of aggregates over `table`.
    fn for_events(program: &'p ir::Program, options: &'p PlanOptions, table: ir::EventsId) -> Self {
        Compiler {
            scope: Scope::Events(table),
            ..Compiler::new(program, options)
        }
    }

    /// The event scan of `table`, its filters compiled into a plan of their own
    /// over the table's columns ([`ir::Program::event_schema`]).
    fn finish_scan(self, table: ir::EventsId) -> Result<EventScan> {
        let events = self.event_table(table)?;
        let schema = self.program.event_schema(events);
        let time = events.time.column();
        let timestamp = events.time_is_timestamp();
        let consts = self.consts.into_iter().map(Const::new).collect();
        let filters = Plan {
            as_of: self.options.as_of,
            schema: schema.clone(),
            columns: self.fields.into_iter().collect(),
            nodes: self.nodes,
            consts,
            patterns: self.patterns,
            stats: Vec::new(),
            outputs: Vec::new(),
            carry: Vec::new(),
            measures: Vec::new(),
            tier_labels: Vec::new(),
            segment_roots: Vec::new(),
            aggregates: Vec::new(),
            scans: Vec::new(),
        };
        Ok(EventScan {
            table,
            schema,
            time,
            timestamp,
            filters,
        })
    }

    // ----- arena ----------------------------------------------------------------

    fn add(&mut self, node: Node) -> NodeId {
        if let Some(id) = self.node_index.get(&node) {
            return *id;
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(node.clone());
        self.node_index.insert(node, id);
        id
    }

    fn constant(&mut self, lit: Lit) -> ConstId {
        if let Some(id) = self.const_index.get(&lit) {
            return *id;
        }
        let id = ConstId(self.consts.len() as u32);
        self.consts.push(lit.clone());
        self.const_index.insert(lit, id);
        id
    }

    fn const_node(&mut self, lit: Lit) -> NodeId {
        let id = self.constant(lit);
        self.add(Node::Const(id))
    }

    fn stat(&mut self, value: NodeId) -> StatId {
        match self.stats.iter().position(|v| *v == value) {
            Some(i) => StatId(i as u32),
            None => {
                self.stats.push(value);
                StatId(self.stats.len() as u32 - 1)
            }
        }
    }

    fn pattern(&mut self, text: &str, op: StringOp) -> Result<PatternId> {
        let is_regex = op == StringOp::Matches;
        let key = (text.to_string(), is_regex);
        if let Some(id) = self.pattern_index.get(&key) {
            return Ok(*id);
        }
        let regex = if is_regex {
            let compiled = regex::Regex::new(text).map_err(|e| PlanError::InvalidRegex {
                owner: self.owner.clone(),
                pattern: text.to_string(),
                reason: e.to_string(),
            })?;
            Some(compiled)
        } else {
            None
        };
        let id = PatternId(self.patterns.len() as u32);
        self.patterns.push(Pattern {
            text: text.to_string(),
            regex,
        });
        self.pattern_index.insert(key, id);
        Ok(id)
    }

    fn invalid(&self, reason: impl Into<String>) -> PlanError {
        PlanError::Invalid {
            owner: self.owner.clone(),
            reason: reason.into(),
        }
    }

    // ----- segments and tiers -----------------------------------------------------

    /// The checked segment `id` (the checker gives only valid ids; an unknown one
    /// is an error, not a panic).
    fn segment_def(&self, id: SegmentId) -> Result<&'p ir::Segment> {
        self.program
            .segments
            .get(id.0 as usize)
            .ok_or_else(|| self.invalid(format!("reference to an unknown segment #{}", id.0)))
    }

    /// The checked tiers block `id` (as [`Compiler::segment_def`]).
    fn tier_def(&self, id: TierId) -> Result<&'p ir::TierBlock> {
        self.program
            .tiers
            .get(id.0 as usize)
            .ok_or_else(|| self.invalid(format!("reference to an unknown tiers block #{}", id.0)))
    }

    /// The checked event table `id` (as [`Compiler::segment_def`]).
    fn event_table(&self, id: ir::EventsId) -> Result<&'p ir::EventTable> {
        self.program
            .events
            .get(id.0 as usize)
            .ok_or_else(|| self.invalid(format!("unknown event table #{}", id.0)))
    }

    /// Whether a segment or tiers block already has its node.
    fn is_compiled(&self, which: ir::Derived) -> bool {
        match which {
            ir::Derived::Segment(id) => self.segments.contains_key(&id),
            ir::Derived::Tiers(id) => self.tier_blocks.contains_key(&id),
        }
    }

    /// Compiles everything `root` refers to, directly or through other segments
    /// and tiers blocks, referenced items first, with an explicit stack: a chain
    /// of thousands of references (`s2` uses `s1`, `s3` uses `s2`, …) must not
    /// recurse once per link. Afterwards compiling `root` itself finds every
    /// reference already compiled, so its recursion is bounded by the checker's
    /// expression depth.
    fn compile_references_of(&mut self, root: ir::Derived) -> Result<()> {
        let mut expanding: HashSet<ir::Derived> = HashSet::new();
        let mut stack = vec![(root, false)];
        while let Some((item, expanded)) = stack.pop() {
            if self.is_compiled(item) {
                continue;
            }
            if expanded {
                if item != root {
                    self.compile_item(item)?;
                }
                continue;
            }
            if !expanding.insert(item) {
                // on the current path and not compiled: a cycle (the checker rejects these)
                return Err(self.invalid("reference cycle"));
            }
            stack.push((item, true));
            let mut refs = Vec::new();
            self.references_of(item, &mut refs)?;
            for r in refs.into_iter().rev() {
                if !self.is_compiled(r) {
                    stack.push((r, false));
                }
            }
        }
        Ok(())
    }

    fn compile_item(&mut self, item: ir::Derived) -> Result<NodeId> {
        match item {
            ir::Derived::Segment(id) => self.segment(id),
            ir::Derived::Tiers(id) => self.tiers(id),
        }
    }

    /// The segments and tiers blocks an item's expressions name directly.
    fn references_of(&self, item: ir::Derived, out: &mut Vec<ir::Derived>) -> Result<()> {
        match item {
            ir::Derived::Segment(id) => {
                let segment = self.segment_def(id)?;
                out.extend(segment.condition.references());
            }
            ir::Derived::Tiers(id) => {
                let block = self.tier_def(id)?;
                for condition in block.tiers.iter().filter_map(|t| t.condition.as_ref()) {
                    out.extend(condition.references());
                }
            }
        }
        Ok(())
    }

    fn segment(&mut self, id: SegmentId) -> Result<NodeId> {
        if let Some(node) = self.segments.get(&id) {
            return Ok(*node);
        }
        if self.in_progress.is_empty() {
            self.compile_references_of(ir::Derived::Segment(id))?;
        }
        let segment = self.segment_def(id)?;
        let node = self.derived(
            ir::Derived::Segment(id),
            format!("segment {}", segment.name),
            |c| c.criterion(&segment.condition),
        )?;
        self.segments.insert(id, node);
        Ok(node)
    }

    fn tiers(&mut self, id: TierId) -> Result<NodeId> {
        if let Some(node) = self.tier_blocks.get(&id) {
            return Ok(*node);
        }
        if self.in_progress.is_empty() {
            self.compile_references_of(ir::Derived::Tiers(id))?;
        }
        let block = self.tier_def(id)?;
        let node = self.derived(
            ir::Derived::Tiers(id),
            format!("tiers {}", block.name),
            |c| {
                let conditions = block
                    .tiers
                    .iter()
                    .map(|t| t.condition.as_ref().map(|e| c.criterion(e)).transpose())
                    .collect::<Result<Vec<_>>>()?;
                Ok(c.add(Node::Tiers {
                    block: id,
                    conditions,
                }))
            },
        )?;
        self.tier_blocks.insert(id, node);
        Ok(node)
    }

    /// Compiles a segment or tiers block with `owner` set for messages, guarding
    /// against reference cycles (which the checker already rejects).
    fn derived(
        &mut self,
        which: ir::Derived,
        owner: String,
        body: impl FnOnce(&mut Self) -> Result<NodeId>,
    ) -> Result<NodeId> {
        if !self.in_progress.insert(which) {
            return Err(self.invalid("reference cycle"));
        }
        let saved = std::mem::replace(&mut self.owner, owner);
        let result = body(self);
        self.owner = saved;
        self.in_progress.remove(&which);
        result
    }

    // ----- criteria -----------------------------------------------------------------

    /// A node giving a definite mask for a `Bool` expression.
    fn criterion(&mut self, e: &Expr) -> Result<NodeId> {
        let node = match &e.kind {
            ExprKind::Or(items) => self.junction(items, false)?,
            ExprKind::And(items) => self.junction(items, true)?,
            ExprKind::Not(inner) => {
                let inner = self.criterion(inner)?;
                Node::Not(inner)
            }
            ExprKind::SegmentRef(_) if self.scope != Scope::Customers => {
                return Err(self.invalid("a segment inside an aggregate's `where`"));
            }
            ExprKind::SegmentRef(id) => return self.segment(*id),
            ExprKind::Compare { left, op, right } => {
                let (left, right) = self.operands(left, right)?;
                Node::Compare {
                    left,
                    op: *op,
                    right,
                }
            }
            ExprKind::InList {
                value,
                items,
                negated,
            } => self.in_list(value, items, *negated)?,
            ExprKind::Between {
                value,
                low,
                high,
                negated,
            } => self.between(value, low, high, *negated)?,
            ExprKind::IsMissing { value, negated } => Node::IsMissing {
                value: self.value(value)?,
                negated: *negated,
            },
            ExprKind::StringTest { value, op, pattern } => Node::StringTest {
                value: self.value(value)?,
                op: *op,
                pattern: self.pattern(pattern, *op)?,
            },
            ExprKind::Has { list, all, items } => Node::Has {
                list: self.value(list)?,
                all: *all,
                items: items
                    .iter()
                    .map(|l| self.constant(literal(l, None)))
                    .collect(),
            },
            ExprKind::IsEmpty { value, negated } => Node::IsEmpty {
                value: self.value(value)?,
                negated: *negated,
            },
            ExprKind::Within {
                value,
                direction,
                duration,
            } => return self.within(value, *direction, *duration),
            ExprKind::DateCompare {
                value,
                before,
                target,
            } => self.date_compare(value, *before, target)?,
            ExprKind::Percentile {
                value,
                side,
                fraction,
            } => {
                self.customers_only("population statistics")?;
                let value = self.value(value)?;
                Node::Percentile {
                    value,
                    stat: self.stat(value),
                    side: *side,
                    share: Fraction::from_share(*fraction),
                }
            }
            _ => {
                if e.ty != Type::Bool {
                    return Err(
                        self.invalid(format!("a {} value used as a criterion", e.ty.describe()))
                    );
                }
                Node::Truthy(self.value(e)?)
            }
        };
        Ok(self.add(node))
    }

    /// An error unless compiling customer rows: `what` cannot be evaluated over
    /// an event table's rows.
    fn customers_only(&self, what: &str) -> Result<()> {
        match self.scope {
            Scope::Customers => Ok(()),
            Scope::Events(_) => Err(PlanError::Unsupported {
                owner: self.owner.clone(),
                what: format!("{what} inside an aggregate's `where`"),
            }),
        }
    }

    // ----- events -----------------------------------------------------------------------

    /// A column of the event table whose filter is being compiled.
    fn event_field(&mut self, field: ir::EventFieldId) -> Result<NodeId> {
        let Scope::Events(table) = self.scope else {
            return Err(PlanError::Unsupported {
                owner: self.owner.clone(),
                what: "event fields outside an aggregate".into(),
            });
        };
        if self
            .event_table(table)?
            .fields
            .get(field.0 as usize)
            .is_none()
        {
            return Err(self.invalid(format!("unknown event field #{}", field.0)));
        }
        let column = field.column();
        self.fields.insert(column);
        Ok(self.add(Node::Column(column)))
    }

    /// The id of an aggregate, shared with every identical aggregate of the plan;
    /// its filter compiled into its table's scan.
    fn aggregate(&mut self, aggregate: &ir::Aggregate, ty: &Type) -> Result<AggregateId> {
        if self.scope != Scope::Customers {
            return Err(self.invalid("an aggregate inside an aggregate's `where`"));
        }
        let table = aggregate.table;
        let timestamp = self.event_table(table)?.time_is_timestamp();
        let (program, options) = (self.program, self.options);
        let scan = match self.scans.iter().position(|(t, _)| *t == table) {
            Some(i) => i,
            None => {
                self.scans
                    .push((table, Compiler::for_events(program, options, table)));
                self.scans.len() - 1
            }
        };
        let filter = match &aggregate.filter {
            None => None,
            Some(filter) => {
                let owner = self.owner.clone();
                let Some((_, filters)) = self.scans.get_mut(scan) else {
                    return Err(self.invalid("an event scan went missing"));
                };
                let saved = std::mem::replace(&mut filters.owner, owner);
                let compiled = filters.criterion(filter);
                filters.owner = saved;
                Some(compiled?)
            }
        };
        let spec = Aggregate {
            scan: ScanId(scan as u32),
            function: aggregate.function,
            measure: aggregate.field.map(ir::EventFieldId::column),
            filter,
            range: TimeRange::resolve(self.options.as_of, aggregate.window, timestamp),
            ty: ty.clone(),
        };
        if let Some(id) = self.aggregate_index.get(&spec) {
            return Ok(*id);
        }
        let id = AggregateId(self.aggregates.len() as u32);
        self.aggregates.push(spec.clone());
        self.aggregate_index.insert(spec, id);
        Ok(id)
    }

    /// `and`/`or`: nested chains of the same kind are flattened, duplicates dropped.
    fn junction(&mut self, items: &[Expr], and: bool) -> Result<Node> {
        let mut ids: Vec<NodeId> = Vec::new();
        for item in items {
            let id = self.criterion(item)?;
            // flatten chains written inside chains (`a and (b and c)`), but keep a
            // segment reference whole so it reads the referenced segment's mask
            let written = matches!(
                (&item.kind, and),
                (ExprKind::And(_), true) | (ExprKind::Or(_), false)
            );
            let nested = match self.nodes.get(id.0 as usize) {
                Some(Node::And(inner)) if and && written => Some(inner.clone()),
                Some(Node::Or(inner)) if !and && written => Some(inner.clone()),
                _ => None,
            };
            for child in nested.unwrap_or_else(|| vec![id]) {
                if !ids.contains(&child) {
                    ids.push(child);
                }
            }
        }
        Ok(if and { Node::And(ids) } else { Node::Or(ids) })
    }

    fn in_list(&mut self, value: &Expr, items: &[Literal], negated: bool) -> Result<Node> {
        let (value, ty) = self.value_as(value, items.iter().map(literal_type))?;
        let items = items
            .iter()
            .map(|l| self.constant(literal(l, Some(&ty))))
            .collect();
        Ok(Node::InList {
            value,
            items,
            negated,
        })
    }

    fn between(&mut self, value: &Expr, low: &Expr, high: &Expr, negated: bool) -> Result<Node> {
        let ty = common_type(&[&value.ty, &low.ty, &high.ty]);
        Ok(Node::Between {
            value: self.value_of_type(value, &ty)?,
            low: self.value_of_type(low, &ty)?,
            high: self.value_of_type(high, &ty)?,
            negated,
        })
    }

    /// `within last|next N unit`, resolved against the as-of date.
    fn within(
        &mut self,
        value: &Expr,
        direction: Direction,
        duration: ir::Duration,
    ) -> Result<NodeId> {
        let value = self.value_of_type(value, &Type::Date)?;
        let as_of = self.const_node(Lit::Date(self.as_of_days));
        let node = match direction {
            Direction::Last => {
                let low = dates::days_ago(self.options.as_of, duration);
                Node::Between {
                    value,
                    low: self.const_node(Lit::Date(low)),
                    high: as_of,
                    negated: false,
                }
            }
            Direction::Next => {
                let high = dates::days_ahead(self.options.as_of, duration);
                let high = self.const_node(Lit::Date(high));
                let after = self.add(Node::Compare {
                    left: value,
                    op: CmpOp::Gt,
                    right: as_of,
                });
                let until = self.add(Node::Compare {
                    left: value,
                    op: CmpOp::LtEq,
                    right: high,
                });
                Node::And(vec![after, until])
            }
        };
        Ok(self.add(node))
    }

    /// `before`/`after`: by date unless both sides are instants.
    fn date_compare(
        &mut self,
        value: &Expr,
        before: bool,
        target: &ir::DateTarget,
    ) -> Result<Node> {
        let target = match target {
            ir::DateTarget::Date(d) => Lit::Date(dates::days_of(*d)),
            ir::DateTarget::Timestamp(t) if value.ty == Type::Timestamp => Lit::Timestamp(*t),
            ir::DateTarget::Timestamp(t) => Lit::Date(dates::day_of_micros(*t)),
            ir::DateTarget::Ago(duration) => {
                Lit::Date(dates::days_ago(self.options.as_of, *duration))
            }
        };
        let ty = if matches!(target, Lit::Timestamp(_)) {
            Type::Timestamp
        } else {
            Type::Date
        };
        let value = self.value_of_type(value, &ty)?;
        let right = self.const_node(target);
        let op = if before { CmpOp::Lt } else { CmpOp::Gt };
        Ok(Node::Compare {
            left: value,
            op,
            right,
        })
    }

    // ----- values -------------------------------------------------------------------

    /// Two operands converted to one type (the checker already does this; this
    /// keeps the plan correct for hand-built programs too).
    fn operands(&mut self, left: &Expr, right: &Expr) -> Result<(NodeId, NodeId)> {
        let ty = common_type(&[&left.ty, &right.ty]);
        Ok((
            self.value_of_type(left, &ty)?,
            self.value_of_type(right, &ty)?,
        ))
    }

    /// A value converted to the common type of itself and some literals.
    fn value_as(&mut self, e: &Expr, others: impl Iterator<Item = Type>) -> Result<(NodeId, Type)> {
        let others: Vec<Type> = others.collect();
        let mut all: Vec<&Type> = vec![&e.ty];
        all.extend(others.iter());
        let ty = common_type(&all);
        Ok((self.value_of_type(e, &ty)?, ty))
    }

    /// A value, with `ToFloat`/`DateOf` inserted when `ty` asks for it.
    fn value_of_type(&mut self, e: &Expr, ty: &Type) -> Result<NodeId> {
        if let ExprKind::Literal(l) = &e.kind {
            return Ok(self.const_node(literal(l, Some(ty))));
        }
        let id = self.value(e)?;
        Ok(match (&e.ty, ty) {
            (Type::Int, Type::Float) => self.add(Node::ToFloat(id)),
            (Type::Timestamp, Type::Date) => self.add(Node::DateOf(id)),
            _ => id,
        })
    }

    /// A node giving values (which may be missing).
    fn value(&mut self, e: &Expr) -> Result<NodeId> {
        let node = match &e.kind {
            ExprKind::Field(_) | ExprKind::TierRef(_) if self.scope != Scope::Customers => {
                return Err(self.invalid("a customer field inside an aggregate's `where`"));
            }
            ExprKind::EventField(f) => return self.event_field(*f),
            ExprKind::Field(f) => {
                if self.program.schema.fields.get(f.0 as usize).is_none() {
                    return Err(self.invalid(format!("unknown field #{}", f.0)));
                }
                self.fields.insert(*f);
                Node::Column(*f)
            }
            ExprKind::Literal(l) => Node::Const(self.constant(literal(l, Some(&e.ty)))),
            ExprKind::TierRef(id) => return self.tiers(*id),
            ExprKind::Arith { left, op, right } => {
                let (left, right) = self.operands(left, right)?;
                Node::Arith {
                    op: *op,
                    left,
                    right,
                }
            }
            ExprKind::Neg(inner) => Node::Neg(self.value(inner)?),
            ExprKind::Call { function, arg } => self.call(*function, arg)?,
            ExprKind::Rank { score, value } => {
                self.customers_only("population statistics")?;
                let value = self.value(value)?;
                Node::Rank {
                    score: *score,
                    value,
                    stat: self.stat(value),
                }
            }
            ExprKind::DateOf(inner) => {
                let inner = self.value(inner)?;
                Node::DateOf(inner)
            }
            ExprKind::ToFloat(inner) => {
                let inner = self.value(inner)?;
                Node::ToFloat(inner)
            }
            ExprKind::Aggregate(aggregate) => Node::Aggregate(self.aggregate(aggregate, &e.ty)?),
            // criteria used as values (`champions = true`): a mask is a non-null bool
            _ => return self.criterion(e),
        };
        Ok(self.add(node))
    }

    fn call(&mut self, function: Function, arg: &Expr) -> Result<Node> {
        Ok(match function {
            Function::Lower => Node::Lower(self.value(arg)?),
            Function::Upper => Node::Upper(self.value(arg)?),
            Function::LengthString => Node::LengthString(self.value(arg)?),
            Function::LengthList => Node::LengthList(self.value(arg)?),
            Function::DaysSince => Node::DaysSince {
                value: self.value_of_type(arg, &Type::Date)?,
                as_of: self.as_of_days,
            },
            Function::Year => Node::Year(self.value_of_type(arg, &Type::Date)?),
            Function::Month => Node::Month(self.value_of_type(arg, &Type::Date)?),
        })
    }
}

/// The type both sides are compared in: float if any is float and the rest ints;
/// date if any is a date and the rest timestamps; otherwise the first type.
fn common_type(types: &[&Type]) -> Type {
    let any = |t: Type| types.iter().any(|x| **x == t);
    if any(Type::Float) && types.iter().all(|t| t.is_numeric()) {
        Type::Float
    } else if any(Type::Date) && types.iter().all(|t| t.is_temporal()) {
        Type::Date
    } else {
        types.first().map(|t| (*t).clone()).unwrap_or(Type::Bool)
    }
}

fn literal_type(l: &Literal) -> Type {
    match l {
        Literal::Bool(_) => Type::Bool,
        Literal::Int(_) => Type::Int,
        Literal::Float(_) => Type::Float,
        Literal::String(_) => Type::String,
        Literal::Date(_) => Type::Date,
        Literal::Timestamp(_) => Type::Timestamp,
    }
}

/// A checked literal as a plan literal of type `ty` (ints widen to floats,
/// instants narrow to their UTC date).
fn literal(l: &Literal, ty: Option<&Type>) -> Lit {
    match (l, ty) {
        (Literal::Int(v), Some(Type::Float)) => Lit::float(*v as f64),
        (Literal::Timestamp(t), Some(Type::Date)) => Lit::Date(dates::day_of_micros(*t)),
        (Literal::Bool(b), _) => Lit::Bool(*b),
        (Literal::Int(v), _) => Lit::Int(*v),
        (Literal::Float(v), _) => Lit::float(*v),
        (Literal::String(s), _) => Lit::Str(s.clone()),
        (Literal::Date(d), _) => Lit::Date(dates::days_of(*d)),
        (Literal::Timestamp(t), _) => Lit::Timestamp(*t),
    }
}

impl Const {
    fn new(lit: Lit) -> Const {
        Const {
            scalar: scalar_of(&lit),
            lit,
        }
    }
}

/// A literal as a one-row Arrow scalar of its canonical type.
fn scalar_of(lit: &Lit) -> Scalar<ArrayRef> {
    let array: ArrayRef = match lit {
        Lit::Bool(b) => Arc::new(BooleanArray::from(vec![*b])),
        Lit::Int(v) => Arc::new(Int64Array::from(vec![*v])),
        Lit::Float(bits) => Arc::new(Float64Array::from(vec![f64::from_bits(*bits)])),
        Lit::Str(s) => Arc::new(StringArray::from(vec![s.as_str()])),
        Lit::Date(d) => Arc::new(Date32Array::from(vec![*d])),
        Lit::Timestamp(t) => Arc::new(TimestampMicrosecondArray::from(vec![*t])),
    };
    Scalar::new(array)
}

/// Each statistic's level: 1 + the highest level of a statistic its value uses.
fn stat_levels(nodes: &[Node], stats: &[NodeId]) -> Vec<Stat> {
    // nodes are in dependency order, so one forward sweep suffices
    let mut level = vec![0u32; nodes.len()];
    let mut stat_level = vec![0u32; stats.len()];
    for (i, node) in nodes.iter().enumerate() {
        let mut l = node
            .children()
            .iter()
            .map(|c| level.get(c.0 as usize).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        if let Node::Rank { stat, value, .. } | Node::Percentile { stat, value, .. } = node {
            let own = level.get(value.0 as usize).copied().unwrap_or(0) + 1;
            if let Some(s) = stat_level.get_mut(stat.0 as usize) {
                *s = own;
            }
            l = l.max(own);
        }
        if let Some(slot) = level.get_mut(i) {
            *slot = l;
        }
    }
    stats
        .iter()
        .zip(stat_level)
        .map(|(value, level)| Stat {
            value: *value,
            level: level.max(1),
        })
        .collect()
}
