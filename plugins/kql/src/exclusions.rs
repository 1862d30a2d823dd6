//! Structured exclusions as KQL conditions on one table.
//!
//! String comparisons use the case-insensitive operators (`=~`, `in~`, `contains`,
//! `startswith`, `endswith`, and `matches regex` with `(?i)`). A field mapped to several
//! columns matches when any column does; `!=` and `not in` are written as `not(...)` of the
//! positive test, so "none of the columns" stays correct.

use ioc_core::condition::{self, ConditionSyntax};
use ioc_core::{Expr, Field, Op};

use crate::literal;
use crate::schema::{Column, Table};

/// Compiles `expr` for `table`, or says why it cannot be expressed there.
pub fn compile(expr: &Expr, table: &Table) -> Result<String, String> {
    condition::write(expr, &mut Kql { table })
}

struct Kql<'a> {
    table: &'a Table,
}

impl ConditionSyntax for Kql<'_> {
    const AND: &'static str = " and ";
    const OR: &'static str = " or ";

    fn not(&self, condition: &str) -> String {
        format!("not({condition})")
    }

    fn test(&mut self, field: Field, op: Op, values: &[String]) -> Result<String, String> {
        let table = self.table;
        let columns = table
            .columns_for(field)
            .ok_or_else(|| format!("{} has no column for {field}", table.name))?;
        let tests: Vec<String> = columns
            .iter()
            .map(|column| column_test(*column, field, op, values))
            .collect::<Result<_, String>>()?;
        Ok(if tests.len() == 1 {
            tests[0].clone()
        } else {
            format!("({})", tests.join(" or "))
        })
    }
}

fn column_test(column: Column, field: Field, op: Op, values: &[String]) -> Result<String, String> {
    match column {
        Column::Str(name) => Ok(string_test(name, op, values)),
        Column::Args(name) if op == Op::Contains => Ok(string_test(name, op, values)),
        Column::Args(name) => Err(format!(
            "{field} {} cannot be tested on {name}, which holds the whole command line",
            op.as_str()
        )),
        Column::Int(name) => match op {
            Op::Eq => Ok(format!("{name} == {}", values[0])),
            Op::In => Ok(format!("{name} in ({})", values.join(", "))),
            _ => Err(format!(
                "{field} {} cannot be tested on the number column {name}",
                op.as_str()
            )),
        },
    }
}

fn string_test(column: &str, op: Op, values: &[String]) -> String {
    let first = || literal::string(&values[0]);
    match op {
        Op::Eq => format!("{column} =~ {}", first()),
        Op::In => format!(
            "{column} in~ {}",
            literal::string_list(values.iter().map(String::as_str))
        ),
        Op::Contains => format!("{column} contains {}", first()),
        Op::StartsWith => format!("{column} startswith {}", first()),
        Op::EndsWith => format!("{column} endswith {}", first()),
        Op::Matches => format!(
            "{column} matches regex {}",
            literal::string(&format!("(?i){}", values[0]))
        ),
        Op::Ne | Op::NotIn => unreachable!("negative operators are compiled as not(positive)"),
    }
}
