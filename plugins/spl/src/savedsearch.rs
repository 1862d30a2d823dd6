//! `--emit rule`: a `savedsearches.conf` with one scheduled alert per search, ready to drop
//! into an app's `local/` folder.
//!
//! The settings are those of the Admin Manual's `savedsearches.conf.spec`: `search`,
//! `description`, the schedule (`enableSched`, `cron_schedule`, `schedule_window`), the time
//! range each run covers (`dispatch.earliest_time`, `dispatch.latest_time`), the trigger
//! condition (`counttype`, `relation`, `quantity`: more than zero results) and the alert
//! (`alert.track` lists it under Triggered Alerts, `alert.severity` from the level,
//! `alert.digest_mode` one alert per run, `actions` none until the team adds its own).
//!
//! A value that spans lines ends each line but the last with a backslash (Admin Manual,
//! "Configuration file structure"; the `searchbnf.conf` examples note the backslashes are not
//! part of the value). What this module writes is read the same by Splunk and by Splunk's
//! Python parser (`addonfactory-splunk-conf-parser-lib`), which differ in three ways that the
//! writer steers clear of: the parser drops a continuation line's leading white space, treats
//! a continuation line that starts with `#`, `;` or `*` (or the word `rem`) as a comment, and
//! cuts the first line of a value at a `;` that follows white space. So each line is written
//! without its indentation (SPL does not care), a line that would read as a comment is joined
//! to the one before it with a space, and a first line holding ` ;` moves to the next line.
//! [`conf_value`] is what both read back.

use std::fmt::Write;

use ioc_core::text::single_line;
use ioc_core::{Artifact, Detection, EmitOptions, Level, Lookback, Query, TimeUnit};

/// The file every rule goes in.
pub const FILE_NAME: &str = "savedsearches.conf";

/// The lines of a value as written, each but the last followed by a backslash in the file.
fn conf_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let first_word = line.split_whitespace().next().unwrap_or("");
        let reads_as_comment =
            line.starts_with(['#', ';', '*']) || first_word.eq_ignore_ascii_case("rem");
        match lines.last_mut() {
            Some(last) if reads_as_comment => {
                last.push(' ');
                last.push_str(line);
            }
            _ => lines.push(line.to_string()),
        }
    }
    let cut_by_parser = lines.first().is_some_and(|first| {
        first
            .char_indices()
            .any(|(i, c)| c == ';' && first[..i].ends_with(char::is_whitespace))
    });
    if cut_by_parser {
        lines.insert(0, String::new());
    }
    lines
}

/// The value Splunk reads for `text` written by [`write_value`]: its lines without their
/// indentation, joined by line breaks.
pub fn conf_value(text: &str) -> String {
    conf_lines(text).join("\n")
}

/// `key = value`, continued over lines with backslashes.
fn write_value(out: &mut String, key: &str, text: &str) -> Result<(), String> {
    let lines = conf_lines(text);
    if lines.last().is_some_and(|l| l.ends_with('\\')) {
        return Err(format!(
            "{key}: a value ending with a backslash would continue into the next setting"
        ));
    }
    let _ = write!(out, "{key} = {}", lines.join("\\\n"));
    out.push('\n');
    Ok(())
}

/// The stanza name: one line, without the brackets that would end it.
fn stanza_name(text: &str) -> String {
    single_line(text)
        .replace('[', "(")
        .replace(']', ")")
        .trim()
        .to_string()
}

/// Splunk's alert severity (1 debug, 2 info, 3 warn, 4 error, 5 severe, 6 fatal).
fn severity(level: Level) -> u8 {
    match level {
        Level::Informational => 2,
        Level::Low => 3,
        Level::Medium => 4,
        Level::High => 5,
        Level::Critical => 6,
    }
}

/// The cron schedule that runs a search every `schedule`. Cron counts minutes within an hour,
/// hours within a day and days of the week, so only periods that divide those evenly have one.
pub fn cron(schedule: Lookback) -> Result<String, String> {
    let n = schedule.amount;
    let cron = match schedule.unit {
        TimeUnit::Minutes if n == 1 => "* * * * *".to_string(),
        TimeUnit::Minutes if n < 60 && 60 % n == 0 => format!("*/{n} * * * *"),
        TimeUnit::Minutes if n == 60 => "0 * * * *".to_string(),
        TimeUnit::Hours if n == 1 => "0 * * * *".to_string(),
        TimeUnit::Hours if n < 24 && 24 % n == 0 => format!("0 */{n} * * *"),
        TimeUnit::Hours if n == 24 => "0 0 * * *".to_string(),
        TimeUnit::Days if n == 1 => "0 0 * * *".to_string(),
        TimeUnit::Days if n == 7 => "0 0 * * 0".to_string(),
        _ => {
            return Err(format!(
                "--schedule {schedule} has no cron schedule: use minutes that divide an hour, \
                 hours that divide a day, 1d or 7d"
            ))
        }
    };
    Ok(cron)
}

/// The `savedsearches.conf` holding one stanza per search.
pub fn file(
    detection: &Detection,
    options: &EmitOptions,
    queries: &[(Query, &'static str)],
) -> Result<Artifact, String> {
    let schedule = options.schedule.unwrap_or(Lookback::HOUR);
    let cron = cron(schedule)?;
    if options.lookback.as_minutes() < schedule.as_minutes() {
        return Err(format!(
            "--lookback {} is shorter than --schedule {schedule}: events between runs would \
             never be searched",
            options.lookback
        ));
    }
    let level = detection.level.unwrap_or(Level::Medium);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Scheduled alerts written by ioc-emit for {}.",
        stanza_name(&detection.title)
    );
    out.push_str(
        "# Put this file in an app's local/ folder. Each alert runs on its cron_schedule over\n\
         # the period it covers and triggers on any result; add the actions your team uses.\n",
    );
    for (query, dataset_title) in queries {
        // Split parts and lookup searches share a dataset; the query name keeps them apart,
        // since Splunk merges stanzas of one name.
        let shared = queries.iter().filter(|(_, t)| t == dataset_title).count() > 1;
        let suffix = if shared {
            format!(" ({})", query.name)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "\n[{} - {dataset_title}{}]",
            stanza_name(&detection.title),
            stanza_name(&suffix)
        );
        let mut about = format!(
            "Matches {} reported indicators of {} in Splunk {dataset_title} data ({}).",
            query.indicators.len(),
            single_line(detection.label()).trim(),
            query.target
        );
        if let Some(text) = &detection.description {
            let _ = write!(about, " {}", single_line(text).trim());
        }
        write_value(&mut out, "description", &about)?;
        write_value(&mut out, "search", &query.text)?;
        let _ = write!(
            out,
            "dispatch.earliest_time = -{}\n\
             dispatch.latest_time = now\n\
             enableSched = 1\n\
             cron_schedule = {cron}\n\
             schedule_window = auto\n\
             counttype = number of events\n\
             relation = greater than\n\
             quantity = 0\n\
             alert.track = 1\n\
             alert.severity = {}\n\
             alert.digest_mode = 1\n\
             alert.suppress = 0\n\
             actions =\n",
            options.lookback,
            severity(level)
        );
    }
    Ok(Artifact {
        name: FILE_NAME.to_string(),
        content: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_lose_indentation_and_keep_every_line() {
        let text = "```t```\n| tstats count\n    WHERE (\n        a=1\n    )\n| sort 0 -x";
        assert_eq!(
            conf_value(text),
            "```t```\n| tstats count\nWHERE (\na=1\n)\n| sort 0 -x"
        );
        let mut out = String::new();
        write_value(&mut out, "search", text).unwrap();
        assert!(out.starts_with("search = ```t```\\\n| tstats count\\\nWHERE (\\\n"));
        assert!(out.ends_with("| sort 0 -x\n"));
    }

    #[test]
    fn lines_the_parser_would_skip_are_joined() {
        assert_eq!(
            conf_value("a\n  # b\n*c\nrem d\nremote e"),
            "a # b *c rem d\nremote e"
        );
        assert_eq!(conf_value("```a ; b```\nc"), "\n```a ; b```\nc");
        assert_eq!(conf_value("```a; b```\nc"), "```a; b```\nc");
        let mut out = String::new();
        assert!(write_value(&mut out, "search", "a \\").is_err());
    }

    #[test]
    fn schedules_become_cron() {
        let cron_of = |s: &str| cron(s.parse().unwrap());
        assert_eq!(cron_of("1h").unwrap(), "0 * * * *");
        assert_eq!(cron_of("15m").unwrap(), "*/15 * * * *");
        assert_eq!(cron_of("6h").unwrap(), "0 */6 * * *");
        assert_eq!(cron_of("1d").unwrap(), "0 0 * * *");
        assert_eq!(cron_of("7d").unwrap(), "0 0 * * 0");
        assert!(cron_of("7m").unwrap_err().contains("no cron schedule"));
        assert!(cron_of("5h").is_err());
        assert!(cron_of("2d").is_err());
    }
}
