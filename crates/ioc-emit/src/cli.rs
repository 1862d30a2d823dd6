//! Command-line arguments and the top-level flow of one run.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use ioc_core::{find_backend, registered_backends, EmitOptions, ExclusionMode, Lookback, Mode};
use ioc_read::Format;

use crate::pipeline::{self, PipelineError};
use crate::{input, out_dir, output};

/// Turn threat-intel reports into hunting queries for your SIEM.
#[derive(Debug, Parser)]
#[command(name = "ioc-emit", version, about, arg_required_else_help = true)]
pub struct Cli {
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

    /// How far back the hunt looks: a number and d, h or m (14d is the longest period a
    /// Sentinel scheduled rule may query).
    #[arg(long, value_name = "DURATION", default_value = "14d")]
    pub lookback: Lookback,

    /// Split output into parts of at most this many characters (default: the backend's, 10000
    /// for KQL, Sentinel's limit for a rule's query).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(500..))]
    pub max_query_chars: Option<u64>,

    /// The backend's profile, such as `sentinel` or `defender` for KQL.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// `inline` writes the values into the queries (split into parts as needed); `lookup` puts
    /// them in a lookup table that short queries join against (KQL: a Sentinel watchlist).
    #[arg(long, value_enum, default_value_t = ModeArg::Inline)]
    pub mode: ModeArg,

    /// A backend setting, KEY=VALUE (repeatable), such as `watchlist=NAME` or `lookup-url=URL`
    /// for KQL lookup mode.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_setting)]
    pub settings: Vec<(String, String)>,

    /// Write-up exclusions are suggestions: `comment` writes them disabled, `apply` enables them.
    #[arg(long, value_enum, default_value_t = ExclusionsArg::Comment)]
    pub exclusions: ExclusionsArg,

    /// Write one file per query, the backend's extra files and summary.json into DIR instead
    /// of printing the queries. Files appear only once all are written.
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

    /// More detail on standard error (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on standard error.
    #[arg(short, long)]
    pub quiet: bool,
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

fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExclusionsArg {
    Comment,
    Apply,
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
    if let Some(profile) = &cli.profile {
        if !backend.profiles().contains(&profile.as_str()) {
            return Err(Failure::new(
                2,
                format!(
                    "backend {name} has no profile {profile:?}; its profiles: {}",
                    if backend.profiles().is_empty() {
                        "none".to_string()
                    } else {
                        backend.profiles().join(", ")
                    }
                ),
            ));
        }
    }
    let mut inputs = Vec::with_capacity(cli.files.len());
    for file in &cli.files {
        let input = input::load(file).map_err(|e| Failure::new(1, format!("{e:#}")))?;
        inputs.push((input.name, input.text));
    }
    let options = EmitOptions {
        profile: cli.profile.clone(),
        mode: match cli.mode {
            ModeArg::Inline => Mode::Inline,
            ModeArg::Lookup => Mode::Lookup,
        },
        exclusions: match cli.exclusions {
            ExclusionsArg::Comment => ExclusionMode::Comment,
            ExclusionsArg::Apply => ExclusionMode::Apply,
        },
        lookback: cli.lookback,
        max_query_chars: cli
            .max_query_chars
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        settings: cli.settings.iter().cloned().collect(),
    };
    // `now` stays unset: STIX expiry is measured against the bundle's own newest time, so the
    // same input gives the same output on any day.
    let read_options = ioc_read::ReadOptions {
        min_confidence: cli.min_confidence,
        since: cli.since.clone(),
        drop_private: cli.drop_private,
        now: None,
    };
    let outcome = pipeline::emit_with(&inputs, cli.from, &read_options, backend, &options)
        .map_err(|e| match e {
            PipelineError::Read(e) => Failure::new(1, e),
            PipelineError::Emit(e) => Failure::new(3, e),
            PipelineError::Coverage(e) => Failure::new(70, e),
        })?;
    output::report(&outcome.summary);
    if let Some(dir) = &cli.out_dir {
        let written = out_dir::write(dir, &outcome.summary, backend.file_extension())
            .map_err(|e| Failure::new(1, format!("{e:#}")))?;
        log::info!("wrote {} files to {}", written.len(), dir.display());
        return Ok(());
    }
    let text = match cli.format {
        OutputFormat::Text => output::queries_text(&outcome.summary),
        OutputFormat::Json => output::json(&outcome.summary),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(1, format!("cannot write the output: {e}")))
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
            writeln!(
                buf,
                "ioc-emit: {}: {}",
                record.level().as_str().to_lowercase(),
                record.args()
            )
        })
        .try_init();
}
