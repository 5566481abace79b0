//! `calypso repl`: paste a detection, get the answer.
//!
//! Tables load once and stay in memory between queries. On a terminal,
//! rustyline edits multi-line input with history (Ctrl-R searches it),
//! completion and colours; with input piped in, lines are read as they come
//! and run by the same rule ([`input::is_complete`]). Results go to the
//! terminal or to the `.output` file; errors are miette reports pointing
//! into the text just typed, and the prompt comes back.

mod commands;
mod helper;
mod input;

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use calypso_engine::Session;
use calypso_io::resolve_sources;
use miette::{IntoDiagnostic, NamedSource, Report};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use crate::output::{self, Limits};
use crate::{DataArgs, Format, eprint_report, parse_now};
use commands::{COMMANDS, Command};
use helper::KqlHelper;

/// Rows shown of a result on a terminal; `.format` prints them all.
const SHOWN_ROWS: usize = 40;
/// Characters shown of a cell on a terminal.
const SHOWN_CHARS: usize = 60;

/// Starts the REPL with the tables the data options name.
pub(crate) fn run(args: DataArgs) -> miette::Result<()> {
    let session = crate::session(&args)?;
    let mut repl = Repl {
        session: Rc::new(RefCell::new(session)),
        now: args.now.clone(),
        format: Format::Table,
        timer: true,
        output: None,
        skip_bad_rows: args.skip_bad_rows,
    };
    if std::io::stdin().is_terminal() { repl.interactive() } else { repl.piped() }
}

/// What the REPL keeps between inputs.
struct Repl {
    session: Rc<RefCell<Session>>,
    /// The pinned `now()`, as typed.
    now: Option<String>,
    format: Format,
    timer: bool,
    /// Where results go instead of standard output.
    output: Option<(PathBuf, File)>,
    skip_bad_rows: bool,
}

/// Whether to read on.
#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

impl Repl {
    fn interactive(&mut self) -> miette::Result<()> {
        let config = Config::builder()
            .auto_add_history(false)
            .history_ignore_space(true)
            .max_history_size(10_000)
            .into_diagnostic()?
            .build();
        let mut editor: Editor<KqlHelper, FileHistory> =
            Editor::with_config(config).into_diagnostic()?;
        editor.set_helper(Some(KqlHelper::new(self.session.clone())));
        let history = history_path();
        if let Some(path) = &history {
            // No history yet is not an error.
            let _ = editor.load_history(path);
        }
        self.say(&format!(
            "Calypso {}: KQL over local logs. End a query with an empty line or `;`; .help for commands.",
            env!("CARGO_PKG_VERSION")
        ));
        loop {
            match editor.readline("kql> ") {
                Ok(text) => {
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let _ = editor.add_history_entry(text);
                    if let Some(path) = &history {
                        // History is a convenience: failing to save it must not stop the REPL.
                        let _ = editor.save_history(path);
                    }
                    if self.submit(text) == Flow::Quit {
                        return Ok(());
                    }
                }
                // Ctrl-C drops what was typed; Ctrl-D leaves.
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => return Ok(()),
                Err(e) => return Err(e).into_diagnostic(),
            }
        }
    }

    fn piped(&mut self) -> miette::Result<()> {
        let mut buffer = String::new();
        for line in std::io::stdin().lock().lines() {
            let line = line.into_diagnostic()?;
            let text = if buffer.is_empty() { line } else { format!("{buffer}\n{line}") };
            if input::is_complete(&text) {
                buffer.clear();
                let text = text.trim();
                if !text.is_empty() && self.submit(text) == Flow::Quit {
                    return Ok(());
                }
            } else {
                buffer = text;
            }
        }
        let rest = buffer.trim();
        if !rest.is_empty() {
            self.submit(rest);
        }
        Ok(())
    }

    /// Runs a dot command or a query.
    fn submit(&mut self, text: &str) -> Flow {
        if text.starts_with('.') {
            return match commands::parse(text) {
                Ok(command) => self.command(command),
                Err(message) => {
                    self.complain(&message);
                    Flow::Continue
                }
            };
        }
        self.query("<repl>", text);
        Flow::Continue
    }

    fn query(&mut self, name: &str, text: &str) {
        let started = Instant::now();
        let result = self.session.borrow().query_interruptible(text);
        let elapsed = started.elapsed();
        let source = NamedSource::new(name, text.to_owned());
        let result = match result {
            Ok(result) => result,
            Err(e) => {
                eprint_report(&Report::new(e).with_source_code(source));
                return;
            }
        };
        for warning in &result.warnings {
            eprint_report(&Report::new(warning.clone()).with_source_code(source.clone()));
        }
        let terminal = self.output.is_none() && std::io::stdout().is_terminal();
        let limits = terminal.then_some(Limits { rows: SHOWN_ROWS, chars: SHOWN_CHARS });
        let written = match &mut self.output {
            Some((_, file)) => output::write_limited(file, &result, self.format, false, None),
            None => {
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                output::write_limited(&mut out, &result, self.format, terminal, limits)
                    .and_then(|shown| out.flush().map(|()| shown))
            }
        };
        match written {
            Ok(written) => self.footer(result.row_count(), written, elapsed),
            Err(e) => self.complain(&format!("cannot write the result: {e}")),
        }
    }

    /// The row count (and what was left out) and the time taken.
    fn footer(&self, rows: usize, written: output::Written, elapsed: Duration) {
        let mut line = format!("{rows} row{}", if rows == 1 { "" } else { "s" });
        if written.rows < rows {
            line.push_str(&format!(
                ", {} not shown (`.format csv` or `.output FILE` prints them all)",
                rows - written.rows
            ));
        }
        if written.elided {
            line.push_str(&format!(
                ", values over {SHOWN_CHARS} characters cut (`.format json` shows them whole)"
            ));
        }
        if self.timer {
            line.push_str(&format!(" in {:.3} s", elapsed.as_secs_f64()));
        }
        if let Some((path, _)) = &self.output {
            line.push_str(&format!(", written to {}", path.display()));
        }
        self.say(&line);
    }

    fn command(&mut self, command: Command) -> Flow {
        match command {
            Command::Quit => return Flow::Quit,
            Command::Help => {
                let width = COMMANDS.iter().map(|(n, a, _)| n.len() + a.len()).max().unwrap_or(0);
                for (name, args, what) in COMMANDS {
                    let usage = format!("{name} {args}");
                    self.say(&format!("  {usage:width$}  {what}", width = width + 1));
                }
            }
            Command::Tables => {
                let session = self.session.borrow();
                let mut tables: Vec<_> = session.tables().collect();
                tables.sort_by(|a, b| a.name.cmp(&b.name));
                if tables.is_empty() {
                    self.say("no tables loaded: .load PATH, or start with -d PATH");
                }
                for t in tables {
                    self.say(&format!(
                        "  {}: {} rows, {} columns",
                        t.name,
                        t.report.rows,
                        t.columns.len()
                    ));
                }
            }
            Command::Schema(name) => self.schema(name.as_deref()),
            Command::Load { path, name } => self.load(&path, name.as_deref()),
            Command::Now(None) => match &self.now {
                Some(now) => self.say(&format!("now() is pinned to {now}")),
                None => self.say("now() is the clock's time"),
            },
            Command::Now(Some(None)) => {
                self.session.borrow_mut().set_now(None);
                self.now = None;
                self.say("now() is the clock's time");
            }
            Command::Now(Some(Some(text))) => match parse_now(&text) {
                Ok(instant) => {
                    self.session.borrow_mut().set_now(Some(instant));
                    self.say(&format!("now() is pinned to {text}"));
                    self.now = Some(text);
                }
                Err(e) => eprint_report(&e),
            },
            Command::Format(format) => self.format = format,
            Command::Timer(on) => self.timer = on,
            Command::Output(None) => self.output = None,
            Command::Output(Some(path)) => match File::create(&path) {
                Ok(file) => self.output = Some((path, file)),
                Err(e) => self.complain(&format!("cannot write `{}`: {e}", path.display())),
            },
            Command::Read(path) => match std::fs::read_to_string(&path) {
                Ok(text) => self.query(&path.display().to_string(), &text),
                Err(e) => self.complain(&format!("cannot read `{}`: {e}", path.display())),
            },
        }
        Flow::Continue
    }

    fn schema(&self, name: Option<&str>) {
        let session = self.session.borrow();
        let mut tables: Vec<_> =
            session.tables().filter(|t| name.is_none_or(|n| t.name == n)).collect();
        if tables.is_empty() {
            match name {
                Some(name) => {
                    self.complain(&format!("no table `{name}` is loaded (.tables lists them)"))
                }
                None => self.say("no tables loaded"),
            }
            return;
        }
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        for t in tables {
            self.say(&format!("{}:", t.name));
            for c in &t.columns {
                self.say(&format!("  {}: {}", c.name, c.ty));
            }
        }
    }

    fn load(&mut self, path: &str, name: Option<&str>) {
        let sources = match name {
            Some(name) => resolve_sources(&[], &[format!("{name}={path}")]),
            None => resolve_sources(&[PathBuf::from(path)], &[]),
        };
        let sources = match sources {
            Ok(sources) => sources,
            Err(e) => return eprint_report(&Report::new(e)),
        };
        let loaded =
            crate::load(&mut self.session.borrow_mut(), &sources, self.skip_bad_rows, None);
        let names = match loaded {
            Ok(names) => names,
            Err(e) => return eprint_report(&Report::new(e)),
        };
        for name in names {
            let line = match self.session.borrow().tables().find(|t| t.name == name) {
                Some(t) => format!(
                    "loaded {}: {} rows, {} columns",
                    t.name,
                    t.report.rows,
                    t.columns.len()
                ),
                None => continue,
            };
            self.say(&line);
        }
    }

    /// A line for the user, on standard output.
    fn say(&self, line: &str) {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        // The terminal is gone: nothing left to tell.
        let _ = writeln!(out, "{line}");
    }

    /// A mistake of the user's, on standard error.
    fn complain(&self, message: &str) {
        eprint_report(&miette::miette!(code = "kql::repl", "{message}"));
    }
}

/// Where the history is kept: the platform's data directory.
fn history_path() -> Option<PathBuf> {
    let dir = dirs::data_dir()?.join("calypso");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}
