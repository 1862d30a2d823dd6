//! Command-line arguments and the top-level flow of one run.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use ioc_core::{
    find_backend, registered_backends, Backend, DetectionBuilder, EmitOptions, ExclusionMode,
    Lookback, Mode, Output,
};
use ioc_read::{DetectionFile, Format, StreamError};

use crate::pipeline::{self, PipelineError};
use crate::progress::Progress;
use crate::{input, out_dir, output, warninglists};

/// Turn threat-intel reports into hunting queries for your SIEM.
#[derive(Debug, Parser)]
#[command(
    name = "ioc-emit",
    version,
    about,
    arg_required_else_help = true,
    subcommand_negates_reqs = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Inputs to read; `-` reads standard input. Several inputs merge into one detection.
    #[arg(value_name = "FILE", required_unless_present = "list_backends")]
    pub files: Vec<String>,

    /// The backend to emit with (see --list-backends).
    #[arg(
        short,
        long,
        value_name = "NAME",
        required_unless_present = "list_backends"
    )]
    pub backend: Option<String>,

    /// List the linked backends and exit.
    #[arg(long)]
    pub list_backends: bool,

    /// Output format: the queries as text, or queries plus the full summary as JSON.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// What to write: hunting queries, or rules to deploy (Sentinel analytics rules, a Splunk
    /// savedsearches.conf, Sigma rule files).
    #[arg(long, value_enum, default_value_t = EmitArg::Query)]
    pub emit: EmitArg,

    /// A detection file (TOML; `ioc-emit init` writes a template): title, level, ATT&CK tags,
    /// lookback, schedule, exclusions and field-map overrides. It wins over the inputs;
    /// options given here win over it.
    #[arg(long, value_name = "FILE")]
    pub detection: Option<PathBuf>,

    /// How far back to look: a number and d, h or m. Hunting queries default to 14d; a rule
    /// looks back over its schedule. A Sentinel scheduled rule may look back at most 14d.
    #[arg(long, value_name = "DURATION")]
    pub lookback: Option<Lookback>,

    /// How often a rule runs (`--emit rule`): a number and d, h or m; 1h by default.
    #[arg(long, value_name = "DURATION")]
    pub schedule: Option<Lookback>,

    /// Split output into parts of at most this many characters, 500 or more (default 10000 for
    /// KQL, Sentinel's limit for a rule's query, and for SPL and ES|QL).
    #[arg(long, value_name = "N", value_parser = parse_max_query_chars)]
    pub max_query_chars: Option<u64>,

    /// The backend's profile, such as `sentinel` or `defender` for KQL.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// `inline` writes the values into the queries (split into parts as needed); `lookup` puts
    /// them in a lookup table that short queries join against (KQL: a Sentinel watchlist).
    #[arg(long, value_enum, default_value_t = ModeArg::Inline)]
    pub mode: ModeArg,

    /// A backend setting, KEY=VALUE (repeatable; the last of a key wins), such as
    /// `watchlist=NAME` or `lookup-url=URL` for KQL lookup mode, or `index.dns=logs-dns-*` for
    /// esql. A backend refuses settings it does not know.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_setting)]
    pub settings: Vec<(String, String)>,

    /// Write-up exclusions are suggestions: `comment` writes them disabled, `apply` enables them.
    #[arg(long, value_enum, default_value_t = ExclusionsArg::Comment)]
    pub exclusions: ExclusionsArg,

    /// Write one file per query, the backend's extra files and summary.json into DIR instead
    /// of printing the queries. Files appear only once all are written; files an earlier run
    /// wrote there and this one did not are removed.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,

    /// Read every input as this format instead of detecting it.
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub from: Option<Format>,

    /// Skip indicators whose stated confidence (0-100) is below N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_confidence: Option<u8>,

    /// Skip indicators first seen before DATE (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = ioc_read::parse_since)]
    pub since: Option<String>,

    /// Skip private and reserved addresses instead of keeping them with a warning.
    #[arg(long)]
    pub drop_private: bool,

    // One paragraph each: a second would give these two a long help of their own, and clap
    // would then lay out all of `--help` in its long form.
    /// Check indicators against the MISP warninglists in DIR, a local copy of the repository,
    /// its `lists` folder or one list's folder (repeatable); a listed one is kept with a
    /// warning naming the list.
    #[arg(long, value_name = "DIR")]
    pub warninglists: Vec<PathBuf>,

    /// Skip indicators on a warninglist instead of keeping them with a warning; each skip names
    /// the list.
    #[arg(long, requires = "warninglists")]
    pub drop_warninglisted: bool,

    /// More detail on standard error (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on standard error.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented detection-file template to standard output or to PATH.
    Init {
        /// Where to write it; standard output when absent. An existing file is kept.
        path: Option<PathBuf>,
        /// Replace PATH if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitArg {
    Query,
    Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Inline,
    Lookup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExclusionsArg {
    Comment,
    Apply,
}

/// The smallest part size: a query's fixed text (header comment, table, time filter) must fit
/// with room for values.
const MIN_QUERY_CHARS: u64 = 500;

fn parse_max_query_chars(text: &str) -> Result<u64, String> {
    let n: u64 = text
        .parse()
        .map_err(|e| format!("{text:?} is not a number of characters: {e}"))?;
    if n < MIN_QUERY_CHARS {
        return Err(format!(
            "{n} is too small: a part needs at least {MIN_QUERY_CHARS} characters"
        ));
    }
    Ok(n)
}

fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown format {name:?}; choose one of {}",
            names.join(", ")
        )
    })
}

pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(&cli);
    if let Some(Command::Init { path, force }) = &cli.command {
        return match write_template(path.as_deref(), *force) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                log::error!("{}", failure.message);
                ExitCode::from(failure.code)
            }
        };
    }
    if cli.list_backends {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(output::backend_list(&registered_backends()).as_bytes());
        return ExitCode::SUCCESS;
    }
    // No input should make the tool panic (the fuzz targets look for one). Should a bug panic
    // all the same, the run ends with the documented code for an internal error, not Rust's 101.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(&cli))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(failure)) => {
            log::error!("{}", failure.message);
            ExitCode::from(failure.code)
        }
        Err(_) => {
            log::error!("internal error: ioc-emit panicked; this is a bug, please report it");
            ExitCode::from(70)
        }
    }
}

struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(code: u8, message: impl ToString) -> Self {
        Failure {
            code,
            message: message.to_string(),
        }
    }
}

fn execute(cli: &Cli) -> Result<(), Failure> {
    let name = cli.backend.as_deref().unwrap_or_default();
    let backend = find_backend(name).ok_or_else(|| {
        let names: Vec<&str> = registered_backends().iter().map(|b| b.name()).collect();
        Failure::new(
            2,
            format!(
                "unknown backend {name:?}; linked backends: {}",
                names.join(", ")
            ),
        )
    })?;
    let output = match cli.emit {
        EmitArg::Query => Output::Queries,
        EmitArg::Rule => Output::Rules,
    };
    if output == Output::Rules && backend.rule_format().is_none() {
        return Err(Failure::new(
            2,
            format!("backend {name} writes no rules; use --emit query"),
        ));
    }
    let detection_file = match &cli.detection {
        Some(path) => Some(load_detection_file(path)?),
        None => None,
    };
    let file = detection_file.as_ref();

    let profile = pick(
        "profile",
        cli.profile.clone(),
        file.and_then(|f| f.profile(name).map(str::to_string)),
    );
    if let Some(profile) = &profile {
        check_profile(backend, profile)?;
    }
    let mut streams = Vec::with_capacity(cli.files.len());
    for file in &cli.files {
        streams.push(input::open(file).map_err(|e| Failure::new(1, format!("{e:#}")))?);
    }
    let schedule = pick("schedule", cli.schedule, file.and_then(|f| f.schedule));
    let lookback = pick("lookback", cli.lookback, file.and_then(|f| f.lookback)).unwrap_or_else(
        || match output {
            // A rule that looks back over its own schedule sees each event once.
            Output::Rules => schedule.unwrap_or(Lookback::HOUR),
            Output::Queries => Lookback::DEFAULT,
        },
    );
    let options = EmitOptions {
        profile,
        mode: match cli.mode {
            ModeArg::Inline => Mode::Inline,
            ModeArg::Lookup => Mode::Lookup,
        },
        output,
        exclusions: match cli.exclusions {
            ExclusionsArg::Comment => ExclusionMode::Comment,
            ExclusionsArg::Apply => ExclusionMode::Apply,
        },
        lookback,
        schedule,
        max_query_chars: cli
            .max_query_chars
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        settings: settings(cli, file, name),
    };
    // `now` stays unset: STIX expiry is measured against the bundle's own newest time, so the
    // same input gives the same output on any day.
    let read_options = ioc_read::ReadOptions {
        min_confidence: cli.min_confidence,
        since: cli.since.clone(),
        drop_private: cli.drop_private,
        now: None,
        warninglists: load_warninglists(&cli.warninglists)?,
        drop_warninglisted: cli.drop_warninglisted,
    };
    let total = streams.iter().map(|s| s.size).sum::<Option<u64>>();
    let progress = Progress::new(total, cli.quiet);
    let read = |builder: &mut DetectionBuilder| {
        for stream in streams {
            let mut reader = progress.reader(stream.reader);
            let size = stream.size;
            ioc_read::read_from(
                &stream.name,
                &mut reader,
                size,
                cli.from,
                &read_options,
                builder,
            )
            .map_err(|e| match e {
                StreamError::Read(e) => PipelineError::Read(e),
                StreamError::Io(e) => PipelineError::Input(e.to_string()),
            })?;
        }
        ioc_read::after_reading(&read_options, builder);
        progress.stage(&format!("emitting with {name}"));
        Ok(())
    };
    let outcome = pipeline::run(read, file, backend, &options);
    progress.clear();
    let outcome = outcome.map_err(|e| match e {
        PipelineError::Input(e) => Failure::new(1, e),
        PipelineError::Read(e) => Failure::new(1, e),
        PipelineError::Emit(e) => Failure::new(3, e),
        PipelineError::Coverage(e) => Failure::new(70, e),
    })?;
    let summary = &outcome.summary;
    // Checked before the account of the run, whose notes (upload this watchlist) would speak of
    // files that are not written.
    if cli.out_dir.is_none() && cli.format == OutputFormat::Text && !summary.artifacts.is_empty() {
        let names: Vec<&str> = summary.artifacts.iter().map(|a| a.name.as_str()).collect();
        return Err(Failure::new(
            2,
            format!(
                "the queries need files that text output cannot carry ({}); \
                 use --out-dir DIR, or --format json",
                names.join(", ")
            ),
        ));
    }
    output::report(summary);
    if let Some(dir) = &cli.out_dir {
        let written = out_dir::write(dir, summary, backend, output)
            .map_err(|e| Failure::new(1, format!("{e:#}")))?;
        log::info!("wrote {} files to {}", written.len(), dir.display());
    } else {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        let written = match (cli.format, output) {
            (OutputFormat::Text, Output::Queries) => {
                out.write_all(output::queries_text(summary).as_bytes())
            }
            (OutputFormat::Text, Output::Rules) => {
                out.write_all(output::rules_text(summary).as_bytes())
            }
            (OutputFormat::Json, _) => output::write_json(&mut out, summary),
        };
        written
            .and_then(|()| out.flush())
            .map_err(|e| Failure::new(1, format!("cannot write the output: {e}")))?;
    }
    if summary.queries.is_empty() {
        // A pipeline must not publish nothing and report success.
        return Err(Failure::new(
            4,
            format!(
                "no queries: none of the {} records can be hunted with backend {}; \
                 see the warnings above, or -v",
                summary.records.len(),
                backend.name()
            ),
        ));
    }
    Ok(())
}

fn check_profile(backend: &dyn Backend, profile: &str) -> Result<(), Failure> {
    if backend.profiles().contains(&profile) {
        return Ok(());
    }
    Err(Failure::new(
        2,
        format!(
            "backend {} has no profile {profile:?}; its profiles: {}",
            backend.name(),
            if backend.profiles().is_empty() {
                "none".to_string()
            } else {
                backend.profiles().join(", ")
            }
        ),
    ))
}

/// The command line's value if given, else the detection file's; a disagreement is noted at -v.
fn pick<T: PartialEq + std::fmt::Display>(
    what: &str,
    cli: Option<T>,
    file: Option<T>,
) -> Option<T> {
    match (cli, file) {
        (Some(cli), Some(file)) => {
            if cli != file {
                log::info!(
                    "{what}: the command line's {cli} wins over the detection file's {file}"
                );
            }
            Some(cli)
        }
        (cli, file) => cli.or(file),
    }
}

/// The backend's settings: the detection file's, then `--set`, which wins.
fn settings(cli: &Cli, file: Option<&DetectionFile>, backend: &str) -> BTreeMap<String, String> {
    let mut settings = file.map(|f| f.settings(backend)).unwrap_or_default();
    for (key, value) in &cli.settings {
        if let Some(old) = settings.insert(key.clone(), value.clone()) {
            if old != *value {
                log::info!("setting {key}: --set {value:?} wins over the detection file's {old:?}");
            }
        }
    }
    settings
}

fn load_warninglists(
    dirs: &[PathBuf],
) -> Result<Option<std::sync::Arc<ioc_read::Warninglists>>, Failure> {
    if dirs.is_empty() {
        return Ok(None);
    }
    let lists = warninglists::load(dirs).map_err(|e| Failure::new(e.code, e.message))?;
    Ok(Some(std::sync::Arc::new(lists)))
}

fn load_detection_file(path: &std::path::Path) -> Result<DetectionFile, Failure> {
    let shown = path.to_string_lossy().to_string();
    let input = input::load(&shown).map_err(|e| Failure::new(1, format!("{e:#}")))?;
    DetectionFile::parse(&input.name, &input.text).map_err(|e| Failure::new(2, e))
}

/// `ioc-emit init`: the template on standard output, or in a new file.
fn write_template(path: Option<&std::path::Path>, force: bool) -> Result<(), Failure> {
    let text = ioc_read::detection_file::TEMPLATE;
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| Failure::new(1, format!("cannot write the output: {e}")));
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let result = options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    result.map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::AlreadyExists {
            " (it exists; pass --force to replace it)"
        } else {
            ""
        };
        Failure::new(1, format!("{}: cannot write: {e}{hint}", path.display()))
    })?;
    log::info!("wrote the detection-file template to {}", path.display());
    Ok(())
}

fn init_logging(cli: &Cli) {
    let level = if cli.quiet {
        log::LevelFilter::Error
    } else {
        match cli.verbose {
            0 => log::LevelFilter::Warn,
            1 => log::LevelFilter::Info,
            2 => log::LevelFilter::Debug,
            _ => log::LevelFilter::Trace,
        }
    };
    let _ = env_logger::Builder::new()
        .filter_level(level)
        .format(|buf, record| {
            let label = if record.target() == output::NOTE {
                "note".to_string()
            } else {
                record.level().as_str().to_lowercase()
            };
            writeln!(buf, "ioc-emit: {label}: {}", record.args())
        })
        .try_init();
}
