//! Structured exclusions as eval conditions on one dataset, for `| where NOT (...)`.
//!
//! Exclusions always go in a `where` after the search, never in the search terms: a `where`
//! can say every operator (`match()` for contains, starts with, ends with and regular
//! expressions), holds a value with `*` as it is, and a disabled exclusion is then one line to
//! uncomment. String comparisons ignore case: `lower()` on both sides for equality, `(?i)` for
//! `match()`. A field mapped to several dataset fields matches when any of them does; `!=` and
//! `not in` are written as `NOT (...)` of the positive test, so "none of the fields" stays
//! correct. Every AND and OR group and every NOT gets its own parentheses.

use ioc_core::condition::{self, ConditionSyntax};
use ioc_core::{Expr, Field, Op};

use crate::eval;
use crate::literal;
use crate::profile::Naming;
use crate::schema::Column;

/// A compiled exclusion: the condition matching the events to exclude, and the fields it reads.
#[derive(Debug, Clone)]
pub struct Condition {
    pub text: String,
    pub fields: Vec<String>,
}

/// Compiles `expr` for the dataset of `naming`, or says why it cannot be expressed there.
///
/// A top-level AND or OR group is returned without its parentheses: the caller writes the
/// condition inside `NOT (...)`.
pub fn compile(expr: &Expr, naming: &Naming) -> Result<Condition, String> {
    let mut spl = Spl {
        naming,
        fields: Vec::new(),
    };
    let text = condition::write(expr, &mut spl)?;
    Ok(Condition {
        text,
        fields: spl.fields,
    })
}

/// Writes conditions for one dataset and notes each dataset field they read.
struct Spl<'a> {
    naming: &'a Naming<'a>,
    fields: Vec<String>,
}

impl ConditionSyntax for Spl<'_> {
    const AND: &'static str = " AND ";
    const OR: &'static str = " OR ";

    fn not(&self, condition: &str) -> String {
        format!("NOT ({condition})")
    }

    fn test(&mut self, field: Field, op: Op, values: &[String]) -> Result<String, String> {
        let dataset = self.naming.dataset;
        let columns = dataset
            .fields
            .columns(field)
            .ok_or_else(|| format!("{} has no field for {field}", dataset.path()))?;
        let mut tests = Vec::new();
        for column in columns {
            let name = self.naming.field(column.role());
            tests.push(column_test(*column, &name, field, op, values)?);
            if !self.fields.contains(&name) {
                self.fields.push(name);
            }
        }
        Ok(eval::any(tests))
    }
}

fn column_test(
    column: Column,
    name: &str,
    field: Field,
    op: Op,
    values: &[String],
) -> Result<String, String> {
    match column {
        Column::Str(_) => string_test(name, op, values),
        Column::Args(_) if op == Op::Contains => string_test(name, op, values),
        Column::Args(_) => Err(format!(
            "{field} {} cannot be tested on {name}, which holds the whole command line",
            op.as_str()
        )),
        Column::Int(_) => match op {
            Op::Eq | Op::In => {
                let ports: Vec<u16> = values.iter().filter_map(|v| v.parse().ok()).collect();
                if ports.len() != values.len() {
                    return Err(format!("{field} takes port numbers, not {values:?}"));
                }
                Ok(eval::any(
                    ports
                        .iter()
                        .map(|p| eval::number_equals(name, *p))
                        .collect(),
                ))
            }
            _ => Err(format!(
                "{field} {} cannot be tested on the number field {name}",
                op.as_str()
            )),
        },
        Column::Hash(_) => {
            if matches!(op, Op::Eq | Op::In) {
                for value in values {
                    check_hash(field, name, value)?;
                }
            }
            string_test(name, op, values)
        }
    }
}

/// The dataset has one hash field for every algorithm, so the field the write-up named only
/// says what the value must look like.
fn check_hash(field: Field, name: &str, value: &str) -> Result<(), String> {
    let (kind, len) = match field {
        Field::FileHashMd5 => ("MD5", 32),
        Field::FileHashSha1 => ("SHA1", 40),
        _ => ("SHA256", 64),
    };
    if value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    Err(format!(
        "{value:?} is not an {kind} hash, so it is not compared with {name}"
    ))
}

fn string_test(name: &str, op: Op, values: &[String]) -> Result<String, String> {
    let first = &values[0];
    Ok(match op {
        Op::Eq => eval::equals_ci(name, first),
        Op::In => eval::any(values.iter().map(|v| eval::equals_ci(name, v)).collect()),
        Op::Contains => eval::matches(name, "(?i)", first, ""),
        Op::StartsWith => eval::matches(name, "(?i)^", first, ""),
        Op::EndsWith => eval::matches(name, "(?i)", first, "$"),
        Op::Matches => {
            let regex = literal::eval_string(&format!("(?i){first}")).ok_or_else(|| {
                format!(
                    "the regular expression {first:?} holds a backtick or a control character, \
                     which an SPL string cannot carry safely"
                )
            })?;
            format!("match({}, {regex})", eval::value(name))
        }
        Op::Ne | Op::NotIn => unreachable!("negative operators are compiled as NOT (positive)"),
    })
}
