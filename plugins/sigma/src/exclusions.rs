//! Structured exclusions as Sigma filters on one log source.
//!
//! A Sigma search identifier is a map (its items joined with AND) or a list of maps (joined
//! with OR), so an exclusion is written in disjunctive normal form: one map per alternative.
//! A field mapped to several Sigma fields multiplies the alternatives. Sigma has no negation
//! inside a search identifier (only in the condition), so an exclusion with `!=`, `not in` or
//! `not (...)` is reported as not expressible rather than rewritten into something weaker.
//! String comparisons are case-insensitive, which is Sigma's default; regular expressions get
//! the `i` flag of the `re` modifier for the same reason.

use ioc_core::{Expr, Field, Op};

use crate::logsource::{Category, Target};
use crate::value::escape;
use crate::yaml::{Map, Value};

/// More alternatives than this make a filter nobody can review; such an exclusion is reported
/// as not expressible.
const MAX_ALTERNATIVES: usize = 32;

/// One comparison of the expression, always a positive one.
struct Comparison<'e> {
    field: Field,
    op: Op,
    values: &'e [String],
}

/// Compiles `expr` into the value of a filter search identifier for `category`, or says why it
/// cannot be expressed there.
pub fn compile(expr: &Expr, category: Category) -> Result<Value, String> {
    let mut maps = Vec::new();
    for conjunction in normal_form(expr)? {
        for choice in choices(&conjunction, category)? {
            let mut map = Map::new();
            for (key, value) in choice {
                if !map.insert(key.clone(), value) {
                    return Err(format!("it tests {key} twice in one alternative"));
                }
            }
            maps.push(Value::Map(map));
            if maps.len() > MAX_ALTERNATIVES {
                return Err(format!(
                    "it needs more than {MAX_ALTERNATIVES} alternatives as a Sigma filter"
                ));
            }
        }
    }
    Ok(Value::one_or_list(maps))
}

/// The expression as alternatives (OR) of conjunctions (AND) of positive comparisons.
fn normal_form(expr: &Expr) -> Result<Vec<Vec<Comparison<'_>>>, String> {
    match expr {
        Expr::Or(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(normal_form(item)?);
                check_size(out.len())?;
            }
            Ok(out)
        }
        Expr::And(items) => {
            let mut out: Vec<Vec<Comparison<'_>>> = vec![Vec::new()];
            for item in items {
                let alternatives = normal_form(item)?;
                check_size(out.len() * alternatives.len())?;
                let mut next = Vec::new();
                for left in &out {
                    for right in &alternatives {
                        let mut both: Vec<Comparison<'_>> =
                            left.iter().map(Comparison::copy).collect();
                        both.extend(right.iter().map(Comparison::copy));
                        next.push(both);
                    }
                }
                out = next;
            }
            Ok(out)
        }
        Expr::Not(_) => Err(negation()),
        Expr::Cmp { field, op, values } => {
            let (_, negated) = op.positive();
            if negated {
                return Err(negation());
            }
            Ok(vec![vec![Comparison {
                field: *field,
                op: *op,
                values,
            }]])
        }
    }
}

impl Comparison<'_> {
    fn copy(&self) -> Self {
        Comparison {
            field: self.field,
            op: self.op,
            values: self.values,
        }
    }
}

fn negation() -> String {
    "a negated comparison cannot be written inside a Sigma search identifier".to_string()
}

fn check_size(n: usize) -> Result<(), String> {
    if n > MAX_ALTERNATIVES {
        Err(format!(
            "it needs more than {MAX_ALTERNATIVES} alternatives as a Sigma filter"
        ))
    } else {
        Ok(())
    }
}

/// Every way to pick one Sigma field per comparison of a conjunction, each as map items.
fn choices(
    conjunction: &[Comparison<'_>],
    category: Category,
) -> Result<Vec<Vec<(String, Value)>>, String> {
    let mut out: Vec<Vec<(String, Value)>> = vec![Vec::new()];
    for cmp in conjunction {
        let targets = category.targets(cmp.field)?;
        let items: Vec<(String, Value)> = targets
            .iter()
            .map(|target| item(*target, cmp))
            .collect::<Result<_, String>>()?;
        check_size(out.len() * items.len())?;
        let mut next = Vec::new();
        for chosen in &out {
            for item in &items {
                let mut longer = chosen.clone();
                longer.push(item.clone());
                next.push(longer);
            }
        }
        out = next;
    }
    Ok(out)
}

/// One comparison on one Sigma field, as a map key (field and modifiers) and its value.
fn item(target: Target, cmp: &Comparison<'_>) -> Result<(String, Value), String> {
    let strings =
        |prefix: &str| Value::strings(cmp.values.iter().map(|v| escape(&format!("{prefix}{v}"))));
    let cannot = |name: &str, why: &str| {
        Err(format!(
            "{} {} cannot be tested on {name}, {why}",
            cmp.field,
            cmp.op.as_str()
        ))
    };
    match (target, cmp.op) {
        (Target::Plain(name), Op::Eq | Op::In) => Ok((name.to_string(), strings(""))),
        (Target::Plain(name), Op::Contains) => Ok((format!("{name}|contains"), strings(""))),
        (Target::Plain(name), Op::StartsWith) => Ok((format!("{name}|startswith"), strings(""))),
        (Target::Plain(name), Op::EndsWith) => Ok((format!("{name}|endswith"), strings(""))),
        // A regular expression is not a Sigma string: wildcards and escapes do not apply.
        (Target::Plain(name), Op::Matches) => Ok((
            format!("{name}|re|i"),
            Value::strings(cmp.values.iter().cloned()),
        )),
        (Target::Name(name), Op::Eq | Op::In) => Ok((format!("{name}|endswith"), strings("\\"))),
        (Target::Name(name), Op::EndsWith) => Ok((format!("{name}|endswith"), strings(""))),
        (Target::Name(name), _) => cannot(name, "which holds the full path"),
        (Target::Int(name), Op::Eq | Op::In) => {
            let numbers = cmp
                .values
                .iter()
                .map(|v| v.parse::<u16>().map(|n| Value::Int(u64::from(n))))
                .collect::<Result<Vec<Value>, _>>()
                .map_err(|_| format!("{} needs whole numbers", cmp.field))?;
            Ok((name.to_string(), Value::one_or_list(numbers)))
        }
        (Target::Int(name), _) => cannot(name, "which holds a number"),
        (Target::Args(name), Op::Contains) => Ok((format!("{name}|contains"), strings(""))),
        (Target::Args(name), _) => cannot(name, "which holds the whole command line"),
        (Target::Hash { field, prefix }, Op::Eq | Op::In) => Ok((
            format!("{field}|contains"),
            Value::strings(
                cmp.values
                    .iter()
                    .map(|v| escape(&format!("{prefix}{}", v.to_ascii_uppercase()))),
            ),
        )),
        (Target::Hash { field, .. }, _) => cannot(field, "which lists several hashes"),
        (_, Op::Ne | Op::NotIn) => unreachable!("negations are refused before fields are chosen"),
    }
}

#[cfg(test)]
mod tests {
    use ioc_core::{parse_clause, Polarity};

    use super::*;
    use crate::yaml::document;

    fn filter(clause: &str, category: Category) -> Result<String, String> {
        let expr = parse_clause(clause, Polarity::Exclude).expect("the clause parses");
        let value = compile(&expr, category)?;
        let mut map = Map::new();
        map.insert("filter_x1", value);
        Ok(document(&map).unwrap())
    }

    #[test]
    fn names_become_path_suffixes_and_addresses_fan_out() {
        assert_eq!(
            filter(
                "process.name = curl and destination.address contains internal.example",
                Category::NetworkConnection
            )
            .unwrap(),
            "---\nfilter_x1:\n    - Image|endswith: \"\\\\curl\"\n      \
             DestinationHostname|contains: 'internal.example'\n    - Image|endswith: \
             \"\\\\curl\"\n      DestinationIp|contains: 'internal.example'"
        );
    }

    #[test]
    fn ports_are_numbers() {
        assert_eq!(
            filter("destination.port in (80, 443)", Category::NetworkConnection).unwrap(),
            "---\nfilter_x1:\n    DestinationPort:\n        - 80\n        - 443"
        );
    }

    #[test]
    fn what_cannot_be_expressed_says_why() {
        assert_eq!(
            filter(
                "process.command_line contains x",
                Category::NetworkConnection
            )
            .unwrap_err(),
            "network connection events (Sysmon event 3) have no field for process.command_line"
        );
        assert_eq!(
            filter(
                "process.executable = a and process.name != x",
                Category::ProcessCreation
            )
            .unwrap_err(),
            "a negated comparison cannot be written inside a Sigma search identifier"
        );
        assert_eq!(
            filter("process.name contains x", Category::ProcessCreation).unwrap_err(),
            "process.name contains cannot be tested on Image, which holds the full path"
        );
        assert_eq!(
            filter(
                "process.executable = a and process.executable = b",
                Category::ProcessCreation
            )
            .unwrap_err(),
            "it tests Image twice in one alternative"
        );
    }

    #[test]
    fn alternatives_are_capped() {
        let clause = (0..6)
            .map(|i| format!("(process.name = a{i} or process.name = b{i})"))
            .collect::<Vec<_>>()
            .join(" and ");
        assert!(filter(&clause, Category::ProcessCreation)
            .unwrap_err()
            .contains("more than 32 alternatives"));
    }
}
