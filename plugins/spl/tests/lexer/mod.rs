//! A lexer for the subset of SPL the backend writes, for tests only.
//!
//! No SPL parser can be had offline, so the tests check the emitted text with this one: it knows
//! double-quoted strings with the `\"` and `\\` escapes (and refuses any other escape, which the
//! backend never writes), single-quoted field names, three-backtick comments, parentheses,
//! commas, pipes, the `=` and `==` operators, and words. A backtick outside a comment is an
//! error, since Splunk would read it as the start of a macro. [`check`] adds the structural rules:
//! balanced parentheses, pipes only between commands, and no AND next to OR without parentheses.
//!
//! [`run`] evaluates a query on one event, for the tests that assert what matches.

#![allow(dead_code)]

pub mod run;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Comment(String),
    /// A double-quoted string, decoded.
    Str(String),
    /// A single-quoted field name.
    Field(String),
    Open,
    Close,
    Comma,
    Pipe,
    /// `=` or `==`.
    Op(String),
    Word(String),
}

/// Splits `text` into tokens.
pub fn lex(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = |i: usize| chars.get(i).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '`' => {
                if at(i + 1) != Some('`') || at(i + 2) != Some('`') {
                    return Err(format!("a backtick outside a comment at char {i}"));
                }
                let start = i + 3;
                let end = (start..chars.len().saturating_sub(2))
                    .find(|&j| chars[j..j + 3] == ['`', '`', '`'])
                    .ok_or_else(|| format!("the comment at char {i} is not closed"))?;
                tokens.push(Token::Comment(chars[start..end].iter().collect()));
                i = end + 3;
            }
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match at(i) {
                        None => return Err("a string is not closed".to_string()),
                        Some('"') => break,
                        Some('\\') => match at(i + 1) {
                            Some(e @ ('"' | '\\')) => {
                                value.push(e);
                                i += 2;
                            }
                            other => return Err(format!("unknown escape \\{other:?} in a string")),
                        },
                        Some(c) if c.is_control() => {
                            return Err(format!(
                                "a control character U+{:04X} in a string",
                                c as u32
                            ))
                        }
                        Some(c) => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(value));
                i += 1;
            }
            '\'' => {
                let end = (i + 1..chars.len())
                    .find(|&j| chars[j] == '\'')
                    .ok_or_else(|| "a field name is not closed".to_string())?;
                let name: String = chars[i + 1..end].iter().collect();
                let ok = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                if !ok {
                    return Err(format!("bad field name {name:?}"));
                }
                tokens.push(Token::Field(name));
                i = end + 1;
            }
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '|' => {
                tokens.push(Token::Pipe);
                i += 1;
            }
            '=' => {
                if at(i + 1) == Some('=') {
                    tokens.push(Token::Op("==".into()));
                    i += 2;
                } else {
                    tokens.push(Token::Op("=".into()));
                    i += 1;
                }
            }
            _ => {
                let start = i;
                while let Some(c) = at(i) {
                    if c.is_whitespace() || "()|,=\"'`".contains(c) {
                        break;
                    }
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

/// Lexes `text` and checks its structure; returns the tokens.
pub fn check(text: &str) -> Result<Vec<Token>, String> {
    let tokens = lex(text)?;
    // One slot per open parenthesis (and one for the command), holding the Boolean operator
    // used at that level: AND and OR may not meet at one level.
    let mut levels: Vec<Option<&str>> = vec![None];
    for (n, token) in tokens.iter().enumerate() {
        let next = tokens.get(n + 1);
        match token {
            Token::Open => levels.push(None),
            Token::Close => {
                levels.pop();
                if levels.is_empty() {
                    return Err(format!("an unopened ')' at token {n}"));
                }
            }
            Token::Pipe => {
                if levels.len() != 1 {
                    return Err(format!("a pipe inside parentheses at token {n}"));
                }
                levels[0] = None;
            }
            Token::Word(w) if w == "AND" || w == "OR" => {
                let level = levels.last_mut().expect("never empty");
                match level {
                    Some(op) if *op != w.as_str() => {
                        return Err(format!("{op} and {w} at one level, at token {n}"));
                    }
                    _ => *level = Some(if w == "AND" { "AND" } else { "OR" }),
                }
            }
            Token::Word(w) if (w == "NOT" || w == "IN") && next != Some(&Token::Open) => {
                return Err(format!("{w} without '(' at token {n}"));
            }
            Token::Word(w)
                if w != &w.to_uppercase()
                    && ["and", "or", "not", "in"].contains(&w.to_lowercase().as_str()) =>
            {
                return Err(format!("the operator {w:?} is not upper-case"));
            }
            _ => {}
        }
    }
    if levels.len() != 1 {
        return Err("unbalanced parentheses".to_string());
    }
    Ok(tokens)
}

/// Checks a lookup-mode search: every `lookup` reads `table` by `ioc_key` from a field an earlier
/// `eval` computed and outputs a field that the closing `where` tests with `isnotnull`, and no
/// subsearch or `inputlookup` (which truncate) appears. Returns the fields the lookups read.
pub fn check_lookup(text: &str, table: &str) -> Result<Vec<String>, String> {
    let tokens = check(text)?;
    let mut computed: Vec<String> = Vec::new();
    let mut keys = Vec::new();
    let mut hits = Vec::new();
    let mut tested = Vec::new();
    for (n, token) in tokens.iter().enumerate() {
        let command = n > 0 && tokens[n - 1] == Token::Pipe;
        let word = |i: usize| match tokens.get(i) {
            Some(Token::Word(w)) => Some(w.as_str()),
            _ => None,
        };
        match token {
            Token::Word(w) if w == "inputlookup" || w.starts_with('[') => {
                return Err(format!("{w} at token {n}: lookup mode must not truncate"));
            }
            Token::Word(w) if command && w == "eval" => {
                let Some(name) = word(n + 1) else {
                    return Err(format!("eval without a field at token {n}"));
                };
                if tokens.get(n + 2) != Some(&Token::Op("=".into())) {
                    return Err(format!("eval {name} without '=' at token {n}"));
                }
                computed.push(name.to_string());
            }
            Token::Word(w) if command && w == "lookup" => {
                let shape = (word(n + 1), word(n + 2), word(n + 3), word(n + 4));
                let (Some(t), Some("ioc_key"), Some("AS"), Some(key)) = shape else {
                    return Err(format!(
                        "lookup at token {n} is not `lookup TABLE ioc_key AS F`"
                    ));
                };
                if t != table {
                    return Err(format!("lookup of {t}, not {table}"));
                }
                if !computed.iter().any(|c| c == key) {
                    return Err(format!(
                        "lookup key {key} is not computed before it is read"
                    ));
                }
                let out = (word(n + 5), word(n + 6), word(n + 7), word(n + 8));
                let (Some("OUTPUT"), Some("indicator"), Some("AS"), Some(hit)) = out else {
                    return Err(format!(
                        "lookup at token {n} does not OUTPUT indicator AS F"
                    ));
                };
                keys.push(key.to_string());
                hits.push(hit.to_string());
            }
            Token::Word(w) if w == "isnotnull" => {
                if let (Some(Token::Open), Some(hit)) = (tokens.get(n + 1), word(n + 2)) {
                    tested.push(hit.to_string());
                }
            }
            _ => {}
        }
    }
    if keys.is_empty() {
        return Err("no lookup".to_string());
    }
    for hit in &hits {
        if !tested.contains(hit) {
            return Err(format!("the lookup output {hit} is never tested"));
        }
    }
    Ok(keys)
}

/// The pipes between commands.
pub fn pipes(tokens: &[Token]) -> usize {
    tokens.iter().filter(|t| **t == Token::Pipe).count()
}

/// The tokens with string and comment contents blanked, to compare the structure of two
/// queries built from different values.
pub fn shape(tokens: &[Token]) -> Vec<Token> {
    tokens
        .iter()
        .map(|t| match t {
            Token::Str(_) => Token::Str(String::new()),
            Token::Comment(_) => Token::Comment(String::new()),
            other => other.clone(),
        })
        .collect()
}

/// Every decoded string, including those in comments that hold SPL (a disabled exclusion).
pub fn literals(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            Token::Str(s) => out.push(s.clone()),
            Token::Comment(c) if c.starts_with("| where") => {
                if let Ok(inner) = lex(c) {
                    out.extend(literals(&inner));
                }
            }
            _ => {}
        }
    }
    out
}

pub fn comments(tokens: &[Token]) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|t| match t {
            Token::Comment(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// Whether `value` is written in one of `literals`: as it is, or as the regular expression the
/// backend makes of it (flags and anchors around an escaped copy).
pub fn mentions(literals: &[String], value: &str) -> bool {
    literals.iter().any(|l| {
        if l == value {
            return true;
        }
        let mut body = l.strip_prefix("(?i)").unwrap_or(l);
        body = body.strip_prefix('^').unwrap_or(body);
        if let Some(stripped) = body.strip_suffix('$') {
            // `\$` is an escaped dollar, `\\$` an escaped backslash before the anchor.
            let backslashes = stripped.chars().rev().take_while(|&c| c == '\\').count();
            if backslashes % 2 == 0 {
                body = stripped;
            }
        }
        regex_unescape(body).as_deref() == Some(value)
    })
}

/// Undoes the backend's regex escaping: `\c`, `\xHH` and `\x{H...}`. `None` if `regex` holds
/// an unescaped special character, so it is not an escaped literal.
pub fn regex_unescape(regex: &str) -> Option<String> {
    let chars: Vec<char> = regex.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            if "^$.|?*+()[]{}".contains(c) {
                return None;
            }
            out.push(c);
            i += 1;
            continue;
        }
        let (decoded, used) = run::escape_at(&chars, i + 1)?;
        out.push(decoded);
        i += 1 + used;
    }
    Some(out)
}
