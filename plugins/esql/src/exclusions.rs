//! Structured exclusions as ES|QL conditions on one target.
//!
//! String comparisons ignore case: the field is wrapped in `TO_LOWER` and the value written
//! lower-cased, for `==`, `IN`, `STARTS_WITH`, `ENDS_WITH`, `LIKE "*...*"` (contains) and
//! `RLIKE` (matches). `ip` fields compare with `TO_IP` for equality and as text otherwise; port
//! fields only compare for equality. `!=` and `not in` are written as `NOT (...)` of the positive
//! test. The caller wraps the whole condition in `COALESCE(..., false)`: ES|QL compares a missing
//! or multi-valued field to null, and `NOT null` would drop the event instead of keeping it.

use std::net::IpAddr;

use ioc_core::condition::{self, ConditionSyntax};
use ioc_core::{Expr, Field, Op};

use crate::literal;
use crate::matching::lower;
use crate::rlike;
use crate::schema::{Column, Target};

/// Compiles `expr` for `target`, or says why it cannot be expressed there.
pub fn compile(expr: &Expr, target: &Target) -> Result<String, String> {
    condition::write(expr, &mut Esql { target })
}

struct Esql<'a> {
    target: &'a Target,
}

impl ConditionSyntax for Esql<'_> {
    const AND: &'static str = " AND ";
    const OR: &'static str = " OR ";

    fn not(&self, condition: &str) -> String {
        format!("NOT ({condition})")
    }

    fn test(&mut self, field: Field, op: Op, values: &[String]) -> Result<String, String> {
        let column = self
            .target
            .column_for(field)
            .ok_or_else(|| format!("{} have no field for {field}", self.target.title))?;
        column_test(column, field, op, values)
    }
}

fn column_test(column: Column, field: Field, op: Op, values: &[String]) -> Result<String, String> {
    match column {
        Column::Str(name) => string_test(&lower(name), op, values),
        Column::Args(name) if op == Op::Contains => string_test(&lower(name), op, values),
        Column::Args(name) => Err(format!(
            "{field} {} cannot be tested on {name}, which holds the whole command line",
            op.as_str()
        )),
        Column::Ip(name) => match op {
            Op::Eq | Op::In => {
                let ips: Vec<String> = values
                    .iter()
                    .map(|v| {
                        v.parse::<IpAddr>()
                            .map(|ip| format!("TO_IP({})", literal::checked(&ip.to_string())))
                            .map_err(|_| format!("{v:?} is not an IP address, as {name} holds"))
                    })
                    .collect::<Result<_, _>>()?;
                Ok(match ips.as_slice() {
                    [one] => format!("{name} == {one}"),
                    many => format!("{name} IN ({})", many.join(", ")),
                })
            }
            _ => string_test(&format!("TO_STRING({name})"), op, values),
        },
        Column::Port(name) => match op {
            Op::Eq => Ok(format!("{name} == {}", values[0])),
            Op::In => Ok(format!("{name} IN ({})", values.join(", "))),
            _ => Err(format!(
                "{field} {} cannot be tested on the number field {name}",
                op.as_str()
            )),
        },
    }
}

fn string_test(left: &str, op: Op, values: &[String]) -> Result<String, String> {
    let lowered: Vec<String> = values.iter().map(|v| v.to_lowercase()).collect();
    let unwritable = |e: literal::Unwritable| e.reason();
    let first = || literal::string(&lowered[0]).map_err(unwritable);
    Ok(match op {
        Op::Eq => format!("{left} == {}", first()?),
        Op::In => format!(
            "{left} IN {}",
            literal::string_list(lowered.iter().map(String::as_str)).map_err(unwritable)?
        ),
        Op::Contains => format!(
            "{left} LIKE {}",
            literal::contains_pattern(&lowered[0]).map_err(unwritable)?
        ),
        Op::StartsWith => format!("STARTS_WITH({left}, {})", first()?),
        Op::EndsWith => format!("ENDS_WITH({left}, {})", first()?),
        Op::Matches => {
            let pattern = rlike::to_lucene(&values[0])?;
            format!(
                "{left} RLIKE {}",
                literal::string(&pattern).map_err(unwritable)?
            )
        }
        Op::Ne | Op::NotIn => unreachable!("negative operators are compiled as NOT (positive)"),
    })
}
