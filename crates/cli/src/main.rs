//! The `calypso` command: run KQL over local log dumps.
//!
//! Exit status (design.md §5): 0 on success, 1 for a query, data or check
//! error, 2 for a usage error. Errors and warnings go to standard error as
//! miette reports pointing into the query text; results go to standard
//! output. This is the only crate that prints.

mod check;
mod output;
mod progress;
mod repl;
mod rule;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use calypso_engine::Session;
use calypso_io::{LoadOptions, resolve_sources};
use clap::{Parser, Subcommand, ValueEnum};
use miette::{IntoDiagnostic, NamedSource, Report, WrapErr};

#[derive(Parser)]
#[command(name = "calypso", version, about = "Run Microsoft Sentinel KQL over local log dumps")]
struct Cli {
    /// With no command, the REPL starts.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a query and print its result.
    Run(RunArgs),
    /// Query interactively: tables load once, queries run as they are typed.
    Repl(DataArgs),
    /// Parse and bind queries and Sentinel rule YAML against the table
    /// catalog without running them; exit 1 when Kusto would reject one.
    Check(CheckArgs),
    /// Write log dumps as one Parquet file, column types kept, so that later
    /// runs skip decoding JSON or CSV.
    Convert(ConvertArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// .kql files, analytic-rule / hunting-query .yaml files, or folders of
    /// them (searched at any depth).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Only parse: report syntax errors.
    #[arg(long)]
    syntax_only: bool,
    /// A folder of table schemas (JSON) that add to or override the built-in catalog.
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Data files or folders whose tables the queries may also read.
    #[arg(short, long = "data", value_name = "PATH")]
    data: Vec<PathBuf>,
    /// A file of the workspace's functions (`let f = (...) {...}` or
    /// `.create function f(...) {...}`) that the queries may call.
    #[arg(long = "functions", value_name = "FILE")]
    functions: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = check::CheckFormat::Human)]
    format: check::CheckFormat,
}

#[derive(clap::Args)]
struct ConvertArgs {
    /// Data files or folders of them, read as one table.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The Parquet file to write.
    #[arg(short, long, value_name = "OUT.parquet")]
    output: PathBuf,
    /// The table whose catalog schema types the columns (default: the
    /// output's stem, else the rows' `Type` column).
    #[arg(long, value_name = "NAME")]
    table: Option<String>,
    /// A folder of table schemas (JSON) that add to or override the built-in catalog.
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Read on past unreadable rows, counting and reporting them.
    #[arg(long)]
    skip_bad_rows: bool,
}

#[derive(clap::Args)]
struct RunArgs {
    /// A .kql file, or `-` for standard input.
    file: Option<PathBuf>,
    /// The query text itself.
    #[arg(short, long, conflicts_with = "file")]
    query: Option<String>,
    #[command(flatten)]
    data: DataArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Refuse what Kusto refuses, such as comparing two dynamic values.
    #[arg(long)]
    strict: bool,
}

/// Where tables come from, for `run` and `repl`.
#[derive(clap::Args, Default)]
pub(crate) struct DataArgs {
    /// A data file (a table named by its stem) or a folder of them.
    #[arg(short, long = "data", value_name = "PATH")]
    data: Vec<PathBuf>,
    /// Bind a table name to a file, a folder or a glob pattern.
    #[arg(long = "table", value_name = "NAME=PATH")]
    tables: Vec<String>,
    /// Pin now() and ago() to this instant (e.g. 2026-12-03T12:00:00Z).
    #[arg(long, value_name = "DATETIME")]
    now: Option<String>,
    /// A folder of table schemas (JSON) that add to or override the built-in catalog.
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// A file of the workspace's functions (`let f = (...) {...}` or
    /// `.create function f(...) {...}`) that queries may call.
    #[arg(long = "functions", value_name = "FILE")]
    functions: Vec<PathBuf>,
    /// Read on past unreadable rows, counting and reporting them.
    #[arg(long)]
    skip_bad_rows: bool,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table sized to the terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let res = match cli.command {
        Some(Command::Run(args)) => run(args),
        Some(Command::Repl(args)) => repl::run(args),
        Some(Command::Check(args)) => return check(args),
        Some(Command::Convert(args)) => convert(args),
        None => repl::run(DataArgs::default()),
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            if is_broken_pipe(&report) {
                return ExitCode::SUCCESS;
            }
            eprint_report(&report);
            ExitCode::from(1)
        }
    }
}

fn run(args: RunArgs) -> miette::Result<()> {
    let (name, text) = query_text(&args)?;
    let source = NamedSource::new(name, text.clone());
    // Only the columns the query reads are loaded; should the query's
    // result columns then differ from those planned over every column, it
    // runs again over every column.
    let (mut session, planned) = session_for(&args.data, Some(&text))?;
    session.set_strict(args.strict);
    let mut result = session.query(&text);
    let differs = match (&planned, &result) {
        (Some(planned), Ok(result)) => planned.result != result.columns,
        (Some(_), Err(_)) => true,
        (None, _) => false,
    };
    if differs {
        let (mut full, _) = session_for(&args.data, None)?;
        full.set_strict(args.strict);
        result = full.query(&text);
    }
    let result = result.map_err(|e| Report::new(e).with_source_code(source.clone()))?;
    for warning in &result.warnings {
        eprint_report(&Report::new(warning.clone()).with_source_code(source.clone()));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::write(&mut out, &result, args.format, std::io::stdout().is_terminal())
        .into_diagnostic()?;
    out.flush().into_diagnostic()
}

fn check(args: CheckArgs) -> ExitCode {
    let data = DataArgs {
        data: args.data,
        schemas: args.schemas.clone(),
        functions: args.functions,
        ..DataArgs::default()
    };
    let prepared = session(&data).and_then(|session| {
        let mut catalog = calypso_io::builtin();
        if let Some(dir) = &args.schemas {
            catalog.add_schema_dir(dir)?;
        }
        Ok((session, catalog))
    });
    let (session, catalog) = match prepared {
        Ok(prepared) => prepared,
        Err(report) => {
            eprint_report(&report);
            return ExitCode::from(1);
        }
    };
    let files = check::expand(&args.files);
    if check::run(&files, &session, &catalog, args.syntax_only, args.format) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A session with the data options applied and the tables loaded.
pub(crate) fn session(args: &DataArgs) -> miette::Result<Session> {
    Ok(session_for(args, None)?.0)
}

/// A session with the data options applied and the tables loaded: for one
/// query, only the columns it reads of the tables whose columns a schema
/// gives, and what the query was planned to return.
fn session_for(
    args: &DataArgs,
    query: Option<&str>,
) -> miette::Result<(Session, Option<calypso_engine::ColumnsRead>)> {
    let mut session = Session::new();
    if let Some(dir) = &args.schemas {
        session.catalog_mut().add_schema_dir(dir)?;
    }
    if let Some(now) = &args.now {
        session.set_now(Some(parse_now(now)?));
    }
    for path in &args.functions {
        let text = std::fs::read_to_string(path).map_err(|e| {
            miette::miette!("cannot read the functions file `{}`: {e}", path.display())
        })?;
        session.add_functions(&text).map_err(|e| {
            Report::new(e)
                .with_source_code(NamedSource::new(path.display().to_string(), text.clone()))
        })?;
    }
    let sources = resolve_sources(&args.data, &args.tables)?;
    let planned = match query {
        Some(text) => {
            let mut schemas = Vec::new();
            for source in &sources {
                let known =
                    calypso_io::schema_columns(&source.name, &source.files, session.catalog_mut())?;
                schemas.extend(known.map(|columns| (source.name.clone(), columns)));
            }
            session.columns_read(text, &schemas)
        }
        None => None,
    };
    let read = planned.as_ref().map(|p| &p.tables);
    load(&mut session, &sources, args.skip_bad_rows, read)?;
    Ok((session, planned))
}

/// Loads tables into a session, with progress for a long load; what could
/// not be read is reported once the bar is gone. With `read`, a table loads
/// what is listed for it, or as little as it can when it is not listed.
pub(crate) fn load(
    session: &mut Session,
    sources: &[calypso_io::TableSource],
    skip_bad_rows: bool,
    read: Option<&std::collections::HashMap<String, calypso_engine::Needed>>,
) -> Result<Vec<String>, calypso_io::LoadError> {
    let progress =
        progress::Progress::start(progress::total_size(sources.iter().flat_map(|s| &s.files)));
    let mut names = Vec::new();
    for source in sources {
        // Parquet that Calypso wrote is scanned where it lies, unless a
        // schema gives the table other columns (which loading would add or
        // convert).
        if let Some(columns) = calypso_io::calypso_columns(&source.files)? {
            let schema =
                calypso_io::schema_columns(&source.name, &source.files, session.catalog_mut())?;
            if schema.is_none_or(|s| s == columns) {
                names.push(session.add_parquet(&source.name, &source.files, columns)?.name.clone());
                continue;
            }
        }
        let options = LoadOptions {
            skip_bad_rows,
            progress: progress.counter(),
            columns: read.and_then(|r| match r.get(&source.name) {
                Some(calypso_engine::Needed::Columns(columns)) => Some(columns.clone()),
                Some(calypso_engine::Needed::All) => None,
                None => Some(Vec::new()),
            }),
        };
        names.push(session.load(source, options)?.name.clone());
    }
    progress.finish();
    for name in &names {
        if let Some(table) = session.tables().find(|t| &t.name == name) {
            report_load(table);
        }
    }
    Ok(names)
}

/// `--now` and `.now`: an instant, in nanoseconds since the Unix epoch.
pub(crate) fn parse_now(text: &str) -> miette::Result<i64> {
    calypso_syntax::literal::parse_datetime(text).ok_or_else(|| {
        miette::miette!(
            code = "kql::cli::bad_now",
            "`--now {text}` is not a datetime; write e.g. 2026-12-03T12:00:00Z"
        )
    })
}

fn convert(args: ConvertArgs) -> miette::Result<()> {
    let mut catalog = calypso_io::builtin();
    if let Some(dir) = &args.schemas {
        catalog.add_schema_dir(dir)?;
    }
    let mut files = Vec::new();
    for input in &args.inputs {
        files.extend(calypso_io::data_files(input)?);
    }
    let name = args.table.clone().unwrap_or_else(|| calypso_io::table_name(&args.output));
    let progress = progress::Progress::start(progress::total_size(files.iter()));
    let options = LoadOptions {
        skip_bad_rows: args.skip_bad_rows,
        progress: progress.counter(),
        columns: None,
    };
    let table = calypso_io::load_table(&name, &files, &catalog, options)?;
    progress.finish();
    report_load(&table);
    calypso_io::write_parquet(&table, &args.output)?;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "wrote {} row(s), {} column(s) of `{}` to {}",
        table.report.rows,
        table.columns.len(),
        name,
        args.output.display()
    );
    Ok(())
}

fn query_text(args: &RunArgs) -> miette::Result<(String, String)> {
    if let Some(q) = &args.query {
        return Ok(("<query>".to_owned(), q.clone()));
    }
    match &args.file {
        Some(path) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .into_diagnostic()
                .wrap_err("cannot read the query from standard input")?;
            Ok(("<stdin>".to_owned(), text))
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .into_diagnostic()
                .wrap_err_with(|| format!("cannot read the query file `{}`", path.display()))?;
            Ok((path.display().to_string(), text))
        }
        None => Err(miette::miette!(
            code = "kql::cli::no_query",
            "no query given: pass a .kql file, `-` for standard input, or -q TEXT"
        )),
    }
}

/// Reports what a load could not read or convert.
pub(crate) fn report_load(table: &calypso_io::Table) {
    let report = &table.report;
    if report.skipped > 0 {
        let first: Vec<String> = report
            .first_skipped
            .iter()
            .map(|(file, line, reason)| format!("{file}:{line}: {reason}"))
            .collect();
        eprint_report(&miette::miette!(
            severity = miette::Severity::Warning,
            code = "kql::io::skipped_rows",
            "skipped {} unreadable row(s) of `{}`; the first:\n  {}",
            report.skipped,
            table.name,
            first.join("\n  ")
        ));
    }
    for issue in &report.conversions {
        eprint_report(&miette::miette!(
            severity = miette::Severity::Warning,
            code = "kql::io::conversion",
            "{} value(s) of `{}.{}` are not a valid {} and became null; the first is {} at {}:{}",
            issue.count,
            table.name,
            issue.column,
            issue.ty,
            issue.example,
            issue.location.0,
            issue.location.1
        ));
    }
}

pub(crate) fn eprint_report(report: &Report) {
    let mut err = std::io::stderr().lock();
    // Nothing sensible is left to do when standard error is gone.
    let _ = writeln!(err, "{report:?}");
}

fn is_broken_pipe(report: &Report) -> bool {
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
