//! Evaluating the plan's arena over one batch: nodes in id order (children first),
//! each result kept in a memo so shared nodes and segment references are computed
//! once per batch.

use arrow::array::RecordBatch;
use arrow::buffer::BooleanBuffer;
use arrow::error::ArrowError;

use super::kernels;
use super::operand::{Computed, Operand};
use super::population::Population;
use super::values;
use crate::check::ir::FieldId;
use crate::plan::{Node, NodeId, Plan};

type Result<T> = std::result::Result<T, ArrowError>;

/// Where each field sits in the batch (indexed by `FieldId`).
pub(crate) fn positions(columns: &[FieldId]) -> Vec<Option<usize>> {
    let size = columns.iter().map(|f| f.0 as usize + 1).max().unwrap_or(0);
    let mut at = vec![None; size];
    for (i, field) in columns.iter().enumerate() {
        if let Some(slot) = at.get_mut(field.0 as usize) {
            *slot = Some(i);
        }
    }
    at
}

/// The position of `field` in `batch` (as [`positions`] gave it), or an error
/// when it was not read (a bug in a source, or in segmint).
pub(crate) fn position(
    positions: &[Option<usize>],
    batch: &RecordBatch,
    field: FieldId,
) -> Result<usize> {
    positions
        .get(field.0 as usize)
        .copied()
        .flatten()
        .filter(|p| *p < batch.num_columns())
        .ok_or_else(|| {
            ArrowError::InvalidArgumentError(format!("field #{} is not in the batch", field.0))
        })
}

/// The nodes needed to compute `roots` (children have smaller ids than parents).
pub(crate) fn closure(plan: &Plan, roots: &[NodeId]) -> Vec<bool> {
    let mut needed = vec![false; plan.nodes().len()];
    for root in roots {
        if let Some(slot) = needed.get_mut(root.0 as usize) {
            *slot = true;
        }
    }
    for i in (0..needed.len()).rev() {
        if needed.get(i).copied().unwrap_or(false) {
            for child in plan.nodes().get(i).map(Node::children).unwrap_or_default() {
                if let Some(slot) = needed.get_mut(child.0 as usize) {
                    *slot = true;
                }
            }
        }
    }
    needed
}

/// One batch's evaluation state.
pub(crate) struct Exec<'a> {
    plan: &'a Plan,
    population: &'a Population,
    batch: &'a RecordBatch,
    positions: &'a [Option<usize>],
    memo: Vec<Option<Computed>>,
    len: usize,
    offset: usize,
}

impl<'a> Exec<'a> {
    /// Evaluates the `needed` nodes of `plan` over `batch`.
    pub(crate) fn run(
        plan: &'a Plan,
        population: &'a Population,
        batch: &'a RecordBatch,
        offset: usize,
        positions: &'a [Option<usize>],
        needed: &[bool],
    ) -> Result<Exec<'a>> {
        let mut exec = Exec {
            plan,
            population,
            batch,
            positions,
            memo: vec![None; plan.nodes().len()],
            len: batch.num_rows(),
            offset,
        };
        for (i, node) in plan.nodes().iter().enumerate() {
            if needed.get(i).copied().unwrap_or(false) {
                let computed = exec.node(node)?;
                if let Some(slot) = exec.memo.get_mut(i) {
                    *slot = Some(computed);
                }
            }
        }
        Ok(exec)
    }

    /// A computed node as a definite mask.
    pub(crate) fn mask(&self, id: NodeId) -> Result<BooleanBuffer> {
        match self.memo.get(id.0 as usize) {
            Some(Some(Computed::Mask(mask))) => Ok(mask.clone()),
            Some(Some(Computed::Values(values))) => kernels::truthy(values, self.len),
            _ => Err(not_computed(id)),
        }
    }

    /// A computed node as values.
    pub(crate) fn operand(&self, id: NodeId) -> Result<Operand> {
        match self.memo.get(id.0 as usize) {
            Some(Some(Computed::Values(values))) => Ok(values.clone()),
            Some(Some(Computed::Mask(mask))) => Ok(Operand::from_mask(mask)),
            _ => Err(not_computed(id)),
        }
    }

    fn node(&self, node: &Node) -> Result<Computed> {
        let len = self.len;
        let v = |id: &NodeId| self.operand(*id);
        let m = |id: &NodeId| self.mask(*id);
        let values = |o: Result<Operand>| o.map(Computed::Values);
        let mask = |b: Result<BooleanBuffer>| b.map(Computed::Mask);
        match node {
            Node::Column(field) => values(self.column(*field)),
            Node::Aggregate(id) => values(
                self.population
                    .aggregate(*id, self.offset, len)
                    .map(Operand::Array),
            ),
            Node::Const(c) => values(Ok(Operand::Scalar(
                self.plan.constant(*c).scalar.clone().into_inner(),
            ))),
            Node::Arith { op, left, right } => values(values::arith(*op, &v(left)?, &v(right)?)),
            Node::Neg(a) => values(values::neg(&v(a)?)),
            Node::ToFloat(a) => values(values::to_float(&v(a)?)),
            Node::DateOf(a) => values(values::date_of(&v(a)?)),
            Node::Lower(a) => values(values::map_strings(&v(a)?, str::to_lowercase)),
            Node::Upper(a) => values(values::map_strings(&v(a)?, str::to_uppercase)),
            Node::LengthString(a) => values(values::length_string(&v(a)?)),
            Node::LengthList(a) => values(values::length_list(&v(a)?)),
            Node::DaysSince { value, as_of } => values(values::days_since(&v(value)?, *as_of)),
            Node::Year(a) => values(values::year(&v(a)?)),
            Node::Month(a) => values(values::month(&v(a)?)),
            Node::Rank { score, value, stat } => {
                values(self.population.rank(*stat, *score, &v(value)?))
            }
            Node::Tiers { block, conditions } => {
                values(self.tiers(*block, conditions).map(Operand::Array))
            }
            Node::Truthy(a) => mask(kernels::truthy(&v(a)?, len)),
            Node::And(items) => mask(self.junction(items, true)),
            Node::Or(items) => mask(self.junction(items, false)),
            Node::Not(a) => mask(m(a).map(|bits| !&bits)),
            Node::Compare { left, op, right } => {
                mask(kernels::compare(*op, &v(left)?, &v(right)?, len))
            }
            Node::InList {
                value,
                items,
                negated,
            } => {
                let scalars: Vec<_> = items
                    .iter()
                    .map(|c| &self.plan.constant(*c).scalar)
                    .collect();
                mask(kernels::in_list(&v(value)?, &scalars, *negated, len))
            }
            Node::Between {
                value,
                low,
                high,
                negated,
            } => mask(kernels::between(
                &v(value)?,
                &v(low)?,
                &v(high)?,
                *negated,
                len,
            )),
            Node::IsMissing { value, negated } => {
                let present = v(value)?.presence(len);
                mask(Ok(if *negated { present } else { !&present }))
            }
            Node::StringTest { value, op, pattern } => mask(kernels::string_test(
                &v(value)?,
                *op,
                self.plan.pattern(*pattern),
                len,
            )),
            Node::Has { list, all, items } => {
                let scalars: Vec<_> = items
                    .iter()
                    .map(|c| &self.plan.constant(*c).scalar)
                    .collect();
                mask(kernels::has(&v(list)?, *all, &scalars, len))
            }
            Node::IsEmpty { value, negated } => mask(kernels::is_empty(&v(value)?, *negated, len)),
            Node::Percentile {
                value,
                stat,
                side,
                share,
            } => mask(
                self.population
                    .in_share(*stat, *side, *share, &v(value)?, len),
            ),
        }
    }

    fn column(&self, field: FieldId) -> Result<Operand> {
        let position = position(self.positions, self.batch, field)?;
        let array = values::normalize_column(self.batch.column(position))?;
        Ok(Operand::Array(array))
    }

    fn junction(&self, items: &[NodeId], and: bool) -> Result<BooleanBuffer> {
        let mut acc: Option<BooleanBuffer> = None;
        for item in items {
            let bits = self.mask(*item)?;
            acc = Some(match acc {
                None => bits,
                Some(mut acc) if and => {
                    acc &= &bits;
                    acc
                }
                Some(mut acc) => {
                    acc |= &bits;
                    acc
                }
            });
        }
        Ok(acc.unwrap_or_else(|| super::operand::constant(and, self.len)))
    }

    fn tiers(
        &self,
        block: crate::check::ir::TierId,
        conditions: &[Option<NodeId>],
    ) -> Result<arrow::array::ArrayRef> {
        let masks = conditions
            .iter()
            .map(|c| c.map(|id| self.mask(id)).transpose())
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<Option<&BooleanBuffer>> = masks.iter().map(Option::as_ref).collect();
        values::tiers(&refs, self.plan.tier_labels(block), self.len)
    }
}

fn not_computed(id: NodeId) -> ArrowError {
    ArrowError::InvalidArgumentError(format!("node #{} used before it was computed", id.0))
}
