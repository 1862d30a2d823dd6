//! The walk that turns an exclusion [`Expr`] into one backend's condition text.
//!
//! Every backend writes the same structure: AND and OR groups, a group inside a group in
//! parentheses, and `!=` / `not in` as the negation of the positive test. The last rule matters
//! when a field maps to several columns: "none of the columns equals x" is `not(a == x or b == x)`,
//! which writing `a != x or b != x` would get wrong. A backend supplies only its words and its
//! test of one field through [`ConditionSyntax`].

use crate::exclusion::{Expr, Op};
use crate::field::Field;

/// One backend's way of writing a condition.
pub trait ConditionSyntax {
    /// What joins the members of an AND group, spaces included (` and `, ` AND `).
    const AND: &'static str;
    /// What joins the members of an OR group.
    const OR: &'static str;

    /// The negation of an already written condition.
    fn not(&self, condition: &str) -> String;

    /// The test of `field` against `values` with a positive operator (never [`Op::Ne`] or
    /// [`Op::NotIn`]), or why the backend cannot express it.
    fn test(&mut self, field: Field, op: Op, values: &[String]) -> Result<String, String>;
}

/// Writes `expr` in `syntax`. A top-level group comes without parentheses, so the caller can
/// wrap the whole condition as its language needs.
pub fn write<S: ConditionSyntax>(expr: &Expr, syntax: &mut S) -> Result<String, String> {
    match expr {
        Expr::And(items) => group(items, S::AND, syntax),
        Expr::Or(items) => group(items, S::OR, syntax),
        Expr::Not(inner) => {
            let inner = write(inner, syntax)?;
            Ok(syntax.not(&inner))
        }
        Expr::Cmp { field, op, values } => {
            let (positive, negated) = op.positive();
            let test = syntax.test(*field, positive, values)?;
            Ok(if negated { syntax.not(&test) } else { test })
        }
    }
}

fn group<S: ConditionSyntax>(
    items: &[Expr],
    separator: &str,
    syntax: &mut S,
) -> Result<String, String> {
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        let text = write(item, syntax)?;
        parts.push(if matches!(item, Expr::And(_) | Expr::Or(_)) {
            format!("({text})")
        } else {
            text
        });
    }
    Ok(parts.join(separator))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exclusion::{parse_clause, Polarity};

    /// Writes each test as `field op values` and records the operators it was asked for.
    struct Plain {
        asked: Vec<Op>,
    }

    impl ConditionSyntax for Plain {
        const AND: &'static str = " & ";
        const OR: &'static str = " | ";

        fn not(&self, condition: &str) -> String {
            format!("!({condition})")
        }

        fn test(&mut self, field: Field, op: Op, values: &[String]) -> Result<String, String> {
            self.asked.push(op);
            if values.iter().any(|v| v == "unwritable") {
                return Err(format!("{field} cannot hold that"));
            }
            Ok(format!("{field} {} {}", op.as_str(), values.join(",")))
        }
    }

    fn written(clause: &str) -> (Result<String, String>, Vec<Op>) {
        let expr = parse_clause(clause, Polarity::Exclude).expect("clause parses");
        let mut syntax = Plain { asked: Vec::new() };
        (write(&expr, &mut syntax), syntax.asked)
    }

    #[test]
    fn nested_groups_get_parentheses_and_the_top_level_does_not() {
        let (text, _) = written(
            r#"process.name = "a.exe" and (process.parent.name = "x" or process.parent.name = "y")"#,
        );
        assert_eq!(
            text.unwrap(),
            "process.name = a.exe & (process.parent.name = x | process.parent.name = y)"
        );
    }

    #[test]
    fn negative_operators_are_the_negation_of_the_positive_test() {
        let (text, asked) = written(
            r#"process.name = "z" and process.parent.name != "a" and process.args not in ("x", "y")"#,
        );
        assert_eq!(
            text.unwrap(),
            "process.name = z & !(process.parent.name = a) & !(process.args in x,y)"
        );
        assert_eq!(asked, vec![Op::Eq, Op::Eq, Op::In]);
    }

    #[test]
    fn a_test_the_backend_cannot_write_fails_the_whole_condition() {
        let (text, _) = written(r#"process.name = "a.exe" or process.parent.name = "unwritable""#);
        assert_eq!(text.unwrap_err(), "process.parent.name cannot hold that");
    }
}
